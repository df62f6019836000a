using System.Globalization;
using System.Text;
using System.Text.Json;
using AutoMon.Launcher.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Launcher.Results;

/// <summary>
/// The files of one experiment, in the <c>simulate</c> command's formats: <c>summary.json</c> (the 13 reference counters
/// by name, bytes, errors, sync counts, baselines and the config), <c>sync_history.csv</c> (per full sync: iteration, x0),
/// <c>function_values.csv</c> (per round: true value, estimate, error, thresholds), plus <c>config.json</c>.
/// Every file is written beside its target and moved over it, so a file is whole or absent.
/// </summary>
internal static class ResultFiles
{
    public const string Config = "config.json";
    public const string Summary = "summary.json";
    public const string FunctionValues = "function_values.csv";
    public const string SyncHistory = "sync_history.csv";

    public const string FunctionValuesHeader = "round,true_value,estimate,error,lower_threshold,upper_threshold";

    /// <summary>Writes the four files of <paramref name="result"/> into <paramref name="folder"/> (created if missing).</summary>
    public static void WriteExperiment(string folder, ExperimentSpec spec, ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(folder);
        WriteAtomically(Path.Combine(folder, Config), Json(json => WriteConfig(json, spec, result.Engine)));
        WriteAtomically(Path.Combine(folder, Summary), Json(json => WriteSummary(json, spec, result)));
        WriteAtomically(Path.Combine(folder, SyncHistory), SyncHistoryCsv(result.Monitoring?.Statistics.FullSyncs ?? []));
        WriteAtomically(Path.Combine(folder, FunctionValues), FunctionValuesCsv(result.Rounds));
    }

