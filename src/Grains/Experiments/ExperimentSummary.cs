using System.Text;
using System.Text.Json;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// An experiment's results in the <c>simulate</c> command's formats: <c>summary.json</c> (the 13 reference counters by name,
/// bytes, errors, rounds, updates, timing) extended with the grain run's wire bytes and placement, <c>sync_history.csv</c>
/// and <c>function_values.csv</c>.
/// </summary>
public static class ExperimentSummary
{
    /// <summary>summary.json as indented UTF-8 JSON.</summary>
    public static string Json(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            var summary = result.Summary;
            var statistics = summary.Statistics;
            json.WriteStartObject();
            json.WriteString("engine", "orleans");
            json.WriteString("experiment_id", result.ExperimentId);
            json.WriteString("pacing", result.Pacing == Pacing.Paced ? "paced" : "lockstep");
            for (var k = 0; k < CoordinatorStatistics.CounterNames.Count; k++)
            {
                json.WriteNumber(CoordinatorStatistics.CounterNames[k], statistics.Counters[k]);
            }

            json.WriteNumber("bytes_sent", statistics.BytesSent);
            json.WriteNumber("bytes_received", statistics.BytesReceived);
            Number(json, "max_error", summary.MaxError);
            Number(json, "mean_error", summary.MeanError);
            json.WriteNumber("rounds", summary.Rounds);
            json.WriteNumber("data_updates", summary.DataUpdates);
            Number(json, "wall_seconds", summary.WallSeconds);
            Number(json, "updates_per_second", summary.UpdatesPerSecond);
            Number(json, "node_check_mean_ns", summary.NodeCheckMeanNanoseconds);
            Number(json, "full_sync_mean_ms", summary.FullSyncMeanMilliseconds);
            json.WriteNumber("full_syncs", statistics.FullSyncs.Count);
            json.WriteNumber("lazy_syncs", statistics.LazySyncs);
            json.WriteNumber("protocol_bytes", result.ProtocolBytes);
            json.WriteNumber("wire_messages", result.Wire.Messages);
            json.WriteNumber("wire_header_bytes", result.Wire.HeaderBytes);
            json.WriteNumber("wire_body_bytes", result.Wire.BodyBytes);
            json.WriteNumber("wire_bytes", result.Wire.TotalBytes);
            Number(json, "wire_to_protocol_ratio", result.WireToProtocolRatio);
            json.WriteString("coordinator_silo", result.Coordinator.Silo);
            json.WriteStartObject("nodes_per_silo");
            foreach (var (silo, count) in result.NodesPerSilo.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteNumber(silo, count);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>sync_history.csv: one row per full sync, the iteration then every component of x0 at full precision.</summary>
    public static string SyncHistoryCsv(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ResultCsv.SyncHistory(result.Statistics.FullSyncs);
    }

    /// <summary>function_values.csv: per round (paced: per checkpoint) the true value, estimate, error and thresholds.</summary>
    public static string FunctionValuesCsv(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ResultCsv.FunctionValues(result.Statistics.Rounds);
    }

    /// <summary>Writes the three files into <paramref name="folder"/> (created if missing).</summary>
    public static void WriteFiles(string folder, ExperimentResult result)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "summary.json"), Json(result));
        File.WriteAllText(Path.Combine(folder, "sync_history.csv"), SyncHistoryCsv(result));
        File.WriteAllText(Path.Combine(folder, "function_values.csv"), FunctionValuesCsv(result));
    }

    // JSON has no NaN or infinity: write null.
    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
