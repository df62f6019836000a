using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Launcher.Experiments;

/// <summary>What runs: AutoMon, or the centralisation baseline (every update sent to the coordinator).</summary>
internal enum ExperimentMode
{
    AutoMon,
    Centralization,
}

/// <summary>Network settings for engines that run over a cluster; the in-process simulation accepts only the defaults.</summary>
/// <param name="Pacing">Lockstep or paced.</param>
/// <param name="LazySyncLatency">Paced: time the coordinator takes before sending a lazy sync (null: none).</param>
/// <param name="FullSyncLatency">Paced: time the coordinator takes before sending a full sync (null: none).</param>
/// <param name="WanLatency">One-way delay added between the coordinator's and the nodes' regions (null: none).</param>
/// <param name="RoundInterval">Paced: time between two data updates of a node (null: the engine's default).</param>
internal sealed record NetworkSettings(
    Pacing Pacing = Pacing.Lockstep,
    TimeSpan? LazySyncLatency = null,
    TimeSpan? FullSyncLatency = null,
    TimeSpan? WanLatency = null,
    TimeSpan? RoundInterval = null)
{
    /// <summary>
    /// The network settings of <paramref name="run"/>; each setting at the run definition's default is null ("not set"),
    /// as config.json records it.
    /// </summary>
    public static NetworkSettings Of(RunDefinition run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var defaults = RunDefinition.Defaults;
        return new NetworkSettings(
            run.Pacing,
            run.LazySyncLatency == defaults.LazySyncLatency ? null : run.LazySyncLatency,
            run.FullSyncLatency == defaults.FullSyncLatency ? null : run.FullSyncLatency,
            run.WanLatency == defaults.WanLatency ? null : run.WanLatency,
            run.RoundInterval == defaults.RoundInterval ? null : run.RoundInterval);
    }

    /// <summary>True when everything is the default (what the in-process simulation does).</summary>
    public bool IsDefault => Pacing == Pacing.Lockstep && LazySyncLatency is null && FullSyncLatency is null && WanLatency is null && RoundInterval is null;
}

/// <summary>One experiment: one workload, one error bound, its data, how to run it.</summary>
internal sealed record ExperimentSpec
{
    /// <summary>The node type as typed (e.g. quadratic).</summary>
    public required string NodeType { get; init; }

    /// <summary>f with its domain and range.</summary>
    public required MonitoredFunction Function { get; init; }

    /// <summary>f's catalog name and parameters, for engines that rebuild it elsewhere (e.g. in every grain).</summary>
    public required FunctionSpec Recipe { get; init; }

    /// <summary>How rows become local vectors.</summary>
    public required StreamKind StreamKind { get; init; }

    /// <summary>The rows (a tuning prefix when <see cref="DataSet.TuningRowCount"/> &gt; 0, then the monitored rows).</summary>
    public required DataSet Data { get; init; }

    /// <summary>Sliding-window size W.</summary>
    public required int WindowSize { get; init; }

    /// <summary>Monitored data points per node (dnn: rows in total).</summary>
    public required int Iterations { get; init; }

    /// <summary>Neighbourhood-tuning data points per node in <see cref="Data"/> (0: none).</summary>
    public int TuningIterations { get; init; }

    /// <summary>Additive error bound ε.</summary>
    public required double ErrorBound { get; init; }

    /// <summary>ADCD-X neighbourhood size (null: none, or tuned).</summary>
    public double? NeighborhoodSize { get; init; }

    /// <summary>Close a round after every data point.</summary>
    public bool SingleSampleRounds { get; init; }

    /// <summary>Slack type.</summary>
    public SlackType Slack { get; init; } = SlackType.Drift;

    /// <summary>Sync type.</summary>
    public SyncType Sync { get; init; } = SyncType.LazyLRU;

    /// <summary>AutoMon or centralisation.</summary>
    public ExperimentMode Mode { get; init; } = ExperimentMode.AutoMon;

    /// <summary>Network settings (cluster engines).</summary>
    public NetworkSettings Network { get; init; } = new();

    /// <summary>Seed of generated data and parameters.</summary>
    public int Seed { get; init; }

    /// <summary>The adaptive fallback (simulation engine only).</summary>
    public bool Adaptive { get; init; }

    /// <summary>AutoMon or a competitor (simulation engine only).</summary>
    public MonitoringProtocol Protocol { get; init; }

    /// <summary>Where the data came from, for config.json (a path, or "generated (seed s)").</summary>
    public required string DataSource { get; init; }

    /// <summary>The protocol settings of the in-process simulation (and of engines that replay its semantics).</summary>
    public SimulationOptions ToSimulationOptions() => new()
    {
        Function = Function,
        StreamKind = StreamKind,
        WindowSize = WindowSize,
        ErrorBound = ErrorBound,
        SlackType = Slack,
        SyncType = Sync,
        NeighborhoodSize = NeighborhoodSize,
        SingleSampleRounds = SingleSampleRounds,
        Adaptive = Adaptive,
        Protocol = Protocol,
    };
}
