using System.Collections.ObjectModel;

namespace AutoMon.Protocol;

/// <summary>One round's estimate (reference <c>update_sync_statistics</c>): f(x̄), f(x0), |f(x̄) − f(x0)| and the thresholds.</summary>
/// <param name="Round">Round index (0 = the first round after every window is full).</param>
/// <param name="TrueValue">f(x̄) of the global vector at the end of the round.</param>
/// <param name="Estimate">f(x0), the coordinator's estimate.</param>
/// <param name="Error">|f(x̄) − f(x0)|.</param>
/// <param name="LowerThreshold">L at the end of the round.</param>
/// <param name="UpperThreshold">U at the end of the round.</param>
public readonly record struct RoundValue(int Round, double TrueValue, double Estimate, double Error, double LowerThreshold, double UpperThreshold);

/// <summary>A full sync: the iteration it happened in and the new reference point x0.</summary>
public sealed record FullSyncRecord(int Iteration, IReadOnlyList<double> ReferencePoint);

/// <summary>
/// The coordinator's statistics (reference <c>common_coordinator.Statistics</c>): the 13 message counters in the reference's
/// order, bytes, per-round values, full-sync and ADCD-X times.
/// </summary>
public sealed class CoordinatorStatistics
{
    /// <summary>The names of <see cref="Counters"/>, in order (the summary.json names).</summary>
    public static IReadOnlyList<string> CounterNames { get; } = new ReadOnlyCollection<string>(
    [
        "true_violations", "false_global_violations", "false_local_violations", "sync_broadcast_msgs", "sync_msgs",
        "get_local_vector_broadcast_msgs", "get_local_vector_msgs", "missed_violations", "rounds_with_violation",
        "total_violation_msgs", "node_return_local_vector_msgs", "total_msgs_broadcast_enabled", "total_msgs_broadcast_disabled",
    ]);

    private readonly List<RoundValue> _rounds = [];
    private readonly List<FullSyncRecord> _fullSyncs = [];
    private readonly List<double> _fullSyncMilliseconds = [];
    private readonly List<double> _adcdXMilliseconds = [];

    /// <summary>Violations while f(x̄) was outside [L, U] (simulation only).</summary>
    public long TrueViolations { get; internal set; }

    /// <summary>Violations while x̄ was outside the safe zone but f(x̄) inside [L, U] (simulation only).</summary>
    public long FalseGlobalViolations { get; internal set; }

    /// <summary>Violations while x̄ was inside the safe zone (simulation only).</summary>
    public long FalseLocalViolations { get; internal set; }

    /// <summary>Syncs (full or lazy), counting one broadcast per sync.</summary>
    public long SyncBroadcastMessages { get; internal set; }

    /// <summary>Sync and LazySync messages, one per node synced.</summary>
    public long SyncMessages { get; internal set; }

    /// <summary>GetLocalVector requests, counting one broadcast per request group.</summary>
    public long GetLocalVectorBroadcastMessages { get; internal set; }

    /// <summary>GetLocalVector messages, one per node asked.</summary>
    public long GetLocalVectorMessages { get; internal set; }

    /// <summary>Rounds that ended with f(x̄) outside [L, U] and no node reporting (simulation only).</summary>
    public long MissedViolations { get; internal set; }

    /// <summary>Rounds with at least one (current-version) violation.</summary>
    public long RoundsWithViolation { get; internal set; }

    /// <summary>Violation messages received (stale ones included); cleared by the first full sync.</summary>
    public long TotalViolationMessages { get; internal set; }

    /// <summary>LocalVectorInfo replies received.</summary>
    public long NodeReturnLocalVectorMessages { get; internal set; }

    /// <summary>Messages counted with broadcast: violations + sync broadcasts + request broadcasts + replies.</summary>
    public long TotalMessagesBroadcastEnabled =>
        TotalViolationMessages + SyncBroadcastMessages + GetLocalVectorBroadcastMessages + NodeReturnLocalVectorMessages
        + CentralizationSwitchMessages + CentralizedReports;

