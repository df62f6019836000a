using Pacing = AutoMon.Grains.Experiments.Pacing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AutoMon.Launcher.Experiments;
using AutoMon.Numerics.Functions;
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

    public const string FunctionValuesHeader = ResultCsv.FunctionValuesHeader;

    /// <summary>Writes the four files of <paramref name="result"/> into <paramref name="folder"/> (created if missing).</summary>
    public static void WriteExperiment(string folder, ExperimentSpec spec, ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(folder);
        WriteAtomically(Path.Combine(folder, Config), Json(json => WriteConfig(json, spec, result.Engine)));
        WriteAtomically(Path.Combine(folder, Summary), Json(json => WriteSummary(json, spec, result)));
        WriteAtomically(Path.Combine(folder, SyncHistory), ResultCsv.SyncHistory(result.Monitoring?.Statistics.FullSyncs ?? []));
        WriteAtomically(Path.Combine(folder, FunctionValues), ResultCsv.FunctionValues(result.Rounds));
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
            WriteMonitoringFields(json, monitoring, monitoring.WallSeconds);
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

    /// <summary>
    /// The run's fields of summary.json (the 13 reference counters by name, bytes, errors, timing, syncs, ADCD, tuning,
    /// baselines), shared by <c>simulate</c> and the sweeps: <paramref name="wallSeconds"/> is the data loop's time (simulate
    /// with --repeat: the median, and <paramref name="repeats"/> adds the count and the best time).
    /// </summary>
    public static void WriteMonitoringFields(Utf8JsonWriter json, SimulationResult result, double wallSeconds, (int Count, double BestSeconds)? repeats = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(result);
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
        Number(json, "wall_seconds", wallSeconds);
        Number(json, "node_check_mean_ns", result.NodeCheckMeanNanoseconds);
        Number(json, "full_sync_mean_ms", result.FullSyncMeanMilliseconds);
        json.WriteNumber("full_syncs", statistics.FullSyncs.Count);
        json.WriteNumber("lazy_syncs", statistics.LazySyncs);
        json.WriteNumber("eager_sync_fallbacks", statistics.EagerSyncFallbacks);
        json.WriteNumber("stale_messages", statistics.StaleMessages);
        json.WriteNumber("safe_zone_violations", statistics.SafeZoneViolations);
        json.WriteNumber("domain_violations", statistics.DomainViolations);
        json.WriteNumber("faulty_safe_zone_violations", statistics.FaultySafeZoneViolations);
        Number(json, "updates_per_second", wallSeconds > 0 ? result.DataUpdates / wallSeconds : double.PositiveInfinity);
        if (repeats is { Count: > 1 } r)
        {
            json.WriteNumber("repeats", r.Count);
            Number(json, "wall_seconds_best", r.BestSeconds);
        }

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

    /// <summary>
    /// The fields of summary.json's "config" object (the reference's config.txt keys), shared by <c>simulate</c> and the
    /// sweeps.
    /// </summary>
    public static void WriteRunConfigFields(Utf8JsonWriter json, RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(config);
        var function = config.Function;
        json.WriteString("function", function.Name);
        json.WriteNumber("num_nodes", config.Nodes);
        json.WriteNumber("num_iterations", config.Iterations);
        json.WriteNumber("num_iterations_for_tuning", config.TuningIterations);
        json.WriteNumber("sliding_window_size", config.Window);
        json.WriteNumber("d", config.Dimension);
        NumberOrNull(json, "error_bound", config.ErrorBound);
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

        NumberOrNull(json, "neighborhood_size", config.NeighborhoodSize);
        NumberOrNull(json, "min_f_val", double.IsInfinity(function.MinValue) ? null : function.MinValue);
        NumberOrNull(json, "max_f_val", double.IsInfinity(function.MaxValue) ? null : function.MaxValue);
        json.WriteString("slack", config.Slack);
        json.WriteString("sync", config.Sync);
        json.WriteBoolean("single_sample_rounds", config.SingleSampleRounds);
        json.WriteString("data", config.Data);
    }

    // The sweeps run Drift slack and LazyLRU sync, as the paper's experiments do.
    private static void WriteConfigFields(Utf8JsonWriter json, ExperimentSpec spec) => WriteRunConfigFields(json, new RunConfig
    {
        Function = spec.Function,
        Nodes = spec.Data.NodeCount,
        Iterations = spec.Iterations,
        TuningIterations = spec.TuningIterations,
        Window = spec.WindowSize,
        Dimension = spec.Function.Dimension,
        ErrorBound = spec.Mode == ExperimentMode.Centralization ? null : spec.ErrorBound,
        NeighborhoodSize = spec.NeighborhoodSize,
        Slack = "drift",
        Sync = "lazy-lru",
        SingleSampleRounds = spec.SingleSampleRounds,
        Data = spec.DataSource,
    });

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

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteString(name, ResultCsv.Format(value));
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

/// <summary>What summary.json's "config" object says about a run.</summary>
internal sealed record RunConfig
{
    public required MonitoredFunction Function { get; init; }

    public required int Nodes { get; init; }

    public required int Iterations { get; init; }

    public required int TuningIterations { get; init; }

    public required int Window { get; init; }

    public required int Dimension { get; init; }

    /// <summary>Null for the centralisation baseline.</summary>
    public double? ErrorBound { get; init; }

    public double? NeighborhoodSize { get; init; }

    public required string Slack { get; init; }

    public required string Sync { get; init; }

    public bool SingleSampleRounds { get; init; }

    /// <summary>A path, or "generated (seed s)".</summary>
    public required string Data { get; init; }
}
