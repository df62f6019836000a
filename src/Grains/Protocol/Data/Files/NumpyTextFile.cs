using System.Globalization;
using System.Text;

namespace AutoMon.Protocol.Data.Files;

/// <summary>
/// Reads and writes the reference's <c>np.savetxt</c> text files: one row per line, values separated by whitespace,
/// <c>#</c> starting a comment, blank lines ignored (<c>np.genfromtxt</c> / <c>np.loadtxt</c> conventions).
/// </summary>
public static class NumpyTextFile
{
    /// <summary>
    /// Reads a data file (<c>--data-file</c>): one data point per row. Rows go to nodes round-robin (row k to node
    /// k mod <paramref name="nodeCount"/>) unless <paramref name="scheduleFile"/> (the reference's
    /// <c>node_schedule_file.txt</c>, one node index per row) says otherwise. The first
    /// <paramref name="tuningIterations"/> × nodeCount rows form the tuning prefix, as in the reference.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="DataFormatException">A row has the wrong number of values, a value is not a finite number, or the
    /// schedule does not fit the data.</exception>
    public static DataSet ReadDataSet(string path, int nodeCount, int tuningIterations = 0, string? scheduleFile = null, int? expectedPointLength = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(tuningIterations);
        var (values, rows, columns) = ReadTable(path, expectedPointLength);
        int[] schedule;
        if (scheduleFile is null)
        {
            schedule = DataSet.RoundRobinSchedule(rows, nodeCount);
        }
        else
        {
            schedule = ReadSchedule(scheduleFile, nodeCount);
            if (schedule.Length != rows)
            {
                throw new DataFormatException(scheduleFile, null, $"the schedule has {schedule.Length} rows; the data file {path} has {rows}.");
            }
        }

        var tuningRows = (long)tuningIterations * nodeCount;
        if (tuningRows > rows)
        {
            throw new DataFormatException(path, null, $"{rows} rows cannot hold a tuning prefix of {tuningIterations} iterations × {nodeCount} nodes.");
        }

        return new DataSet(values, columns, schedule, nodeCount, (int)tuningRows);
    }

    /// <summary>
    /// Reads <c>H_matrix.txt</c>: a square matrix whose values are rounded to float32 and promoted back to double, as the
    /// reference's <c>np.loadtxt(..., dtype=np.float32)</c> does (decimal → double → float32).
    /// </summary>
    public static double[,] ReadHMatrix(string path, int? expectedDimension = null)
    {
        var (values, rows, columns) = ReadTable(path, expectedDimension);
        if (rows != columns)
        {
            throw new DataFormatException(path, null, $"H has {rows} rows and {columns} columns; it must be square.");
        }

        if (expectedDimension is int d && rows != d)
        {
            throw new DataFormatException(path, null, $"H is {rows}×{rows}; expected {d}×{d}.");
        }

        var h = new double[rows, rows];
        for (var i = 0; i < values.Length; i++)
        {
            var single = (float)values[i];
            if (!float.IsFinite(single))
            {
                throw new DataFormatException(path, null, $"value {values[i].ToString(CultureInfo.InvariantCulture)} in row {(i / rows) + 1} overflows float32.");
            }

            h[i / rows, i % rows] = single;
        }

        return h;
    }

    /// <summary>Reads a node schedule: one whole number 0..nodeCount-1 per row (written by np.savetxt as floats).</summary>
    public static int[] ReadSchedule(string path, int nodeCount)
    {
        var lines = ReadRows(path, 1);
        var schedule = new int[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var (line, value) = lines[i];
            if (!double.IsInteger(value) || value < 0 || value >= nodeCount)
            {
                throw new DataFormatException(path, line, $"expected a node index 0..{nodeCount - 1}, found {value.ToString(CultureInfo.InvariantCulture)}.");
            }

            schedule[i] = (int)value;
        }

        return schedule;
    }

    /// <summary>Writes rows of <paramref name="columns"/> values as <c>np.savetxt</c> does by default (<c>%.18e</c>, space separated).</summary>
    public static void WriteTable(string path, ReadOnlySpan<double> values, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (values.Length % columns != 0)
        {
            throw new ArgumentException($"{values.Length} values do not make rows of {columns}.", nameof(values));
        }

        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var line = new StringBuilder();
        for (var start = 0; start < values.Length; start += columns)
        {
            line.Clear();
            for (var j = 0; j < columns; j++)
            {
                if (j > 0)
                {
                    line.Append(' ');
                }

                line.Append(FormatScientific(values[start + j]));
            }

            writer.Write(line.Append('\n'));
        }
    }

