using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol.Data;

namespace AutoMon.Protocol.Simulation;

/// <summary>An in-process simulation of n nodes and a coordinator (reference <c>test_utils.run_test</c>).</summary>
public sealed record SimulationOptions
{
    /// <summary>The monitored function with its domain and known range.</summary>
    public required MonitoredFunction Function { get; init; }

    /// <summary>How rows become local vectors.</summary>
    public required StreamKind StreamKind { get; init; }

    /// <summary>Sliding-window size W.</summary>
    public required int WindowSize { get; init; }

    /// <summary>Additive error bound ε.</summary>
    public required double ErrorBound { get; init; }

    /// <summary>Slack type.</summary>
    public SlackType SlackType { get; init; } = SlackType.Drift;

    /// <summary>Sync type.</summary>
    public SyncType SyncType { get; init; } = SyncType.LazyLRU;

    /// <summary>Initial neighbourhood size for ADCD-X (null: none).</summary>
    public double? NeighborhoodSize { get; init; }

    /// <summary>Close a round after every data point instead of after n points (the reference's DNN experiment).</summary>
    public bool SingleSampleRounds { get; init; }

    /// <summary>S_max as a fraction of n.</summary>
    public double LazySyncMaxFraction { get; init; } = 0.5;

    /// <summary>Seed of the numpy-compatible generator (the reference seeds 1 before each run).</summary>
    public uint RandomSeed { get; init; } = 1;

    /// <summary>ADCD-X search options (null: the reference's).</summary>
    public ExtremeEigenvalueOptions? ExtremeEigenvalueOptions { get; init; }

    /// <summary>Period T (rounds) of the periodic baseline; null takes the reference's equivalent of AutoMon's message count.</summary>
    public int? PeriodicBaselinePeriod { get; init; }

    /// <summary>The adaptive fallback (<see cref="Protocol.CoordinatorOptions.Adaptive"/>): never costlier than centralisation.</summary>
    public bool Adaptive { get; init; }

    /// <summary>AutoMon or a competitor (<see cref="MonitoringProtocol"/>); competitors tune no neighbourhood.</summary>
    public MonitoringProtocol Protocol { get; init; }

    internal CoordinatorOptions CoordinatorOptions(int nodeCount) => new()
    {
        NodeCount = nodeCount,
        ErrorBound = ErrorBound,
        SlackType = SlackType,
        SyncType = SyncType,
        LazySyncMaxFraction = LazySyncMaxFraction,
        NeighborhoodSize = NeighborhoodSize,
        ExtremeEigenvalueOptions = ExtremeEigenvalueOptions,
        IterationClock = IterationClock.Rounds,
        Adaptive = Adaptive,
        NodesDeriveSyncSlack = Adaptive, // the adaptive fallback's setup is mostly the first sync: keep it small
        Protocol = Protocol,
        UpdatesPerRound = SingleSampleRounds ? 1 : null,
    };
}
