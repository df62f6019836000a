using System.Globalization;
using System.Text;
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

    /// <summary>Per data round: true value, estimate, error, thresholds (paced runs: computed as the paper's AWS figures are).</summary>
    public const string FunctionValues = "function_values.csv";

    /// <summary>Paced runs: f(x̄) against the estimate at the settled pauses, in <see cref="FunctionValues"/>' format.</summary>
    public const string CheckpointValues = "checkpoint_values.csv";

    /// <summary>Paced runs: the folder of the nodes' sync histories, <c>node_&lt;i&gt;_sync_history.csv</c>.</summary>
    public const string NodesFolder = "nodes";

    /// <summary>The header line of a node's sync history.</summary>
    public const string NodeSyncHistoryHeader = "constraint_version,coordinator_round,kind,data_updates,sequence,round,lower_threshold,upper_threshold";

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

    /// <summary>Writes the files of a silo's experiment on the grains into <paramref name="folder"/> (paced: <see cref="WritePaced"/>'s too).</summary>
    public static void Write(string folder, ExperimentResult result, IReadOnlyList<SiloFault>? faults = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Paced is { } paced)
        {
            WritePaced(folder, paced);
        }

        Write(folder, SummaryJson.ForGrainRun(result, faults), result.Statistics.FullSyncs, result.Statistics.Rounds);
    }

    /// <summary>A node's sync history file name.</summary>
    public static string NodeSyncHistory(int node) => string.Create(CultureInfo.InvariantCulture, $"node_{node}_sync_history.csv");

    /// <summary>Writes a paced run's <see cref="CheckpointValues"/> and its nodes' sync histories into <paramref name="folder"/>.</summary>
    public static void WritePaced(string folder, PacedRecord paced)
    {
        ArgumentNullException.ThrowIfNull(paced);
        var nodes = Path.Combine(folder, NodesFolder);
        Directory.CreateDirectory(nodes);
        AtomicFile.WriteAllText(Path.Combine(folder, CheckpointValues), ResultCsv.FunctionValues(paced.Checkpoints));
        for (var i = 0; i < paced.NodeSyncHistories.Count; i++)
        {
            var text = new StringBuilder(NodeSyncHistoryHeader).Append('\n');
            foreach (var record in paced.NodeSyncHistories[i])
            {
                text.Append(record.ConstraintVersion.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(record.CoordinatorRound.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(record.Full ? "sync" : "lazy_sync").Append(',')
                    .Append(record.DataUpdates.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(record.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(paced.RoundOf(record).ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(ResultCsv.Format(record.LowerThreshold)).Append(',')
                    .Append(ResultCsv.Format(record.UpperThreshold)).Append('\n');
            }

            AtomicFile.WriteAllText(Path.Combine(nodes, NodeSyncHistory(i)), text.ToString());
        }
    }
}
