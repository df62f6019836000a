using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using AutoMon.Numerics;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// Hosts one protocol <see cref="Node"/> and its data stream. Lockstep steps look ahead without touching the node (a pure
/// safe-zone test on x − slack) and commit only through the round the driver says, so the node sees exactly the updates
/// and messages it sees in the simulation, in the same order.
/// </summary>
[NodePlacement]
internal sealed partial class NodeGrain(ILocalSiloDetails silo, ExperimentRegistry registry, ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    private string _experiment = string.Empty;
    private int _index = -1;
    private ExperimentConfig? _config;
    private Node? _node;
    private ILocalVectorStream? _stream;
    private PendingVectors? _pending;
    private long _lastSequence = -1;

    // Paced: the row taken last (rows are queued ahead of their tick), and every sync applied, where the node was.
    private long _consumedSequence = -1;
    private readonly List<NodeSyncRecord> _syncHistory = [];
    private bool _filled;
    private ICoordinatorGrain? _coordinator;
    private long _violationsSent;

    // Paced mode: raw rows waiting for the timer, one consumed per tick.
    private readonly Queue<(long Sequence, ReadOnlyMemory<double> Row)> _pacedRows = new();
    private IGrainTimer? _timer;
    private bool _vectorMovedSinceSent;

    // Paced recovery: data updates counted before the protocol node restarted (its own counters start again from zero).
    private long _updatesBeforeRestart;
    private long _checkTicksBeforeRestart;
    private long _timedChecksBeforeRestart;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        if (!ExperimentKeys.TryParseNode(key, out _experiment, out _index))
        {
            throw new ArgumentException($"'{key}' is not a node grain key (experiment/index).");
        }

        return Task.CompletedTask;
    }

    public Task Configure(ExperimentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (_config is not null)
        {
            throw new InvalidOperationException($"Node {_index} of experiment '{_experiment}' is already configured; an experiment starts once.");
        }

        config.ThrowIfInvalid();
        if (_index >= config.NodeCount)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Experiment '{_experiment}' has {config.NodeCount} nodes; there is no node {_index}."));
        }

        Create(config);
        LogConfigured(logger, _index, _experiment, silo.SiloAddress);
        return Task.CompletedTask;
    }

    private void Create(ExperimentConfig config)
    {
        var function = registry.Function(_experiment, config);
        _node = new Node(_index, function, checkpoints: false, shareWorkspace: true);
        // Windowed averages keep the driver's rows as views when it runs in this process (DataRows.AreViews).
        _stream = config.StreamKind == StreamKind.WindowedAverage
            ? new ViewWindowedAverageStream(function.Dimension, config.WindowSize)
            : LocalVectorStreams.Create(config.StreamKind, function.Dimension, config.WindowSize);
        _pending = new PendingVectors(function.Dimension);
        _coordinator = GrainFactory.GetGrain<ICoordinatorGrain>(ExperimentKeys.Coordinator(_experiment));
        _config = config;
        registry.Register(_experiment, config);

        // The node's state lives in memory only (a paced run's driver gives a lost node its data back): keep the
        // activation for the experiment's lifetime.
        DelayDeactivation(TimeSpan.FromDays(7));
    }

    public Task<SequencedViolation?> FillWindow(DataRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var (node, stream) = Configured();
        if (_filled)
        {
            throw new InvalidOperationException($"Node {_index} of experiment '{_experiment}' has already filled its window.");
        }

        ValidateRows(rows, stream.DataPointLength, _lastSequence);
        for (var k = 0; k < rows.Count; k++)
        {
            Take(stream, rows, k);
            _lastSequence = rows.Sequence[k];
        }

        _consumedSequence = _lastSequence;
        if (!stream.IsWindowFull)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Describe()}: {rows.Count} rows do not fill a window of {stream.WindowSize}."));
        }

        _filled = true;
        var violation = node.UpdateData(stream.LocalVector);
        return Task.FromResult(violation is null ? null : Sent(new SequencedViolation(_index, violation)));
    }

    public Task<NodeStepResult> Step(NodeStepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (node, stream) = Filled();
        var pending = _pending!;
        ValidateRows(request.Rows, stream.DataPointLength, _lastSequence);
        pending.Reserve(request.Rows.Count);
        for (var k = 0; k < request.Rows.Count; k++)
        {
            Take(stream, request.Rows, k);
            _lastSequence = request.Rows.Sequence[k];
            pending.Add(_lastSequence, stream.LocalVector);
        }

        // Commit: the protocol node checks every update through the committed point, in order, as in the simulation.
        SequencedViolation? violation = null;
        var committed = 0;
        for (; committed < pending.Count && pending.SequenceAt(committed) <= request.CommitThrough; committed++)
        {
            if (node.UpdateData(pending.VectorAt(committed)) is { } found)
            {
                violation = Sent(new SequencedViolation(pending.SequenceAt(committed), found));
            }
        }

        pending.RemoveFirst(committed);

        // Look ahead with the constraints as they are now; nothing changes, so a look-ahead the driver discards costs nothing.
        var firstAhead = NodeStepResult.None;
        if (violation is null)
        {
            for (var k = 0; k < pending.Count && pending.SequenceAt(k) <= request.ProbeThrough; k++)
            {
                if (WouldViolate(node, pending.VectorAt(k)))
                {
                    firstAhead = pending.SequenceAt(k);
                    break;
                }
            }
        }

        return Task.FromResult(new NodeStepResult(violation, firstAhead));
    }

    public Task<LocalVectorInfo?> Deliver(ICoordinatorMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (node, stream) = Configured();
        ValidateMessage(message, node.Dimension);
        if (message is Sync { DcArgument.Length: > 1 } sync && registry.SharedMatrix(_experiment, sync.DcArgument) is var matrix && matrix != sync.DcArgument)
        {
            // From another process each Sync brings its own copy of the ADCD-E matrix: the node grains here keep one.
            message = sync with { DcArgument = matrix };
        }

        var reply = node.Handle(message);
        if (reply is not null)
        {
            _vectorMovedSinceSent = false;
        }

        if (_config!.Pacing == Pacing.Paced && message is Sync or LazySync)
        {
            var full = message as Sync;
            _syncHistory.Add(new NodeSyncRecord(
                message is Sync s ? s.ConstraintVersion : ((LazySync)message).ConstraintVersion, full is not null,
                _updatesBeforeRestart + node.Statistics.DataUpdates, _consumedSequence, full?.LowerThreshold ?? double.NaN, full?.UpperThreshold ?? double.NaN));
        }

        // Paced: the node kept taking data while the coordinator worked, so the sync was computed from an older vector.
        // Check the current one against the new constraints now rather than at the next tick (which a pause may delay).
        if (_config!.Pacing == Pacing.Paced && message is Sync or LazySync && _vectorMovedSinceSent && _filled)
        {
            _vectorMovedSinceSent = false;
            Report(node.UpdateData(stream.LocalVector));
        }

        return Task.FromResult(reply);
    }

    public Task StartPaced(DataRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var (_, stream) = Filled();
        ValidateRows(rows, stream.DataPointLength, _lastSequence);
        for (var k = 0; k < rows.Count; k++)
        {
            _pacedRows.Enqueue((rows.Sequence[k], Held(rows, k, stream.DataPointLength)));
            _lastSequence = rows.Sequence[k];
        }

        var interval = _config!.RoundInterval;
        _timer ??= this.RegisterGrainTimer(Tick, interval, interval);
        return Task.CompletedTask;
    }

    public Task StopPaced()
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    public Task Rejoin(ExperimentConfig config, DataRows window, DataRows upcoming, long dataUpdates)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(upcoming);
        ArgumentOutOfRangeException.ThrowIfNegative(dataUpdates);
        config.ThrowIfInvalid();
        if (config.Pacing != Pacing.Paced || _index >= config.NodeCount)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Describe()}: only a node of a paced experiment rejoins it (this one is {config.Pacing}, {config.NodeCount} nodes)."));
        }

        // From scratch each time, so a recovery that failed half-way can simply run again.
        _timer?.Dispose();
        _timer = null;
        _pacedRows.Clear();
        _filled = false;
        _lastSequence = -1;
        Create(config);
        var (_, stream) = Configured();
        ValidateRows(window, stream.DataPointLength, -1);
        for (var k = 0; k < window.Count; k++)
        {
            Take(stream, window, k);
            _lastSequence = window.Sequence[k];
        }

        if (!stream.IsWindowFull)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Describe()}: {window.Count} rows do not fill a window of {stream.WindowSize}."));
        }

        _consumedSequence = _lastSequence;
        _filled = true;
        _updatesBeforeRestart = dataUpdates;
        ValidateRows(upcoming, stream.DataPointLength, _lastSequence);
        for (var k = 0; k < upcoming.Count; k++)
        {
            _pacedRows.Enqueue((upcoming.Sequence[k], Held(upcoming, k, stream.DataPointLength)));
            _lastSequence = upcoming.Sequence[k];
        }

        LogRejoined(logger, _index, _experiment, silo.SiloAddress, _consumedSequence);
        return Task.CompletedTask;
    }

    public Task<SequencedViolation> Restart()
    {
        var (node, stream) = Filled();
        if (_timer is not null)
        {
            throw new InvalidOperationException($"{Describe()} is taking data; stop it (StopPaced) before restarting its protocol node.");
        }

        // The protocol node's counters restart with it: keep the data updates, and do not count the restart's own check.
        _updatesBeforeRestart += node.Statistics.DataUpdates - 1;
        _checkTicksBeforeRestart += node.Statistics.CheckTicks;
        _timedChecksBeforeRestart += node.Statistics.TimedChecks;
        node.Restart();
        _vectorMovedSinceSent = false;
        var violation = node.UpdateData(stream.LocalVector)
            ?? throw new InvalidOperationException($"{Describe()}: a restarted node's first check must report.");
        return Task.FromResult(Sent(new SequencedViolation(_consumedSequence, violation)));
    }

    public Task<NodeStatus> GetStatus() => Task.FromResult(new NodeStatus
    {
        NodeIndex = _index,
        Configured = _config is not null,
        Silo = silo.SiloAddress.ToString(),
        State = _node?.State ?? NodeState.Monitoring,
        ConstraintVersion = _node?.ConstraintVersion ?? 0,
        LocalVector = _node is null ? [] : ImmutableArray.Create(_node.LocalVector),
        DataUpdates = _updatesBeforeRestart + (_node?.Statistics.DataUpdates ?? 0),
        CheckTicks = _checkTicksBeforeRestart + (_node?.Statistics.CheckTicks ?? 0),
        TimedChecks = _timedChecksBeforeRestart + (_node?.Statistics.TimedChecks ?? 0),
        QueuedRows = (_pending?.Count ?? 0) + _pacedRows.Count,
        Running = _timer is not null,
        ViolationsSent = _violationsSent,
        ConsumedSequence = _consumedSequence,
    });

    public Task<ImmutableArray<NodeSyncRecord>> GetSyncHistory() => Task.FromResult(_syncHistory.ToImmutableArray());

    public Task Release()
    {
        registry.Forget(_experiment);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    // One paced update: the next row into the window, the node checks it, a violation goes to the coordinator at once.
    private Task Tick(CancellationToken cancellationToken)
    {
        if (!_pacedRows.TryDequeue(out var next))
        {
            _timer?.Dispose();
            _timer = null;
            return Task.CompletedTask;
        }

        var (node, stream) = Filled();
        stream.Update(next.Row);
        _consumedSequence = next.Sequence;
        _vectorMovedSinceSent = true;
        Report(node.UpdateData(stream.LocalVector));
        return Task.CompletedTask;
    }

    private void Report(Violation? violation)
    {
        if (violation is null)
        {
            return;
        }

        _violationsSent++;
        _vectorMovedSinceSent = false;
        // One-way: the report is not awaited, so an emulated WAN delay never stalls this node's updates.
        _ = _coordinator!.ReportViolation(violation);
    }

    // Node.UpdateData's test without its effects: before the first sync everything violates; then x − slack must be inside
    // (formed in the safe zone's buffer, with the roundings of the node's own check).
    private static bool WouldViolate(Node node, ReadOnlySpan<double> x) =>
        node.IsBeforeFirstSync || node.SafeZone.Check(x, node.Slack) != SafeZoneResult.Inside;

    private SequencedViolation Sent(SequencedViolation violation)
    {
        _violationsSent++;
        return violation;
    }

    private (Node Node, ILocalVectorStream Stream) Configured() =>
        _node is not null && _stream is not null
            ? (_node, _stream)
            : throw new InvalidOperationException($"Unknown experiment '{_experiment}': node {_index} has not been configured (start the experiment first).");

    private (Node Node, ILocalVectorStream Stream) Filled()
    {
        var configured = Configured();
        return _filled
            ? configured
            : throw new InvalidOperationException($"Node {_index} of experiment '{_experiment}' has not filled its window yet (FillWindow comes first).");
    }

    private void ValidateRows(DataRows rows, int pointLength, long after)
    {
        if (rows.FindProblem(pointLength, after) is { } problem)
        {
            throw new ArgumentException($"{Describe()}: {problem}");
        }
    }

    private string Describe() => string.Create(CultureInfo.InvariantCulture, $"node {_index} of experiment '{_experiment}'");

    // Views of the driver's data set are kept as they are; rows that came in a message are copied, so the window does not
    // keep whole messages alive.
    private static void Take(ILocalVectorStream stream, DataRows rows, int k)
    {
        var row = rows.Row(k, stream.DataPointLength);
        if (rows.AreViews)
        {
            stream.Update(row);
        }
        else
        {
            stream.Update(row.Span);
        }
    }

    // A paced row waits for its tick: a view as it is, a row from a message as a copy of its own.
    private static ReadOnlyMemory<double> Held(DataRows rows, int k, int length)
    {
        var row = rows.Row(k, length);
        return rows.AreViews ? row : row.ToArray();
    }

    // Checked before the node sees the message, so a bad message changes nothing.
    private void ValidateMessage(ICoordinatorMessage message, int d)
    {
        if (message.NodeIndex != _index)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Describe()} got a {message.Type} message addressed to node {message.NodeIndex}."), nameof(message));
        }

        switch (message)
        {
            case Sync sync:
                RequireVector(sync.ReferencePoint, d, "reference point");
                RequireVector(sync.Slack, d, "slack");
                var argument = sync.DcArgument.IsDefault ? 0 : sync.DcArgument.Length;
                if (argument != 0 && argument != 1 && argument != d * d)
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"{Describe()}: a Sync carries 0, 1 or {d * d} DC argument values; got {argument}."), nameof(message));
                }

                break;
            case LazySync lazy:
                RequireVector(lazy.Slack, d, "slack");
                break;
            case GetLocalVector:
                break;
            default:
                throw new ArgumentException($"{Describe()} cannot handle a {message.GetType().Name} message.", nameof(message));
        }
    }

    private void RequireVector(ImmutableArray<double> vector, int d, string what)
    {
        var length = vector.IsDefault ? 0 : vector.Length;
        if (length != d)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Describe()} has dimension {d}; the message's {what} has {length} components."));
        }

        foreach (var value in vector)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"{Describe()}: the message's {what} contains {value.ToString(CultureInfo.InvariantCulture)}.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Index} of experiment {Experiment} rejoined on {Silo} at row {Sequence} after its silo was lost")]
    private static partial void LogRejoined(ILogger logger, int index, string experiment, SiloAddress silo, long sequence);

    // Which silo hosts which node: what an operator looks for in a silo's log.
    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Index} of experiment {Experiment} configured on {Silo}")]
    private static partial void LogConfigured(ILogger logger, int index, string experiment, SiloAddress silo);
}