    /// <summary>Messages counted without broadcast: violations + sync messages + requests + replies.</summary>
    public long TotalMessagesBroadcastDisabled =>
        TotalViolationMessages + SyncMessages + GetLocalVectorMessages + NodeReturnLocalVectorMessages
        + CentralizationSwitchMessages + CentralizedReports;

    /// <summary>Violations with origin SafeZone (cleared by the first full sync).</summary>
    public long SafeZoneViolations { get; internal set; }

    /// <summary>Violations with origin Domain (cleared by the first full sync).</summary>
    public long DomainViolations { get; internal set; }

    /// <summary>Violations with origin FaultySafeZone.</summary>
    public long FaultySafeZoneViolations { get; internal set; }

    /// <summary>Messages ignored because they carried an old constraint version.</summary>
    public long StaleMessages { get; internal set; }

    /// <summary>Local-vector replies of the current version that nobody waited for (duplicates); ignored.</summary>
    public long UnaskedReplies { get; internal set; }

    /// <summary>Rounds in which a full sync completed (the reference's cumulative fallback-to-eager count).</summary>
    public long RoundsWithFullSync { get; internal set; }

    /// <summary>Lazy syncs completed.</summary>
    public long LazySyncs { get; internal set; }

    /// <summary>Lazy syncs that gave up and fell back to a full sync.</summary>
    public long EagerSyncFallbacks { get; internal set; }

    /// <summary>True for a run with the adaptive fallback (<see cref="CoordinatorOptions.Adaptive"/>).</summary>
    public bool Adaptive { get; internal init; }

    /// <summary>Adaptive runs: switch messages sent (n at the switch to centralisation, else 0).</summary>
    public long CentralizationSwitchMessages { get; internal set; }

    /// <summary>Adaptive runs: local vectors reported after the switch to centralisation (one per update).</summary>
    public long CentralizedReports { get; internal set; }

    /// <summary>Adaptive runs: the round in which the run switched to centralisation (null: it never did).</summary>
    public int? CentralizationSwitchRound { get; internal set; }

    /// <summary>Bytes the coordinator sent (reference wire layout).</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Bytes the coordinator received (reference wire layout).</summary>
    public long BytesReceived { get; internal set; }

    /// <summary>Per-round values (simulation).</summary>
    public IReadOnlyList<RoundValue> Rounds => _rounds;

    /// <summary>Every full sync with its new x0 (the reference's <c>full_sync_history</c>).</summary>
    public IReadOnlyList<FullSyncRecord> FullSyncs => _fullSyncs;

    /// <summary>Duration of each full sync at the coordinator, in milliseconds.</summary>
    public IReadOnlyList<double> FullSyncMilliseconds => _fullSyncMilliseconds;

    /// <summary>Duration of each ADCD-X extreme-eigenvalue search, in milliseconds.</summary>
    public IReadOnlyList<double> AdcdXMilliseconds => _adcdXMilliseconds;

    /// <summary>The 13 counters in the reference's order (see <see cref="CounterNames"/>).</summary>
    public IReadOnlyList<long> Counters =>
    [
        TrueViolations, FalseGlobalViolations, FalseLocalViolations, SyncBroadcastMessages, SyncMessages,
        GetLocalVectorBroadcastMessages, GetLocalVectorMessages, MissedViolations, RoundsWithViolation,
        TotalViolationMessages, NodeReturnLocalVectorMessages, TotalMessagesBroadcastEnabled, TotalMessagesBroadcastDisabled,
    ];

    internal void AddRound(RoundValue value) => _rounds.Add(value);

    internal void AddFullSync(FullSyncRecord record, double milliseconds)
    {
        _fullSyncs.Add(record);
        _fullSyncMilliseconds.Add(milliseconds);
    }

    internal void AddAdcdX(double milliseconds) => _adcdXMilliseconds.Add(milliseconds);
}
