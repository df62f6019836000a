using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol.Competitors;

namespace AutoMon.Protocol;

/// <summary>
/// One AutoMon node (reference <c>common_node.py</c> + <c>automon_node.py</c>). Transport-agnostic: <see cref="UpdateData"/>
/// takes the node's new local vector and returns a <see cref="Violation"/> to send (or null); <see cref="Handle"/> takes a
/// coordinator message and returns the reply to send (or null). Not thread-safe: a host calls it from one thread at a time.
/// </summary>
/// <remarks>
/// The check of a data update allocates nothing when it passes: x is copied into a preallocated buffer and
/// <see cref="SafeZone.Check(ReadOnlySpan{double}, ReadOnlySpan{double})"/> forms x − slack in its own and checks it.
/// Only a violation allocates (its message).
/// </remarks>
public sealed partial class Node
{
    private readonly MonitoredFunction _function;
    private readonly BoxDomain? _domain;
    private readonly double[] _x;
    private readonly double[] _sent; // the local vector last sent to the coordinator (a violation or a reply)
    private readonly double[] _slack;
    private SafeZone _safeZone;
    private readonly bool _shareWorkspace;
    private readonly CompetitorConstraint? _competitor; // a competitor's constraint in place of the safe zone

    /// <summary>Creates node <paramref name="index"/> monitoring <paramref name="function"/> (its domain and range included).</summary>
    public Node(int index, MonitoredFunction function)
        : this(index, function, checkpoints: false)
    {
    }

    /// <summary>
    /// As <see cref="Node(int, MonitoredFunction)"/>; with <paramref name="checkpoints"/> the node keeps the syncs its safe
    /// zone was built from, for <see cref="Checkpoint"/> (a host that stores its nodes' state; the ADCD-E matrix then stays
    /// referenced once more, so hosts that never checkpoint leave it off). With <paramref name="shareWorkspace"/> its safe
    /// zone evaluates f with the function's evaluator of the calling thread and checks in the thread's buffers: a host of
    /// thousands of nodes (a silo's node grains) saves about 3 KB a node at d = 40, and each check pays two thread-static
    /// reads (the simulation's ten nodes keep their own).
    /// </summary>
    public Node(int index, MonitoredFunction function, bool checkpoints, bool shareWorkspace = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Index = index;
        _function = function;
        Dimension = function.Dimension;
        _domain = function.DomainBox();
        _x = new double[Dimension];
        _sent = new double[Dimension];
        _slack = new double[Dimension];
        _shareWorkspace = shareWorkspace;
        _safeZone = new SafeZone(function.Function, function.MinValue, function.MaxValue, shareWorkspace);
        Statistics = new NodeStatistics();
        _checkpoints = checkpoints;
    }

    /// <summary>
    /// A node of <paramref name="protocol"/>: AutoMon's, or a competitor's that checks its own local constraint
    /// (<see cref="CompetitorConstraint"/>) with the same messages, states and counters.
    /// </summary>
    /// <exception cref="ArgumentException">The protocol does not support the function.</exception>
    public Node(int index, MonitoredFunction function, MonitoringProtocol protocol)
        : this(index, function, checkpoints: false)
    {
        Protocol = protocol;
        _competitor = protocol == MonitoringProtocol.AutoMon ? null : CompetitorConstraint.Create(protocol, function);
    }

    /// <summary>The protocol whose local constraint this node checks.</summary>
    public MonitoringProtocol Protocol { get; }

    /// <summary>
    /// Adaptive runs: a first Sync without a DC argument means a constant Hessian whose ADCD-E matrix the coordinator does
    /// not ship (<see cref="CoordinatorOptions.Adaptive"/>); the node derives it as the coordinator did, from f alone.
    /// </summary>
    public bool DerivesConstantHessian { get; init; }

    /// <summary>The node's index (the header's node index in its messages).</summary>
    public int Index { get; }

    /// <summary>d.</summary>
    public int Dimension { get; }

    /// <summary>Protocol state.</summary>
    public NodeState State { get; private set; }

    /// <summary>Version of the constraints the node holds (0 before the first sync).</summary>
    public int ConstraintVersion { get; private set; }

