using System.Collections.Immutable;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// The coordinator grain's statistics and state, flattened for the wire; <see cref="ToStatistics"/> rebuilds the protocol's
/// <see cref="CoordinatorStatistics"/> on the caller's side so results take the simulation's shape.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.CoordinatorReport")]
public sealed record CoordinatorReport
{
    /// <summary>The silo hosting the coordinator activation.</summary>
    [Id(0)]
    public required string Silo { get; init; }

    /// <summary>The coordinator's state.</summary>
    [Id(1)]
    public CoordinatorState State { get; init; }

    /// <summary>True while a violation is being resolved (paced) or messages are in flight.</summary>
    [Id(2)]
    public bool Busy { get; init; }

    /// <summary>f(x0).</summary>
    [Id(3)]
    public double Estimate { get; init; }

    /// <summary>L.</summary>
    [Id(4)]
    public double LowerThreshold { get; init; }

    /// <summary>U.</summary>
    [Id(5)]
    public double UpperThreshold { get; init; }

    /// <summary>ADCD-E was used.</summary>
    [Id(6)]
    public bool IsHessianConstant { get; init; }

    /// <summary>Neighbourhood size in force (−1: none).</summary>
    [Id(7)]
    public double NeighborhoodSize { get; init; }

    /// <summary>The counters and extra counts, in <see cref="CounterOrder"/>.</summary>
    [Id(8)]
    public ImmutableArray<long> Counters { get; init; } = [];

    /// <summary>Per round: round, f(x̄), f(x0), error, L, U (6 values a round).</summary>
    [Id(9)]
    public ImmutableArray<double> Rounds { get; init; } = [];

    /// <summary>Iteration of every full sync.</summary>
    [Id(10)]
    public ImmutableArray<int> FullSyncIterations { get; init; } = [];

    /// <summary>x0 of every full sync (d values each).</summary>
    [Id(11)]
    public ImmutableArray<double> FullSyncReferencePoints { get; init; } = [];

    /// <summary>Full-sync durations (ms).</summary>
    [Id(12)]
    public ImmutableArray<double> FullSyncMilliseconds { get; init; } = [];

    /// <summary>ADCD-X search durations (ms).</summary>
    [Id(13)]
    public ImmutableArray<double> AdcdXMilliseconds { get; init; } = [];

    /// <summary>Neighbourhood tuning trials (size, total, safe-zone, domain violations; 4 values each), if tuning ran.</summary>
    [Id(14)]
    public ImmutableArray<double> TuningTrials { get; init; } = [];

    /// <summary>The size tuning chose (NaN: no tuning).</summary>
    [Id(15)]
    public double TunedNeighborhoodSize { get; init; } = double.NaN;

    /// <summary>Orleans wire bytes of the protocol messages.</summary>
    [Id(16)]
    public WireTraffic Wire { get; init; } = new();

    /// <summary>Rows of the round values.</summary>
    public const int RoundWidth = 6;

    private enum CounterOrder
    {
        TrueViolations, FalseGlobalViolations, FalseLocalViolations, SyncBroadcastMessages, SyncMessages,
        GetLocalVectorBroadcastMessages, GetLocalVectorMessages, MissedViolations, RoundsWithViolation, TotalViolationMessages,
        NodeReturnLocalVectorMessages, SafeZoneViolations, DomainViolations, FaultySafeZoneViolations, StaleMessages,
        RoundsWithFullSync, LazySyncs, EagerSyncFallbacks, BytesSent, BytesReceived, Count,
    }

    /// <summary>The tuning outcome, if tuning ran.</summary>
    public NeighborhoodTuningResult? Tuning
    {
        get
        {
            if (double.IsNaN(TunedNeighborhoodSize))
            {
                return null;
            }

            var trials = new List<NeighborhoodTrial>();
            for (var k = 0; k + 3 < TuningTrials.Length; k += 4)
            {
                trials.Add(new NeighborhoodTrial(TuningTrials[k], (long)TuningTrials[k + 1], (long)TuningTrials[k + 2], (long)TuningTrials[k + 3]));
            }

            return new NeighborhoodTuningResult(trials, TunedNeighborhoodSize);
        }
    }

