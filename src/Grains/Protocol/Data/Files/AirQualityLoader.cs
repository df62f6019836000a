using System.Globalization;

namespace AutoMon.Protocol.Data.Files;

/// <summary>One Beijing air-quality station: its name and, per kept hourly row, the PM10 and PM2.5 classes.</summary>
public sealed record AirQualityStation(string Name, string FilePath, IReadOnlyList<int> Pm10Classes, IReadOnlyList<int> Pm25Classes);

/// <summary>
/// Loads the 12 Beijing Multi-Site Air-Quality files (<c>PRSA_Data_&lt;station&gt;_20130301-20170228.csv</c>) for the KLD
/// workload as the reference's <c>DataGeneratorKldAirQuality</c> does:
/// <list type="bullet">
/// <item>columns No, year, month, day, hour, wd and station are ignored; a row with a missing value (pandas' NA
/// spellings such as <c>NA</c> or an empty field) in any other column (PM2.5, PM10, SO2, NO2, CO, O3, TEMP, PRES, DEWP,
/// RAIN, WSPM) is dropped;</item>
/// <item>each kept row becomes the pair (PM10 class, PM2.5 class), both binned by <see cref="PollutionBins"/> with
/// k = d/2 classes: clip to [0, 500] µg/m³, edges i·500/(k − 1);</item>
/// <item>station s is node s and rows go hour by hour, station by station (row k to node k mod 12); the first
/// tuningIterations hours of every station form the tuning prefix, the next iterations hours are monitored.</item>
/// </list>
/// The reference orders stations by <c>os.listdir</c>, which is arbitrary; we sort the file names ordinally.
/// </summary>
public static class AirQualityLoader
{
    private static readonly HashSet<string> IgnoredColumns = new(StringComparer.Ordinal) { "No", "year", "month", "day", "hour", "wd", "station" };

    // pandas.read_csv's default missing-value spellings (pandas 1.5).
    private static readonly HashSet<string> MissingValues = new(StringComparer.Ordinal)
    {
        string.Empty, "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
        "NULL", "NaN", "n/a", "nan", "null",
    };

    /// <summary>The station files in <paramref name="folder"/>: names starting with PRSA and ending with csv, sorted.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder is missing.</exception>
    /// <exception cref="FileNotFoundException">The folder holds no station file.</exception>
    public static IReadOnlyList<string> FindStationFiles(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Air-quality folder not found: {folder}");
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetFileName(f).StartsWith("PRSA", StringComparison.Ordinal) && f.EndsWith("csv", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"No air-quality files (PRSA_Data_*_20130301-20170228.csv) in {folder}");
        }

        return files;
    }

    /// <summary>Reads one station file and bins its PM10 and PM2.5 readings.</summary>
    /// <exception cref="DataFormatException">A missing column, a row with the wrong number of fields, or a reading that is not a finite number.</exception>
    public static AirQualityStation ReadStation(string path, PollutionBins bins)
    {
        ArgumentNullException.ThrowIfNull(bins);
        string[]? header = null;
        int pm10 = -1, pm25 = -1;
        var checkedColumns = new List<int>();
        var pm10Classes = new List<int>();
        var pm25Classes = new List<int>();
        foreach (var (line, text) in NumpyTextFile.Lines(path))
        {
            if (text.Length == 0)
            {
                continue;
            }

            var fields = text.Split(',');
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = fields[i].Trim().Trim('"');
            }

            if (header is null)
            {
                header = fields;
                pm10 = Array.IndexOf(header, "PM10");
                pm25 = Array.IndexOf(header, "PM2.5");
                if (pm10 < 0 || pm25 < 0)
                {
                    throw new DataFormatException(path, line, "the header needs the columns PM10 and PM2.5.");
                }

                checkedColumns.AddRange(Enumerable.Range(0, header.Length).Where(i => !IgnoredColumns.Contains(header[i])));
                continue;
            }

            if (fields.Length != header.Length)
            {
                throw new DataFormatException(path, line, $"expected {header.Length} fields, found {fields.Length}.");
            }

            if (checkedColumns.Any(i => MissingValues.Contains(fields[i])))
            {
                continue;   // pandas dropna()
            }

            pm10Classes.Add(bins.IndexOf(Reading(path, line, header[pm10], fields[pm10])));
            pm25Classes.Add(bins.IndexOf(Reading(path, line, header[pm25], fields[pm25])));
        }

        if (header is null)
        {
            throw new DataFormatException(path, null, "the file is empty.");
        }

        return new AirQualityStation(StationName(path), path, pm10Classes, pm25Classes);
    }

    /// <summary>
    /// Loads every station in <paramref name="folder"/> into the KLD data set: dimension d = 2k, one node per station.
    /// </summary>
    /// <exception cref="DataFormatException">A station has fewer kept rows than tuningIterations + iterations.</exception>
    public static DataSet Load(string folder, int dimension, int iterations, int tuningIterations = 0)
    {
        if (dimension < 4 || dimension % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "KLD needs an even dimension d = 2k with k ≥ 2.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        ArgumentOutOfRangeException.ThrowIfNegative(tuningIterations);
        var bins = new PollutionBins(dimension / 2);
        var stations = FindStationFiles(folder).Select(f => ReadStation(f, bins)).ToList();
        var hours = tuningIterations + iterations;
        foreach (var station in stations)
        {
            if (station.Pm10Classes.Count < hours)
            {
                throw new DataFormatException(
                    station.FilePath, null, $"{station.Pm10Classes.Count} complete rows; {tuningIterations} tuning + {iterations} monitored iterations need {hours}.");
            }
        }

        var n = stations.Count;
        var values = new double[hours * n * 2];
        for (var t = 0; t < hours; t++)
        {
            for (var s = 0; s < n; s++)
            {
                values[((t * n) + s) * 2] = stations[s].Pm10Classes[t];
                values[(((t * n) + s) * 2) + 1] = stations[s].Pm25Classes[t];
            }
        }

        return new DataSet(values, 2, DataSet.RoundRobinSchedule(hours * n, n), n, tuningIterations * n);
    }

    private static double Reading(string path, int line, string column, string field)
    {
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new DataFormatException(path, line, $"{column} '{field}' is not a finite number.");
        }

        return value;
    }

    /// <summary>The reference's <c>file.split('_')[2]</c>: PRSA_Data_Aotizhongxin_... → Aotizhongxin.</summary>
    private static string StationName(string path)
    {
        var parts = Path.GetFileName(path).Split('_');
        return parts.Length > 2 ? parts[2] : Path.GetFileNameWithoutExtension(path);
    }
}