    /// <summary>True until the first Sync: every data update is then a violation, which is how the first sync starts.</summary>
    public bool IsBeforeFirstSync => !(_competitor?.IsSynced ?? _safeZone.IsSynced);

    /// <summary>The current local vector x.</summary>
    public ReadOnlySpan<double> LocalVector => _x;

    /// <summary>The current slack s (x − s is what is checked).</summary>
    public ReadOnlySpan<double> Slack => _slack;

    /// <summary>The safe zone of the last sync (reference point, thresholds, neighbourhood box).</summary>
    public SafeZone SafeZone => _safeZone;

    /// <summary>Origin of the last violation this node found.</summary>
    public ViolationOrigin? LastViolationOrigin { get; private set; }

    /// <summary>Counters and timers of this node.</summary>
    public NodeStatistics Statistics { get; }

    /// <summary>
    /// The node's local vector changed to <paramref name="localVector"/>: checks x − slack (domain / neighbourhood box, safe
    /// zone, bounds) and returns the violation to report, or null when x − slack is inside the effective safe zone.
    /// </summary>
    /// <remarks>
    /// While the node waits for a sync (<see cref="NodeState.WaitForSync"/>) a further violation is not reported again: the
    /// coordinator is already resolving this node's violation, and the next update after the sync is checked afresh. With the
    /// reference's round-robin rounds this never arises; the reference would send a second report and then fail on it.
    /// </remarks>
    // Fully optimised from the first update, as SafeZone.Check: tier 0 would not inline the copy, the check or the counters.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Violation? UpdateData(ReadOnlySpan<double> localVector)
    {
        if (localVector.Length != Dimension)
        {
            ThrowLength(localVector.Length);
        }

        // Every 16th check is timed: the mean stays unbiased while the clock reads stay off most updates.
        var timed = (Statistics.DataUpdates & (NodeStatistics.TimingStride - 1)) == 0;
        var start = timed ? Stopwatch.GetTimestamp() : 0;
        localVector.CopyTo(_x);
        var origin = Check();
        Statistics.RecordCheck(timed ? Stopwatch.GetTimestamp() - start : -1);

        if (origin is not { } violationOrigin)
        {
            return null;
        }

        LastViolationOrigin = violationOrigin;
        if (State == NodeState.WaitForSync)
        {
            return null;
        }

        State = NodeState.WaitForSync;
        _x.CopyTo(_sent, 0);
        var violation = new Violation(Index, ConstraintVersion, violationOrigin, ImmutableArray.Create<double>(_x));
        Statistics.RecordSent(violation.WireSize);
        return violation;
    }

    /// <summary>Applies a coordinator message; returns the reply to send to the coordinator, or null.</summary>
    /// <exception cref="ArgumentException">The message is addressed to another node or has the wrong dimension.</exception>
    public LocalVectorInfo? Handle(ICoordinatorMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.NodeIndex != Index)
        {
            throw new ArgumentException($"Node {Index} got a {message.Type} message addressed to node {message.NodeIndex}.", nameof(message));
        }

