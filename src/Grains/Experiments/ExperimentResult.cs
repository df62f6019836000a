using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// What an experiment on the grains produced: the simulation's result shape (<see cref="Summary"/>: counters, rounds, sync
/// history, bytes, baselines) plus what only a distributed run has — where the grains ran and the bytes Orleans sent.
/// </summary>
public sealed class ExperimentResult
{
    internal ExperimentResult(string experimentId, Pacing pacing, SimulationResult summary, CoordinatorReport coordinator, IReadOnlyList<NodeStatus> nodes)
    {
        ExperimentId = experimentId;
        Pacing = pacing;
        Summary = summary;
        Coordinator = coordinator;
        Nodes = nodes;
    }

    /// <summary>The experiment id.</summary>
    public string ExperimentId { get; }

    /// <summary>Lockstep or paced.</summary>
    public Pacing Pacing { get; }

    /// <summary>
    /// Counters, per-round values, sync history, reference-layout bytes, baselines, timing. Paced runs' rounds are every
    /// data round's error as the paper computes it (<see cref="PacedRounds"/>).
    /// </summary>
    public SimulationResult Summary { get; }

    /// <summary>Paced: the settled checkpoints and every node's sync history (null for lockstep runs).</summary>
    public PacedRecord? Paced { get; init; }

    /// <summary>The coordinator's final report (its silo, state, estimate).</summary>
    public CoordinatorReport Coordinator { get; }

    /// <summary>Every node's final status (silo, counters).</summary>
    public IReadOnlyList<NodeStatus> Nodes { get; }

    /// <summary>The protocol's statistics.</summary>
    public CoordinatorStatistics Statistics => Summary.Statistics;

    /// <summary>Bytes of the protocol messages in the reference's wire layout (what the simulation and the paper count).</summary>
    public long ProtocolBytes => Statistics.BytesSent + Statistics.BytesReceived;

    /// <summary>Bytes Orleans sends for the same messages (its headers, its serialization, the responses of awaited calls).</summary>
    public WireTraffic Wire => Coordinator.Wire;

    /// <summary>Orleans bytes per protocol byte.</summary>
    public double WireToProtocolRatio => ProtocolBytes == 0 ? double.NaN : (double)Wire.TotalBytes / ProtocolBytes;

    /// <summary>Node grains per silo.</summary>
    public IReadOnlyDictionary<string, int> NodesPerSilo =>
        Nodes.GroupBy(n => n.Silo).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}

/// <summary>What a paced run records besides its per-round errors.</summary>
/// <param name="Checkpoints">f(x̄) of the nodes' vectors against the estimate at the pauses where no violation was in flight.</param>
/// <param name="NodeSyncHistories">Per node, the syncs and lazy syncs it applied and where it was in its data.</param>
/// <param name="FillRows">Rows that filled the windows (a node at a row before this was in round 0).</param>
/// <param name="PointsPerRound">Data points a round takes: n, or 1 with single-sample rounds.</param>
public sealed record PacedRecord(
    IReadOnlyList<RoundValue> Checkpoints, IReadOnlyList<IReadOnlyList<NodeSyncRecord>> NodeSyncHistories, int FillRows, int PointsPerRound)
{
    /// <summary>Restarts after silos died under the run (empty when none did).</summary>
    public IReadOnlyList<PacedRestart> Restarts { get; init; } = [];

    /// <summary>The round at which node history entry <paramref name="record"/> was applied.</summary>
    public int RoundOf(NodeSyncRecord record) => PacedRounds.RoundOf((record ?? throw new ArgumentNullException(nameof(record))).Sequence, FillRows, PointsPerRound);
}
