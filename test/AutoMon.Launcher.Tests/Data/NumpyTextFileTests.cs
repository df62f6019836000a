using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Launcher.Tests.Data;

public sealed class NumpyTextFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Data_file_rows_become_points_dealt_round_robin()
    {
        var file = _dir.Write("data_file.txt", """
            # written by np.savetxt
            1.000000000000000000e+00 -2.500000000000000000e-01

            3.0	4.0   # a comment after the values
            5e-3 6E+2
            """);
        var data = NumpyTextFile.ReadDataSet(file, nodeCount: 2);
        Assert.Equal(2, data.PointLength);
        Assert.Equal([1, -0.25, 3, 4, 0.005, 600], data.Values.ToArray());
        Assert.Equal([0, 1, 0], data.NodeSchedule.ToArray());
    }

    [Fact]
    public void Single_column_file_gives_scalar_points()
    {
        var file = _dir.Write("variance.txt", "1.5\n-2\n3\n");
        var data = NumpyTextFile.ReadDataSet(file, nodeCount: 3);
        Assert.Equal(1, data.PointLength);
        Assert.Equal(3, data.RowCount);
    }

    [Fact]
    public void Tuning_iterations_reserve_the_first_rows()
    {
        var file = _dir.Write("data_file.txt", "1\n2\n3\n4\n5\n6\n");
        var data = NumpyTextFile.ReadDataSet(file, nodeCount: 2, tuningIterations: 2);
        Assert.Equal(4, data.TuningRowCount);
        Assert.Equal([5.0, 6.0], data.MonitoringPart().Values.ToArray());
    }

    [Fact]
    public void Tuning_prefix_longer_than_the_data_is_an_error_naming_the_file()
    {
        var file = _dir.Write("data_file.txt", "1\n2\n");
        var error = Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadDataSet(file, nodeCount: 2, tuningIterations: 2));
        Assert.Equal(file, error.FilePath);
    }

    [Fact]
    public void Row_with_a_missing_value_is_an_error_naming_file_and_line()
    {
        var file = _dir.Write("data_file.txt", "1 2 3\n4 5 6\n\n7 8\n");
        var error = Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadDataSet(file, 2));
        Assert.Equal($"{file} line 4: expected 3 values, found 2.", error.Message);
        Assert.Equal(4, error.LineNumber);
    }

    [Fact]
    public void First_row_must_match_the_expected_point_length()
    {
        var file = _dir.Write("data_file.txt", "1 2 3\n");
        var error = Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadDataSet(file, 2, expectedPointLength: 40));
        Assert.Contains("line 1: expected 40 values, found 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1 nan 3", "'nan'")]
    [InlineData("1 inf 3", "'inf'")]
    [InlineData("1 -Infinity 3", "'-Infinity'")]
    [InlineData("1 NaN 3", "'NaN'")]
    [InlineData("1 1e400 3", "'1e400'")]
    [InlineData("1 abc 3", "'abc'")]
    [InlineData("1 1,5 3", "'1,5'")]
    public void Value_that_is_not_a_finite_number_is_an_error_naming_file_line_and_value(string badRow, string shown)
    {
        var file = _dir.Write("data_file.txt", "1 2 3\n" + badRow + "\n");
        var error = Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadDataSet(file, 2));
        Assert.StartsWith($"{file} line 2: value 2 ", error.Message, StringComparison.Ordinal);
        Assert.Contains(shown, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_data_file_is_named_in_the_error()
    {
        var file = _dir.PathOf("absent.txt");
        var error = Assert.Throws<FileNotFoundException>(() => NumpyTextFile.ReadDataSet(file, 2));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_without_data_rows_is_an_error()
    {
        var file = _dir.Write("data_file.txt", "# only a comment\n\n");
        Assert.Contains("no data rows", Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadDataSet(file, 2)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schedule_file_overrides_round_robin()
    {
        var file = _dir.Write("data_file.txt", "1\n2\n3\n");
        var schedule = _dir.Write("node_schedule_file.txt", "2.000000000000000000e+00\n0.000000000000000000e+00\n2.000000000000000000e+00\n");
        var data = NumpyTextFile.ReadDataSet(file, nodeCount: 3, scheduleFile: schedule);
        Assert.Equal([2, 0, 2], data.NodeSchedule.ToArray());
    }

    [Fact]
    public void Schedule_of_another_length_is_an_error_naming_the_schedule_file()
    {
        var file = _dir.Write("data_file.txt", "1\n2\n3\n");
        var schedule = _dir.Write("node_schedule_file.txt", "0\n1\n");
        var error = Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadDataSet(file, 3, scheduleFile: schedule));
        Assert.Equal(schedule, error.FilePath);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("3")]
    [InlineData("-1")]
    public void Schedule_entry_that_is_not_a_node_index_is_an_error_naming_its_line(string entry)
    {
        var file = _dir.Write("data_file.txt", "1\n2\n");
        var schedule = _dir.Write("node_schedule_file.txt", "0\n" + entry + "\n");
        var error = Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadDataSet(file, 3, scheduleFile: schedule));
        Assert.Equal(2, error.LineNumber);
    }

    [Fact]
    public void H_matrix_values_are_rounded_through_float32_like_numpy_loadtxt()
    {
        var file = _dir.Write("H_matrix.txt", "1.000000 0.100000\n-0.519866 2.000000\n");
        var h = NumpyTextFile.ReadHMatrix(file, expectedDimension: 2);
        Assert.Equal(0.10000000149011612, h[0, 1]);
        Assert.Equal((double)(float)-0.519866, h[1, 0]);
        Assert.Equal(2.0, h[1, 1]);
    }

    [Fact]
    public void H_matrix_must_be_square()
    {
        var file = _dir.Write("H_matrix.txt", "1 2 3\n4 5 6\n");
        Assert.Contains("square", Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadHMatrix(file)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void H_matrix_of_another_dimension_is_an_error()
    {
        var file = _dir.Write("H_matrix.txt", "1 2\n3 4\n");
        Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadHMatrix(file, expectedDimension: 3));
    }

    [Fact]
    public void H_matrix_value_beyond_float32_is_an_error()
    {
        var file = _dir.Write("H_matrix.txt", "1 2\n3 1e39\n");
        Assert.Contains("float32", Assert.Throws<DataFormatException>(() => NumpyTextFile.ReadHMatrix(file)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_H_matrix_survives_writing_and_reading()
    {
        var h = DataGenerators.QuadraticHMatrix(5, 7);
        var file = _dir.PathOf("H_matrix.txt");
        NumpyTextFile.WriteHMatrix(file, h);
        Assert.Equal(h, NumpyTextFile.ReadHMatrix(file, 5));
    }

    [Theory]
    // Python's '%.18e' % value for each.
    [InlineData(1.7886284734303186, "1.788628473430318611e+00")]
    [InlineData(-0.0, "-0.000000000000000000e+00")]
    [InlineData(1e-300, "1.000000000000000025e-300")]
    [InlineData(123456789.123, "1.234567891229999959e+08")]
    [InlineData(5e-324, "4.940656458412465442e-324")]
    [InlineData(1e100, "1.000000000000000016e+100")]
    [InlineData(0.1, "1.000000000000000056e-01")]
    public void Values_are_written_as_numpy_savetxt_writes_them(double value, string expected) =>
        Assert.Equal(expected, NumpyTextFile.FormatScientific(value));

    [Property(MaxTest = 100)]
    public Property Written_data_reads_back_bit_for_bit()
    {
        var finite = ArbMap.Default.GeneratorFor<double>().Where(double.IsFinite);
        var gen =
            from columns in Gen.Choose(1, 4)
            from rows in Gen.Choose(1, 6)
            from values in Gen.ArrayOf(finite, columns * rows)
            select (columns, values);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var file = _dir.PathOf(Guid.NewGuid().ToString("N") + ".txt");
            NumpyTextFile.WriteTable(file, t.values, t.columns);
            var back = NumpyTextFile.ReadDataSet(file, 1, expectedPointLength: t.columns);
            return back.Values.ToArray().Select(BitConverter.DoubleToInt64Bits)
                .SequenceEqual(t.values.Select(BitConverter.DoubleToInt64Bits));
        });
    }
}