    /// <summary>config.json: the reference's config keys (num_nodes, num_iterations, d, error_bound, ...) and how it ran.</summary>
    public static void WriteConfig(Utf8JsonWriter json, ExperimentSpec spec, string engine)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(spec);
        json.WriteStartObject();
        json.WriteString("node_type", spec.NodeType);
        json.WriteString("mode", spec.Mode == ExperimentMode.Centralization ? "centralization" : "automon");
        json.WriteString("engine", engine);
        WriteConfigFields(json, spec);
        json.WriteNumber("seed", spec.Seed);
        json.WriteString("pacing", spec.Network.Pacing == Pacing.Paced ? "paced" : "lockstep");
        SecondsOrNull(json, "lazy_sync_latency_seconds", spec.Network.LazySyncLatency);
        SecondsOrNull(json, "full_sync_latency_seconds", spec.Network.FullSyncLatency);
        SecondsOrNull(json, "wan_latency_seconds", spec.Network.WanLatency);
        SecondsOrNull(json, "round_interval_seconds", spec.Network.RoundInterval);
        json.WriteEndObject();
    }

    /// <summary>summary.json, as <c>simulate</c> writes it, plus the engine and (when measured) wire bytes.</summary>
    public static void WriteSummary(Utf8JsonWriter json, ExperimentSpec spec, ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(result);
        json.WriteStartObject();
        json.WriteString("engine", result.Engine);
        if (result.Monitoring is { } monitoring)
        {
            WriteMonitoringSummary(json, monitoring);
        }
        else
        {
            var centralization = result.Centralization!;
            json.WriteString("mode", "centralization");
            json.WriteNumber("messages", centralization.Messages);
            json.WriteNumber("bytes", centralization.PayloadBytes);
            Number(json, "max_error", 0);
            Number(json, "mean_error", 0);
            json.WriteNumber("rounds", centralization.Rounds.Count);
            json.WriteNumber("data_updates", centralization.Messages);
            Number(json, "wall_seconds", centralization.WallSeconds);
        }

        if (result.Wire is { } wire)
        {
            json.WriteNumber("wire_messages", wire.Messages);
            json.WriteNumber("wire_bytes", wire.Total);
        }

        if (result.Placement is { } placement)
        {
            json.WriteStartObject("placement");
            json.WriteString("coordinator_silo", placement.CoordinatorSilo);
            json.WriteStartObject("nodes_per_silo");
            foreach (var (silo, nodes) in placement.NodesPerSilo.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteNumber(silo, nodes);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteStartObject("config");
        WriteConfigFields(json, spec);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteMonitoringSummary(Utf8JsonWriter json, SimulationResult result)
    {
        var statistics = result.Statistics;
        var counters = statistics.Counters;
        for (var i = 0; i < counters.Count; i++)
        {
            json.WriteNumber(CoordinatorStatistics.CounterNames[i], counters[i]);
        }

        json.WriteNumber("bytes_sent", statistics.BytesSent);
        json.WriteNumber("bytes_received", statistics.BytesReceived);
        Number(json, "max_error", result.MaxError);
        Number(json, "mean_error", result.MeanError);
        json.WriteNumber("rounds", result.Rounds);
        json.WriteNumber("data_updates", result.DataUpdates);
        Number(json, "wall_seconds", result.WallSeconds);
        Number(json, "node_check_mean_ns", result.NodeCheckMeanNanoseconds);
        Number(json, "full_sync_mean_ms", result.FullSyncMeanMilliseconds);
        json.WriteNumber("full_syncs", statistics.FullSyncs.Count);
        json.WriteNumber("lazy_syncs", statistics.LazySyncs);
        json.WriteNumber("eager_sync_fallbacks", statistics.EagerSyncFallbacks);
        json.WriteNumber("stale_messages", statistics.StaleMessages);
        json.WriteNumber("safe_zone_violations", statistics.SafeZoneViolations);
        json.WriteNumber("domain_violations", statistics.DomainViolations);
        json.WriteNumber("faulty_safe_zone_violations", statistics.FaultySafeZoneViolations);
        Number(json, "updates_per_second", result.UpdatesPerSecond);
        Number(json, "adcd_x_mean_ms", result.AdcdXMeanMilliseconds);
        json.WriteString("adcd", result.IsHessianConstant ? "E" : "X");
        Number(json, "neighborhood_size", result.NeighborhoodSize);
        if (result.Tuning is { } tuning)
        {
            json.WriteStartObject("neighborhood_tuning");
            Number(json, "chosen", tuning.ChosenSize);
            json.WriteStartArray("trials");
            foreach (var trial in tuning.Trials)
            {
                json.WriteStartObject();
                Number(json, "neighborhood_size", trial.NeighborhoodSize);
                json.WriteNumber("total_violations", trial.TotalViolations);
                json.WriteNumber("safe_zone_violations", trial.SafeZoneViolations);
                json.WriteNumber("domain_violations", trial.DomainViolations);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteStartObject("baselines");
        foreach (var baseline in new[] { result.Centralization, result.Periodic, result.PeriodicOracle })
        {
            json.WriteStartObject(baseline.Name);
            json.WriteNumber("period", baseline.Period);
            json.WriteNumber("messages", baseline.Messages);
            json.WriteNumber("bytes", baseline.Bytes);
            Number(json, "max_error", baseline.MaxError);
            Number(json, "mean_error", baseline.MeanError);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    // The simulate command's "config" object (the reference's config.txt keys).
    private static void WriteConfigFields(Utf8JsonWriter json, ExperimentSpec spec)
    {
        var function = spec.Function;
        json.WriteString("function", function.Name);
        json.WriteNumber("num_nodes", spec.Data.NodeCount);
        json.WriteNumber("num_iterations", spec.Iterations);
        json.WriteNumber("num_iterations_for_tuning", spec.TuningIterations);
        json.WriteNumber("sliding_window_size", spec.WindowSize);
        json.WriteNumber("d", function.Dimension);
        if (spec.Mode == ExperimentMode.Centralization)
        {
            json.WriteNull("error_bound");
        }
        else
        {
            Number(json, "error_bound", spec.ErrorBound);
        }

        if (function.Domain is { } domain)
        {
            json.WriteStartArray("domain");
            json.WriteNumberValue(domain.Low);
            json.WriteNumberValue(domain.High);
            json.WriteEndArray();
        }
        else
        {
            json.WriteNull("domain");
        }

        NumberOrNull(json, "neighborhood_size", spec.NeighborhoodSize);
        NumberOrNull(json, "min_f_val", double.IsInfinity(function.MinValue) ? null : function.MinValue);
        NumberOrNull(json, "max_f_val", double.IsInfinity(function.MaxValue) ? null : function.MaxValue);
        json.WriteString("slack", "drift");
        json.WriteString("sync", "lazy-lru");
        json.WriteBoolean("single_sample_rounds", spec.SingleSampleRounds);
        json.WriteString("data", spec.DataSource);
    }

    /// <summary>sync_history.csv: per full sync, the iteration and then x0's coordinates; no header (as <c>simulate</c>).</summary>
    public static string SyncHistoryCsv(IReadOnlyList<FullSyncRecord> syncs)
    {
        ArgumentNullException.ThrowIfNull(syncs);
        var text = new StringBuilder();
        foreach (var sync in syncs)
        {
            text.Append(sync.Iteration.ToString(CultureInfo.InvariantCulture));
            foreach (var v in sync.ReferencePoint)
            {
                text.Append(',').Append(Format(v));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>function_values.csv: per round, f(x̄), f(x0), the error and the thresholds L, U.</summary>
    public static string FunctionValuesCsv(IReadOnlyList<RoundValue> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var text = new StringBuilder(FunctionValuesHeader).Append('\n');
        foreach (var r in rounds)
        {
            text.Append(r.Round.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Format(r.TrueValue)).Append(',')
                .Append(Format(r.Estimate)).Append(',')
                .Append(Format(r.Error)).Append(',')
                .Append(Format(r.LowerThreshold)).Append(',')
                .Append(Format(r.UpperThreshold)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Writes beside the target, then moves over it: an existing file is replaced whole or not at all.</summary>
    public static void WriteAtomically(string path, string content)
    {
        var temporary = path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(temporary, content, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Renders one JSON value, indented, with a final newline.</summary>
    public static string Json(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Round-trip invariant text; infinities as Infinity/-Infinity.</summary>
    public static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : v.ToString("R", CultureInfo.InvariantCulture);

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteString(name, Format(value));
        }
    }

    private static void NumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            Number(json, name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void SecondsOrNull(Utf8JsonWriter json, string name, TimeSpan? value) =>
        NumberOrNull(json, name, value?.TotalSeconds);
}
