using Pacing = AutoMon.Grains.Experiments.Pacing;
using System.Text.Json;
using AutoMon.Grains.Results;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Experiments;

namespace AutoMon.Launcher.Results;

/// <summary>
/// The folder of one experiment of a sweep: the run's files (<see cref="ResultFiles"/>: summary.json, sync_history.csv,
/// function_values.csv) plus <c>config.json</c>, each written whole or not at all.
/// </summary>
internal static class ExperimentFolder
{
    public const string Config = "config.json";

    /// <summary>Writes the four files of <paramref name="result"/> into <paramref name="folder"/> (created if missing).</summary>
    public static void Write(string folder, ExperimentSpec spec, ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, Config), SummaryJson.Render(json => WriteConfig(json, spec, result.Engine)));
        if (result.Paced is { } paced)
        {
            ResultFiles.WritePaced(folder, paced);
        }

        ResultFiles.Write(folder, Summary(spec, result), result.Monitoring?.Statistics.FullSyncs ?? [], result.Rounds);
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
        SummaryJson.WriteRunConfigFields(json, RunConfigOf(spec));
        json.WriteNumber("seed", spec.Seed);
        json.WriteString("pacing", spec.Network.Pacing == Pacing.Paced ? "paced" : "lockstep");
        SecondsOrNull(json, "lazy_sync_latency_seconds", spec.Network.LazySyncLatency);
        SecondsOrNull(json, "full_sync_latency_seconds", spec.Network.FullSyncLatency);
        SecondsOrNull(json, "wan_latency_seconds", spec.Network.WanLatency);
        SecondsOrNull(json, "round_interval_seconds", spec.Network.RoundInterval);
        json.WriteEndObject();
    }

    private static string Summary(ExperimentSpec spec, ExperimentResult result)
    {
        var config = RunConfigOf(spec);
        var wire = result.Wire is { } w ? new WireSummary(w.Messages, w.Total) : null;
        if (result.Monitoring is { } monitoring)
        {
            var placement = result.Placement is { } p ? new PlacementSummary(p.CoordinatorSilo, p.NodesPerSilo) : null;
            return SummaryJson.ForAutoMonRun(result.Engine, monitoring, config, wire, placement, result.Faults);
        }

        var centralization = result.Centralization!;
        return SummaryJson.ForCentralizationRun(result.Engine,
            new CentralizationSummary(centralization.Messages, centralization.PayloadBytes, centralization.Rounds.Count, centralization.WallSeconds), config, wire);
    }

    // The slack and sync the experiment ran with (the paper's experiments use drift and lazy-lru, the defaults).
    private static RunConfig RunConfigOf(ExperimentSpec spec) => new()
    {
        Function = spec.Function,
        Nodes = spec.Data.NodeCount,
        Iterations = spec.Iterations,
        TuningIterations = spec.TuningIterations,
        Window = spec.WindowSize,
        Dimension = spec.Function.Dimension,
        ErrorBound = spec.Mode == ExperimentMode.Centralization ? null : spec.ErrorBound,
        NeighborhoodSize = spec.NeighborhoodSize,
        Slack = SettingText.Slack.Format(spec.Slack),
        Sync = SettingText.Sync.Format(spec.Sync),
        SingleSampleRounds = spec.SingleSampleRounds,
        Adaptive = spec.Adaptive,
        Protocol = spec.Protocol,
        Data = spec.DataSource,
    };

    private static void SecondsOrNull(Utf8JsonWriter json, string name, TimeSpan? value) =>
        SummaryJson.WriteNumberOrNull(json, name, value?.TotalSeconds);
}