    /// <summary>Writes H as the reference does (<c>np.savetxt(..., H, fmt='%f')</c>: six decimals).</summary>
    public static void WriteHMatrix(string path, double[,] h)
    {
        ArgumentNullException.ThrowIfNull(h);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        for (var r = 0; r < h.GetLength(0); r++)
        {
            for (var c = 0; c < h.GetLength(1); c++)
            {
                writer.Write(c > 0 ? " " : string.Empty);
                writer.Write(h[r, c].ToString("F6", CultureInfo.InvariantCulture));
            }

            writer.Write('\n');
        }
    }

    /// <summary>C's <c>%.18e</c>: 19 significant digits, at least two exponent digits.</summary>
    public static string FormatScientific(double value)
    {
        var text = value.ToString("E18", CultureInfo.InvariantCulture);   // e.g. 1.788628473430318611E+000
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var exponent = text.AsSpan(e + 2).TrimStart('0');
        var digits = exponent.Length >= 2 ? exponent.ToString() : exponent.ToString().PadLeft(2, '0');
        return string.Concat(text.AsSpan(0, e), "e", text.AsSpan(e + 1, 1), digits);
    }

    /// <summary>Reads a whole table; every row must have the same number of values (or <paramref name="expectedColumns"/>).</summary>
    internal static (double[] Values, int Rows, int Columns) ReadTable(string path, int? expectedColumns)
    {
        var values = new List<double>();
        var columns = expectedColumns ?? -1;
        var rows = 0;
        var row = new List<double>();
        foreach (var (lineNumber, text) in Lines(path))
        {
            row.Clear();
            ParseRow(path, lineNumber, text, row);
            if (row.Count == 0)
            {
                continue;
            }

            if (columns < 0)
            {
                columns = row.Count;
            }
            else if (row.Count != columns)
            {
                throw new DataFormatException(path, lineNumber, $"expected {columns} values, found {row.Count}.");
            }

            values.AddRange(row);
            rows++;
        }

        if (rows == 0)
        {
            throw new DataFormatException(path, null, "no data rows.");
        }

        return (values.ToArray(), rows, columns);
    }

    private static List<(int Line, double Value)> ReadRows(string path, int columns)
    {
        var result = new List<(int, double)>();
        var row = new List<double>();
        foreach (var (lineNumber, text) in Lines(path))
        {
            row.Clear();
            ParseRow(path, lineNumber, text, row);
            if (row.Count == 0)
            {
                continue;
            }

            if (row.Count != columns)
            {
                throw new DataFormatException(path, lineNumber, $"expected {columns} values, found {row.Count}.");
            }

            result.Add((lineNumber, row[0]));
        }

        if (result.Count == 0)
        {
            throw new DataFormatException(path, null, "no data rows.");
        }

        return result;
    }

    private static void ParseRow(string path, int lineNumber, string text, List<double> row)
    {
        var span = text.AsSpan();
        var comment = span.IndexOf('#');
        if (comment >= 0)
        {
            span = span[..comment];
        }

        var column = 0;
        while (true)
        {
            span = span.TrimStart();
            if (span.IsEmpty)
            {
                return;
            }

            var end = span.IndexOfAny(' ', '\t');
            var token = end < 0 ? span : span[..end];
            span = end < 0 ? [] : span[end..];
            column++;
            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new DataFormatException(path, lineNumber, $"value {column} '{token}' is not a number.");
            }

            if (!double.IsFinite(value))
            {
                throw new DataFormatException(path, lineNumber, $"value {column} '{token}' is not finite; NaN and infinite values are not allowed.");
            }

            row.Add(value);
        }
    }

    /// <summary>Lines of a text file with 1-based numbers; a missing file is a <see cref="FileNotFoundException"/> naming it.</summary>
    internal static IEnumerable<(int Line, string Text)> Lines(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file not found: {path}", path);
        }

        return Iterate(path);

        static IEnumerable<(int, string)> Iterate(string path)
        {
            using var reader = new StreamReader(path);
            var number = 0;
            while (reader.ReadLine() is { } line)
            {
                number++;
                yield return (number, line);
            }
        }
    }
}
