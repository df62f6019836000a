using AutoMon.Grains.Results;
using AutoMon.Launcher.Cluster;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

using PacedRecord = AutoMon.Grains.Experiments.PacedRecord;

namespace AutoMon.Launcher.Experiments;

/// <summary>Runs one experiment (one workload, one error bound) on some engine and returns what it measured.</summary>
internal interface IExperimentRunner
{
    /// <summary>The engine's name in config.json and on the command line (<c>--engine</c>).</summary>
    string Engine { get; }

    /// <summary>The engine and where it runs, for the run's heading.</summary>
    string Description => Engine;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option when the spec asks for something this engine cannot do.</summary>
    void Validate(ExperimentSpec spec);

    /// <summary>Runs <paramref name="spec"/>; reports progress as it goes (if the engine can tell).</summary>
    Task<ExperimentResult> RunAsync(ExperimentSpec spec, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>How far a run is: <paramref name="Done"/> of <paramref name="Total"/> units (rounds, or 0 of 1 when unknown).</summary>
internal readonly record struct ExperimentProgress(long Done, long Total, string Stage);

/// <summary>What the engine's transport carried for the protocol's messages (its framing and serialization), when it has one.</summary>
/// <param name="Messages">Transport messages (requests, one-way calls and responses).</param>
/// <param name="Total">Their bytes: headers and serialized bodies.</param>
internal sealed record WireTraffic(long Messages, long Total);

/// <summary>The centralisation baseline run on its own: every update's local vector sent, f(x̄) known exactly.</summary>
/// <param name="Rounds">Per round: the true value (= the estimate; error 0).</param>
/// <param name="Messages">Messages sent: one per data update, R·n (the centralisation baseline in AutoMon's summaries counts
/// (R + 1)·n, as the reference's figures do).</param>
/// <param name="PayloadBytes">Bytes in the reference layout (12-byte header + d doubles per message).</param>
/// <param name="NodeCount">n.</param>
/// <param name="Dimension">d.</param>
/// <param name="WallSeconds">Wall time of the data loop.</param>
internal sealed record CentralizationResult(IReadOnlyList<RoundValue> Rounds, long Messages, long PayloadBytes, int NodeCount, int Dimension, double WallSeconds);

/// <summary>What one experiment produced: AutoMon's run (<see cref="Monitoring"/>) or the centralisation run.</summary>
internal sealed class ExperimentResult
{
    private ExperimentResult(string engine, SimulationResult? monitoring, CentralizationResult? centralization, WireTraffic? wire, GrainPlacement? placement = null)
    {
        Placement = placement;
        Engine = engine;
        Monitoring = monitoring;
        Centralization = centralization;
        Wire = wire;
    }

    /// <summary>An AutoMon run.</summary>
    public static ExperimentResult ForAutoMon(string engine, SimulationResult result, WireTraffic? wire = null, GrainPlacement? placement = null,
        PacedRecord? paced = null, IReadOnlyList<SiloFault>? faults = null) =>
        new(engine, result ?? throw new ArgumentNullException(nameof(result)), null, wire, placement) { Paced = paced, Faults = faults ?? [] };

    /// <summary>Paced grains: the settled checkpoints and the nodes' sync histories (null otherwise).</summary>
    public PacedRecord? Paced { get; private init; }

    /// <summary>Silos lost under the run and recovered from (empty when none was lost).</summary>
    public IReadOnlyList<SiloFault> Faults { get; private init; } = [];

    /// <summary>A centralisation run.</summary>
    public static ExperimentResult ForCentralization(string engine, CentralizationResult result, WireTraffic? wire = null) =>
        new(engine, null, result ?? throw new ArgumentNullException(nameof(result)), wire);

    /// <summary>The engine that ran it.</summary>
    public string Engine { get; }

    /// <summary>AutoMon's run, with the coordinator's statistics and both baselines on the same data.</summary>
    public SimulationResult? Monitoring { get; }

    /// <summary>The centralisation run.</summary>
    public CentralizationResult? Centralization { get; }

    /// <summary>Network bytes, when the engine measured them.</summary>
    public WireTraffic? Wire { get; }

    /// <summary>Where the grains ran, when the engine has grains.</summary>
    public GrainPlacement? Placement { get; }

    /// <summary>Per-round true value, estimate and error.</summary>
    public IReadOnlyList<RoundValue> Rounds => Monitoring?.Statistics.Rounds ?? Centralization!.Rounds;

    /// <summary>Messages sent (AutoMon: broadcast counted per recipient, the reference's total).</summary>
    public long Messages => Monitoring?.Statistics.TotalMessagesBroadcastDisabled ?? Centralization!.Messages;

    /// <summary>Bytes in the reference's layout, both directions.</summary>
    public long PayloadBytes => Monitoring is { } m ? m.Statistics.BytesSent + m.Statistics.BytesReceived : Centralization!.PayloadBytes;

    /// <summary>Largest |f(x̄) − estimate| over rounds 1...</summary>
    public double MaxError => Monitoring?.MaxError ?? 0;

    /// <summary>n.</summary>
    public int NodeCount => Monitoring?.NodeCount ?? Centralization!.NodeCount;

    /// <summary>d.</summary>
    public int Dimension => Monitoring?.Dimension ?? Centralization!.Dimension;

    /// <summary>Wall time of the data loop in seconds.</summary>
    public double WallSeconds => Monitoring?.WallSeconds ?? Centralization!.WallSeconds;
}