        Statistics.RecordReceived(message.WireSize);
        switch (message)
        {
            case GetLocalVector request:
                return AnswerGetLocalVector(request);
            case LazySync or Sync when message.ConstraintVersion <= ConstraintVersion && ConstraintVersion > 0:
                // Constraints the node holds already or that a newer sync replaced: a duplicate or a late delivery.
                // Versions only grow (the coordinator's sync iteration + 1), so applying it would roll the node back.
                Statistics.StaleSyncs++;
                return null;
            case LazySync lazySync:
                ApplyLazySync(lazySync);
                return null;
            case Sync sync:
                ApplySync(sync);
                return null;
            default:
                throw new ArgumentException($"Node {Index} cannot handle a {message.Type} message.", nameof(message));
        }
    }

    /// <summary>Back to the state before the first sync (reference <c>_init</c>; used between neighbourhood-tuning runs).</summary>
    public void Reset()
    {
        Array.Clear(_x);
        Array.Clear(_sent);
        Array.Clear(_slack);
        State = NodeState.Monitoring;
        ConstraintVersion = 0;
        LastViolationOrigin = null;
        _lastSync = _lastArgumentSync = null;
        _safeZone = new SafeZone(_function.Function, _function.MinValue, _function.MaxValue, _shareWorkspace);
        _competitor?.Reset();
        Statistics.Reset();
    }

    // Reference inside_effective_safe_zone: before the first sync always a (SafeZone) violation; then domain, safe zone, bounds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ViolationOrigin? Check()
    {
        if (IsBeforeFirstSync)
        {
            return ViolationOrigin.SafeZone;
        }

        var result = _competitor is null ? _safeZone.Check(_x, _slack) : _competitor.Check(_x, _slack);
        return result switch
        {
            SafeZoneResult.Inside => null,
            SafeZoneResult.Domain => ViolationOrigin.Domain,
            SafeZoneResult.SafeZone => ViolationOrigin.SafeZone,
            _ => ViolationOrigin.FaultySafeZone,
        };
    }

    private LocalVectorInfo? AnswerGetLocalVector(GetLocalVector request)
    {
        // A request for other constraints than ours is stale: ignore it. In WaitForSync the vector already went with the
        // violation report (reference common_node.parse_message).
        if (request.ConstraintVersion != ConstraintVersion || State == NodeState.WaitForSync)
        {
            Statistics.IgnoredRequests++;
            return null;
        }

        // SuspectWaitForSync, not WaitForSync: the coordinator may resolve the violation without this node.
        State = NodeState.SuspectWaitForSync;
        _x.CopyTo(_sent, 0);
        var reply = new LocalVectorInfo(Index, ConstraintVersion, ImmutableArray.Create<double>(_x));
        Statistics.RecordSent(reply.WireSize);
        return reply;
    }

    private void ApplyLazySync(LazySync message)
    {
        RequireLength(message.Slack, "slack");
        ConstraintVersion = message.ConstraintVersion;
        message.Slack.AsSpan().CopyTo(_slack);
        State = NodeState.Monitoring;
        Statistics.LazySyncs++;
    }

    private void ApplySync(Sync message)
    {
        RequireLength(message.ReferencePoint, "reference point");
        if (!message.Slack.IsDefaultOrEmpty)
        {
            RequireLength(message.Slack, "slack");
        }

        if (message.DcArgumentKind == DcArgumentKind.SignedHessian && message.DcArgument.Length != Dimension * Dimension)
        {
            throw new ArgumentException($"Node {Index} has dimension {Dimension}; the Sync's DC argument has {message.DcArgument.Length} values (1 or {Dimension * Dimension} expected).");
        }

        if (_competitor is not null)
        {
            // A competitor's sync carries only x0, the slack and the thresholds (reference common prepare_message_sync).
            _competitor.Sync(message.ReferencePoint.AsSpan(), message.LowerThreshold, message.UpperThreshold);
        }
        else
        {
            SyncSafeZone(message);
        }

        ConstraintVersion = message.ConstraintVersion;
        if (message.Slack.IsDefaultOrEmpty)
        {
            // A sync without slack (CoordinatorOptions.NodesDeriveSyncSlack): the drift slack of the vector this node sent,
            // computed as the coordinator computes it.
            var x0 = message.ReferencePoint.AsSpan();
            for (var j = 0; j < _slack.Length; j++)
            {
                _slack[j] = _sent[j] - x0[j];
            }
        }
        else
        {
            message.Slack.AsSpan().CopyTo(_slack);
        }

        State = NodeState.Monitoring;
        Statistics.FullSyncs++;
        if (_checkpoints)
        {
            _lastSync = message;
            if (message.DcArgumentKind != DcArgumentKind.None)
            {
                _lastArgumentSync = message;
            }
        }
    }

    private void SyncSafeZone(Sync message)
    {
        var x0 = message.ReferencePoint.AsSpan();
        // The node's box: [x0 − r, x0 + r] ∩ domain when a neighbourhood is used (r > 0), else the global domain.
        var box = message.NeighborhoodSize > 0 ? BoxDomain.Neighborhood(x0, message.NeighborhoodSize, _domain) : _domain;
        switch (message.DcArgumentKind)
        {
            case DcArgumentKind.ExtremeEigenvalue:
                _safeZone.Sync(x0, message.LowerThreshold, message.UpperThreshold, message.DcType, message.DcArgument[0], box);
                break;
            case DcArgumentKind.SignedHessian:
                _safeZone.SyncShared(x0, message.LowerThreshold, message.UpperThreshold, message.DcType, message.DcArgument, box);
                break;
            case DcArgumentKind.None when DerivesConstantHessian && !_safeZone.IsSynced:
                // The coordinator's decomposition at construction: ADCD-E at the origin (the Hessian is the same everywhere).
                var derived = Adcd.Exact(_function.Function, new double[Dimension]).SignedHessian;
                _safeZone.SyncShared(x0, message.LowerThreshold, message.UpperThreshold, message.DcType, ImmutableArray.Create(derived.Span), box);
                break;
            default:
                _safeZone.Sync(x0, message.LowerThreshold, message.UpperThreshold, message.DcType, box);
                break;
        }
    }

    private void RequireLength(ImmutableArray<double> values, string what)
    {
        var length = values.IsDefault ? 0 : values.Length;
        if (length != Dimension)
        {
            throw new ArgumentException($"Node {Index} has dimension {Dimension}; the message's {what} has {length} components.");
        }
    }

    [StackTraceHidden]
    private void ThrowLength(int length) =>
        throw new ArgumentException($"Node {Index} has dimension {Dimension}; the local vector has {length} components.", "localVector");
}

