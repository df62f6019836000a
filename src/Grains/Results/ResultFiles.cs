using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Results;

/// <summary>
/// The files of one run, whoever ran it (<c>simulate</c>, a sweep, a silo): <c>summary.json</c> (<see cref="SummaryJson"/>),
/// <c>sync_history.csv</c> and <c>function_values.csv</c> (<see cref="ResultCsv"/>), each written whole or not at all.
/// </summary>
public static class ResultFiles
{
    /// <summary>The run's summary (written first; on S3 uploaded last, so its presence means the others are there).</summary>
    public const string Summary = "summary.json";

    /// <summary>Per full sync: the iteration and x0.</summary>
    public const string SyncHistory = "sync_history.csv";

    /// <summary>Per round (paced runs: per checkpoint): true value, estimate, error, thresholds.</summary>
    public const string FunctionValues = "function_values.csv";

    /// <summary>The header line of <see cref="FunctionValues"/>.</summary>
    public const string FunctionValuesHeader = ResultCsv.FunctionValuesHeader;

    /// <summary>Writes the three files into <paramref name="folder"/> (created if missing).</summary>
    public static void Write(string folder, string summaryJson, IReadOnlyList<FullSyncRecord> fullSyncs, IReadOnlyList<RoundValue> rounds)
    {
        ArgumentNullException.ThrowIfNull(summaryJson);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, Summary), summaryJson);
        AtomicFile.WriteAllText(Path.Combine(folder, SyncHistory), ResultCsv.SyncHistory(fullSyncs));
        AtomicFile.WriteAllText(Path.Combine(folder, FunctionValues), ResultCsv.FunctionValues(rounds));
    }

    /// <summary>Writes the three files of a silo's experiment on the grains into <paramref name="folder"/>.</summary>
    public static void Write(string folder, ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Write(folder, SummaryJson.ForGrainRun(result), result.Statistics.FullSyncs, result.Statistics.Rounds);
    }
}
