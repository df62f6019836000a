using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Launcher.Tests.Data;

public sealed class AirQualityLoaderTests : IDisposable
{
    private const string Header = "\"No\",\"year\",\"month\",\"day\",\"hour\",\"PM2.5\",\"PM10\",\"SO2\",\"NO2\",\"CO\",\"O3\",\"TEMP\",\"PRES\",\"DEWP\",\"RAIN\",\"wd\",\"WSPM\",\"station\"";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Row(int no, string pm25, string pm10, string so2 = "4", string wd = "NNW", string station = "Dongsi") =>
        $"{no},2013,3,1,{no % 24},{pm25},{pm10},{so2},7,300,77,-0.7,1023,-18.8,0,{wd},4.4,{station}";

    private string Station(string name, params string[] rows) =>
        _dir.Write($"PRSA_Data_{name}_20130301-20170228.csv", Header + "\n" + string.Join("\n", rows) + "\n");

    [Fact]
    public void Station_rows_become_pm10_and_pm25_classes()
    {
        // k = 10: edges i·500/9 = 0, 55.6, 111.1, ...; 600 is clipped to 500 and lands in the top bin 8.
        var file = Station("Dongsi", Row(1, "4", "60"), Row(2, "111.2", "600"), Row(3, "0", "55.5"));
        var station = AirQualityLoader.ReadStation(file, new PollutionBins(10));
        Assert.Equal("Dongsi", station.Name);
        Assert.Equal([1, 8, 0], station.Pm10Classes);
        Assert.Equal([0, 2, 0], station.Pm25Classes);
    }

    [Fact]
    public void Rows_missing_any_measurement_are_dropped_but_a_missing_wind_direction_is_not()
    {
        var file = Station(
            "Dongsi",
            Row(1, "NA", "60"),
            Row(2, "10", "60", so2: "NA"),
            Row(3, "10", "60", so2: ""),
            Row(4, "10", "60", wd: "NA"),
            Row(5, "NaN", "60"),
            Row(6, "10", "120"));
        var station = AirQualityLoader.ReadStation(file, new PollutionBins(10));
        Assert.Equal([1, 2], station.Pm10Classes);
    }

    [Fact]
    public void Stations_are_interleaved_hour_by_hour_in_file_name_order()
    {
        Station("Dongsi", Row(1, "0", "0"), Row(2, "0", "60"), Row(3, "0", "120"));
        Station("Aotizhongxin", Row(1, "200", "200"), Row(2, "200", "260"), Row(3, "200", "320"));
        var data = AirQualityLoader.Load(_dir.Path, dimension: 20, iterations: 2, tuningIterations: 1);
        Assert.Equal(2, data.NodeCount);
        Assert.Equal(2, data.TuningRowCount);
        // Node 0 = Aotizhongxin (sorted first), node 1 = Dongsi; rows (PM10 class, PM2.5 class).
        Assert.Equal([3, 3, 0, 0, 4, 3, 1, 0, 5, 3, 2, 0], data.Values.ToArray().Select(v => (int)v));
        Assert.Equal([0, 1, 0, 1, 0, 1], data.NodeSchedule.ToArray());
    }

    [Fact]
    public void Station_with_too_few_complete_rows_is_an_error_naming_it()
    {
        Station("Dongsi", Row(1, "0", "0"), Row(2, "NA", "60"));
        var error = Assert.Throws<DataFormatException>(() => AirQualityLoader.Load(_dir.Path, 20, iterations: 2));
        Assert.EndsWith("PRSA_Data_Dongsi_20130301-20170228.csv", error.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_folder_is_named_in_the_error()
    {
        var folder = _dir.PathOf("nowhere");
        Assert.Contains(folder, Assert.Throws<DirectoryNotFoundException>(() => AirQualityLoader.Load(folder, 20, 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_station_files_is_an_error() =>
        Assert.Throws<FileNotFoundException>(() => AirQualityLoader.Load(_dir.Path, 20, 1));

    [Fact]
    public void Header_without_pm10_is_an_error_on_line_one()
    {
        var file = _dir.Write("PRSA_Data_X_20130301-20170228.csv", "No,PM2.5,station\n1,3,X\n");
        Assert.Equal(1, Assert.Throws<DataFormatException>(() => AirQualityLoader.ReadStation(file, new PollutionBins(10))).LineNumber);
    }

    [Fact]
    public void Row_with_a_missing_field_is_an_error_naming_its_line()
    {
        var file = Station("Dongsi", Row(1, "4", "60"), "2,2013,3,1,1,4,60");
        var error = Assert.Throws<DataFormatException>(() => AirQualityLoader.ReadStation(file, new PollutionBins(10)));
        Assert.Equal(3, error.LineNumber);
        Assert.Contains("expected 18 fields, found 7", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("inf")]
    public void Reading_that_is_not_a_finite_number_is_an_error_naming_its_line(string bad)
    {
        var file = Station("Dongsi", Row(1, "4", "60"), Row(2, "4", bad));
        var error = Assert.Throws<DataFormatException>(() => AirQualityLoader.ReadStation(file, new PollutionBins(10)));
        Assert.Equal(3, error.LineNumber);
        Assert.Contains("PM10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Odd_dimension_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AirQualityLoader.Load(_dir.Path, 21, 1));
}