/// <summary>Counters and timers of one node (reference: the node's data-update timer, bytes and message counts).</summary>
public sealed class NodeStatistics
{
    /// <summary>One data-update check in this many is timed.</summary>
    public const int TimingStride = 16;

    /// <summary>Data updates checked.</summary>
    public long DataUpdates { get; private set; }

    /// <summary>Checks that were timed (the first and every <see cref="TimingStride"/>-th).</summary>
    public long TimedChecks { get; private set; }

    /// <summary>Total <see cref="Stopwatch"/> ticks spent in the timed checks.</summary>
    public long CheckTicks { get; private set; }

    /// <summary>Mean time of one data-update check in nanoseconds, from the timed checks (NaN before any).</summary>
    public double MeanCheckNanoseconds => TimedChecks == 0 ? double.NaN : CheckTicks * (1e9 / Stopwatch.Frequency) / TimedChecks;

    /// <summary>Messages sent to the coordinator.</summary>
    public long MessagesSent { get; private set; }

    /// <summary>Bytes sent to the coordinator (reference wire layout).</summary>
    public long BytesSent { get; private set; }

    /// <summary>Messages received from the coordinator (including ignored ones).</summary>
    public long MessagesReceived { get; private set; }

    /// <summary>Bytes received from the coordinator.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Full syncs applied.</summary>
    public long FullSyncs { get; internal set; }

    /// <summary>Lazy syncs applied.</summary>
    public long LazySyncs { get; internal set; }

    /// <summary>GetLocalVector requests ignored (stale version, or already waiting for a sync).</summary>
    public long IgnoredRequests { get; internal set; }

    /// <summary>Syncs and lazy syncs ignored: their constraint version is not newer than the node's (duplicates, late deliveries).</summary>
    public long StaleSyncs { get; internal set; }

    internal void RecordCheck(long ticks)
    {
        DataUpdates++;
        if (ticks >= 0)
        {
            TimedChecks++;
            CheckTicks += ticks;
        }
    }

    internal void RecordSent(int bytes)
    {
        MessagesSent++;
        BytesSent += bytes;
    }

    internal void RestoreSent(long messages, long bytes)
    {
        MessagesSent = messages;
        BytesSent = bytes;
    }

    internal void RecordReceived(int bytes)
    {
        MessagesReceived++;
        BytesReceived += bytes;
    }

    internal void Reset()
    {
        DataUpdates = TimedChecks = CheckTicks = MessagesSent = BytesSent = MessagesReceived = BytesReceived = 0;
        FullSyncs = LazySyncs = IgnoredRequests = StaleSyncs = 0;
    }
}