    /// <summary>Snapshots <paramref name="coordinator"/>.</summary>
    internal static CoordinatorReport From(Coordinator coordinator, string silo, bool busy, NeighborhoodTuningResult? tuning, WireTraffic wire)
    {
        var s = coordinator.Statistics;
        var counters = new long[(int)CounterOrder.Count];
        counters[(int)CounterOrder.TrueViolations] = s.TrueViolations;
        counters[(int)CounterOrder.FalseGlobalViolations] = s.FalseGlobalViolations;
        counters[(int)CounterOrder.FalseLocalViolations] = s.FalseLocalViolations;
        counters[(int)CounterOrder.SyncBroadcastMessages] = s.SyncBroadcastMessages;
        counters[(int)CounterOrder.SyncMessages] = s.SyncMessages;
        counters[(int)CounterOrder.GetLocalVectorBroadcastMessages] = s.GetLocalVectorBroadcastMessages;
        counters[(int)CounterOrder.GetLocalVectorMessages] = s.GetLocalVectorMessages;
        counters[(int)CounterOrder.MissedViolations] = s.MissedViolations;
        counters[(int)CounterOrder.RoundsWithViolation] = s.RoundsWithViolation;
        counters[(int)CounterOrder.TotalViolationMessages] = s.TotalViolationMessages;
        counters[(int)CounterOrder.NodeReturnLocalVectorMessages] = s.NodeReturnLocalVectorMessages;
        counters[(int)CounterOrder.SafeZoneViolations] = s.SafeZoneViolations;
        counters[(int)CounterOrder.DomainViolations] = s.DomainViolations;
        counters[(int)CounterOrder.FaultySafeZoneViolations] = s.FaultySafeZoneViolations;
        counters[(int)CounterOrder.StaleMessages] = s.StaleMessages;
        counters[(int)CounterOrder.RoundsWithFullSync] = s.RoundsWithFullSync;
        counters[(int)CounterOrder.LazySyncs] = s.LazySyncs;
        counters[(int)CounterOrder.EagerSyncFallbacks] = s.EagerSyncFallbacks;
        counters[(int)CounterOrder.BytesSent] = s.BytesSent;
        counters[(int)CounterOrder.BytesReceived] = s.BytesReceived;

        var rounds = new double[s.Rounds.Count * RoundWidth];
        for (var r = 0; r < s.Rounds.Count; r++)
        {
            var v = s.Rounds[r];
            rounds.AsSpan(r * RoundWidth, RoundWidth).SetValues(v.Round, v.TrueValue, v.Estimate, v.Error, v.LowerThreshold, v.UpperThreshold);
        }

        var trials = tuning is null ? [] : tuning.Trials.SelectMany(t => new[] { t.NeighborhoodSize, t.TotalViolations, t.SafeZoneViolations, t.DomainViolations }).ToArray();
        return new CoordinatorReport
        {
            Silo = silo,
            State = coordinator.State,
            Busy = busy,
            Estimate = coordinator.Estimate,
            LowerThreshold = coordinator.LowerThreshold,
            UpperThreshold = coordinator.UpperThreshold,
            IsHessianConstant = coordinator.IsHessianConstant,
            NeighborhoodSize = coordinator.NeighborhoodSize,
            Counters = [.. counters],
            Rounds = [.. rounds],
            FullSyncIterations = [.. s.FullSyncs.Select(f => f.Iteration)],
            FullSyncReferencePoints = [.. s.FullSyncs.SelectMany(f => f.ReferencePoint)],
            FullSyncMilliseconds = [.. s.FullSyncMilliseconds],
            AdcdXMilliseconds = [.. s.AdcdXMilliseconds],
            TuningTrials = [.. trials],
            TunedNeighborhoodSize = tuning?.ChosenSize ?? double.NaN,
            Wire = wire,
        };
    }

    /// <summary>
    /// Rebuilds the protocol statistics; <paramref name="extraRounds"/> (paced checkpoints) are appended to the round values.
    /// </summary>
    public CoordinatorStatistics ToStatistics(IEnumerable<RoundValue>? extraRounds = null)
    {
        long C(CounterOrder c) => Counters[(int)c];
        var s = new CoordinatorStatistics
        {
            TrueViolations = C(CounterOrder.TrueViolations),
            FalseGlobalViolations = C(CounterOrder.FalseGlobalViolations),
            FalseLocalViolations = C(CounterOrder.FalseLocalViolations),
            SyncBroadcastMessages = C(CounterOrder.SyncBroadcastMessages),
            SyncMessages = C(CounterOrder.SyncMessages),
            GetLocalVectorBroadcastMessages = C(CounterOrder.GetLocalVectorBroadcastMessages),
            GetLocalVectorMessages = C(CounterOrder.GetLocalVectorMessages),
            MissedViolations = C(CounterOrder.MissedViolations),
            RoundsWithViolation = C(CounterOrder.RoundsWithViolation),
            TotalViolationMessages = C(CounterOrder.TotalViolationMessages),
            NodeReturnLocalVectorMessages = C(CounterOrder.NodeReturnLocalVectorMessages),
            SafeZoneViolations = C(CounterOrder.SafeZoneViolations),
            DomainViolations = C(CounterOrder.DomainViolations),
            FaultySafeZoneViolations = C(CounterOrder.FaultySafeZoneViolations),
            StaleMessages = C(CounterOrder.StaleMessages),
            RoundsWithFullSync = C(CounterOrder.RoundsWithFullSync),
            LazySyncs = C(CounterOrder.LazySyncs),
            EagerSyncFallbacks = C(CounterOrder.EagerSyncFallbacks),
            BytesSent = C(CounterOrder.BytesSent),
            BytesReceived = C(CounterOrder.BytesReceived),
        };
        for (var k = 0; k + RoundWidth <= Rounds.Length; k += RoundWidth)
        {
            s.AddRound(new RoundValue((int)Rounds[k], Rounds[k + 1], Rounds[k + 2], Rounds[k + 3], Rounds[k + 4], Rounds[k + 5]));
        }

        foreach (var round in extraRounds ?? [])
        {
            s.AddRound(round);
        }

        var d = FullSyncIterations.Length == 0 ? 0 : FullSyncReferencePoints.Length / FullSyncIterations.Length;
        for (var k = 0; k < FullSyncIterations.Length; k++)
        {
            s.AddFullSync(new FullSyncRecord(FullSyncIterations[k], [.. FullSyncReferencePoints.AsSpan(k * d, d)]), FullSyncMilliseconds[k]);
        }

        foreach (var ms in AdcdXMilliseconds)
        {
            s.AddAdcdX(ms);
        }

        return s;
    }
}

internal static class SpanValues
{
    public static void SetValues(this Span<double> span, params ReadOnlySpan<double> values) => values.CopyTo(span);
}
