using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// Hosts one protocol <see cref="Node"/> of a monitor and its window of points. A push takes its points one by one; a
/// violation goes to the monitor, which resolves it (talking to this grain through interleaved <see cref="Deliver"/> calls)
/// before the next point. A node with no point yet has no local vector: it does not answer the coordinator's requests, so
/// the first full sync waits until every node has taken a point.
/// </summary>
/// <remarks>
/// The node's state (<see cref="MonitorNodeState"/>) is written to the silo's grain storage when it is configured, after
/// every sync it applies (before the sync's call returns, so the monitor never goes on with constraints a restored node
/// would not have), every <see cref="MonitorConfig.CheckpointInterval"/> points, and when the grain deactivates (a silo
/// shutting down). A grain that lost its silo reactivates from the last write and goes on with no sync at all.
/// </remarks>
[NodePlacement]
internal sealed partial class MonitorNodeGrain(
    [PersistentState("node", AutoMonGrainStorage.Name)] IPersistentState<MonitorNodeState> state,
    [PersistentState("argument", AutoMonGrainStorage.Name)] IPersistentState<MonitorNodeArgument> argument,
    IOptions<AutoMonGrainStorageOptions> storage,
    ILogger<MonitorNodeGrain> logger) : Grain, IMonitorNodeGrain
{
    // A violation resolved, and the node's vector re-checked against the new constraints, this many times for one point
    // means the protocol is not converging: stop rather than spin.
    private const int MaxResolutionsPerPoint = 64;

    private readonly SemaphoreSlim _writing = new(1, 1);
    private MonitorConfig? _config;
    private int _index;
    private string _name = string.Empty;
    private Node? _node;
    private WindowedAverageStream? _stream;
    private double[] _point = [];
    private IMonitorGrain? _monitor;
    private long _updates;
    private long _violations;
    private long _updatesAtSend = -1;
    private int _checkedVersion = -1;
    private int _incarnation;
    private int _epoch;
    private Violation? _pending;
    private long _durable;
    private bool _centralized; // the adaptive fallback switched the monitor: report every point, check none
    private long _unreported; // centralised: points taken whose report may not have reached the monitor
    private KeyValuePair<string, object?> _tag;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Config is { } config)
        {
            Build(config, state.State.Index);
            RestoreFrom(state.State);
            LogRestored(logger, _name, config.Id, _updates, _node!.ConstraintVersion);
        }

        return base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A silo shutting down (or the grain collected) hands the node over with nothing lost.
        if (_config is not null && state.RecordExists && storage.Value.WriteOnDeactivation)
        {
            await WriteAsync().ConfigureAwait(true);
        }

        await base.OnDeactivateAsync(reason, cancellationToken).ConfigureAwait(true);
    }

    public async Task Configure(MonitorConfig config, int index)
    {
        ArgumentNullException.ThrowIfNull(config);
        var key = this.GetPrimaryKeyString();
        if (_config is not null)
        {
            throw new InvalidOperationException($"Node grain '{key}' already belongs to monitor '{_config.Id}'.");
        }

        if ((uint)index >= (uint)config.Nodes.Length || MonitorKeys.Node(config.Id, config.Nodes[index]) != key)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Node grain '{key}' is not node {index} of monitor '{config.Id}'."));
        }

        config.Run.ThrowIfInvalid();
        Build(config, index);
        await WriteAsync().ConfigureAwait(true);
        LogConfigured(logger, _name, config.Id);
    }

    public async Task<PushResult> Push(PointBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_node is not { } node)
        {
            return new PushResult(PushStatus.UnknownNode, 0, -1, null);
        }

        // The whole batch first: a bad point rejects it before any point is taken.
        var points = batch.Points.IsDefault ? [] : batch.Points;
        for (var k = 0; k < points.Length; k++)
        {
            if (PointProblem(points[k], node.Dimension) is { } problem)
            {
                return Result(PushStatus.Rejected, 0, k, problem);
            }
        }

        var from = batch.From ?? _updates;
        if (from > _updates || from < 0)
        {
            return Result(PushStatus.Behind, 0, -1, string.Create(CultureInfo.InvariantCulture,
                $"the batch starts at point {from}; {Describe()} holds {_updates} (it lost the later ones with its silo)"));
        }

        // A retry of points taken already: skip those.
        var skip = (int)Math.Min(_updates - from, points.Length);
        var incarnation = _incarnation;
        if (_pending is { } pending && await ResolveAsync(pending, incarnation).ConfigureAwait(true) is { } stopped)
        {
            return stopped(skip);
        }

        for (var k = skip; k < points.Length; k++)
        {
            Take(points[k].AsSpan());
            if (_centralized)
            {
                _unreported++;
                continue;
            }

            var violation = Check(node);
            for (var resolutions = 0; violation is not null; resolutions++)
            {
                if (resolutions == MaxResolutionsPerPoint)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"{Describe()}: point {k} still violates after {MaxResolutionsPerPoint} resolutions."));
                }

                if (await ResolveAsync(violation, incarnation).ConfigureAwait(true) is { } halted)
                {
                    return halted(k + 1);
                }

                // A sync that arrived after the report may have been computed from an older vector of this node: check the
                // current one against the constraints in force. Still waiting (the coordinator waits for another node's
                // report, or for a first point): the sync will re-check it on arrival.
                violation = !_centralized && node.State == NodeState.Monitoring && node.ConstraintVersion != _checkedVersion ? Check(node) : null;
            }
        }

        // Centralised: one call carries the reports of the batch's points (and of any an unreachable monitor missed).
        if (_unreported > 0 && await ReportAsync(incarnation).ConfigureAwait(true) is { } unreported)
        {
            return unreported(points.Length);
        }

        if (storage.Value.WriteCheckpoints && _updates - _durable >= _config!.CheckpointInterval)
        {
            await WriteAsync().ConfigureAwait(true);
        }

        return Result(PushStatus.Accepted, points.Length, -1, null);
    }

    // Hands a violation to the monitor; null when the push goes on, else how it ends given the points taken. A violation
    // the monitor cannot resolve now stays pending (and stored): the next push reports it first.
    private async Task<Func<int, PushResult>?> ResolveAsync(Violation violation, int incarnation)
    {
        _pending = violation;
        if (await AskMonitorAsync(monitor => monitor.Resolve(violation, _epoch, _updates), incarnation, $"resolve {Describe()}'s violation") is { } end)
        {
            return end;
        }

        // Resolved, or superseded by a recovery that restarted this node (which cleared it already).
        if (ReferenceEquals(_pending, violation))
        {
            _pending = null;
        }

        return null;
    }

    // Centralised: reports the points taken since the last report with the node's current vector; null when the push goes
    // on, else how it ends. Unreachable: the points stay unreported, and the next push (or the recovery) reports them.
    private async Task<Func<int, PushResult>?> ReportAsync(int incarnation)
    {
        var count = _unreported;
        if (await AskMonitorAsync(monitor => monitor.Report(_index, ImmutableArray.Create(_point), _updates, _epoch), incarnation, $"take {Describe()}'s reports") is { } end)
        {
            return end;
        }

        // Reported, or superseded by a recovery that restarted this node (its restart report carried the vector).
        _unreported = Math.Max(0, _unreported - count);
        _updatesAtSend = _updates;
        return null;
    }

    // One call to the monitor during a push; null when the push goes on, else how it ends given the points taken: the
    // monitor was deleted meanwhile, or it recovers from a lost silo and cannot yet do what was asked (`what`).
    private async Task<Func<int, PushResult>?> AskMonitorAsync(Func<IMonitorGrain, Task<ResolveOutcome>> call, int incarnation, string what)
    {
        ResolveOutcome outcome;
        try
        {
            outcome = await call(_monitor!).ConfigureAwait(true);
        }
        catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception))
        {
            LogUnresolved(logger, _name, _config!.Id, exception.Message);
            outcome = ResolveOutcome.Unavailable;
        }

        if (incarnation != _incarnation || outcome == ResolveOutcome.UnknownMonitor)
        {
            // The monitor was deleted while this push waited.
            return taken => Result(PushStatus.UnknownNode, taken, -1, null);
        }

        if (outcome == ResolveOutcome.Unavailable)
        {
            await CheckpointAsync().ConfigureAwait(true);
            var problem = $"monitor '{_config!.Id}' is recovering from a lost silo and cannot {what} yet";
            return taken => Result(PushStatus.Unavailable, taken, -1, problem);
        }

        return null;
    }

    public async Task<INodeMessage?> Deliver(ICoordinatorMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_node is not { } node)
        {
            return null;
        }

        if (message is GetLocalVector && _updates == 0)
        {
            // No point yet, no local vector: the node's first point will come as a violation (every point before the
            // first sync is one), and that completes the coordinator's request.
            return null;
        }

        INodeMessage? reply = node.Handle(message);
        if (reply is not null)
        {
            _updatesAtSend = _updates;
        }

        if (message is Sync or LazySync)
        {
            // The coordinator goes on once this returns: the constraints must be what a restored node would have.
            _pending = null;
            await CheckpointAsync().ConfigureAwait(true);

            // Points taken since the node last sent its vector were not part of this sync: check them now, and let the
            // coordinator resolve a violation in the same exchange.
            if (_updates > 0 && _updates != _updatesAtSend)
            {
                reply = Check(node);
            }
        }

        return reply;
    }

    public async Task<Violation?> Restart(int epoch)
    {
        if (_node is not { } node)
        {
            return null;
        }

        _epoch = epoch;
        _pending = null;
        _centralized = false;
        _unreported = 0;
        node.Restart();
        _checkedVersion = -1;
        _updatesAtSend = -1;
        Violation? violation = null;
        if (_updates > 0)
        {
            // Before a first sync every vector violates: this is the node's report for the recovery's full sync.
            _checkedVersion = node.ConstraintVersion;
            violation = node.UpdateData(_point);
            _updatesAtSend = _updates;
        }

        await WriteAsync().ConfigureAwait(true);
        return violation;
    }

    public async Task<CentralizedNode?> Centralize(int epoch)
    {
        if (_node is null || epoch != _epoch)
        {
            // A switch from before the node's last restart: the recovery runs the protocol afresh.
            return null;
        }

        _centralized = true;
        ImmutableArray<double>? vector = null;
        if (_updates > 0 && _updates != _updatesAtSend)
        {
            vector = ImmutableArray.Create(_point);
            _updatesAtSend = _updates;
        }

        await CheckpointAsync().ConfigureAwait(true);
        return new CentralizedNode(_updates, vector);
    }

    public Task<MonitorNodeSnapshot> GetStatus() =>
        Task.FromResult(new MonitorNodeSnapshot(_name, _updates, _violations, _node?.Statistics.MessagesSent ?? 0, _updates > 0, Durable));

    public async Task Reset()
    {
        _config = null;
        _node = null;
        _stream = null;
        _monitor = null;
        _updates = 0;
        _violations = 0;
        _updatesAtSend = -1;
        _checkedVersion = -1;
        _pending = null;
        _durable = 0;
        _centralized = false;
        _unreported = 0;
        _incarnation++;
        await _writing.WaitAsync().ConfigureAwait(true);
        try
        {
            await state.ClearStateAsync().ConfigureAwait(true);
            if (argument.RecordExists)
            {
                await argument.ClearStateAsync().ConfigureAwait(true);
            }
        }
        finally
        {
            _writing.Release();
        }

        DeactivateOnIdle();
    }

    private void Build(MonitorConfig config, int index)
    {
        var function = config.Run.Function.Create();
        // Adaptive monitors never get the ADCD-E matrix shipped (it would be most of the setup): the node derives it.
        _node = new Node(index, function, checkpoints: true, shareWorkspace: true) { DerivesConstantHessian = config.Run.Adaptive };
        // Window 1: the point is the local vector itself (no stream needed).
        _stream = config.Run.WindowSize > 1 ? new WindowedAverageStream(function.Dimension, config.Run.WindowSize) : null;
        _point = new double[function.Dimension];
        _monitor = GrainFactory.GetGrain<IMonitorGrain>(config.Id);
        _index = index;
        _name = config.Nodes[index];
        _tag = MonitorMetrics.Tag(config.Id);
        _config = config;
        DelayDeactivation(TimeSpan.FromDays(7));
    }

    private void RestoreFrom(MonitorNodeState stored)
    {
        _epoch = stored.Epoch;
        _updates = _durable = stored.Updates;
        _violations = stored.Violations;
        _pending = stored.Pending;
        _updatesAtSend = stored.UpdatesAtSend;
        _checkedVersion = stored.CheckedVersion;
        _centralized = stored.Centralized;
        _unreported = stored.Unreported;
        if (!stored.Point.IsDefaultOrEmpty)
        {
            stored.Point.AsSpan().CopyTo(_point);
        }

        _stream?.Restore(stored.Window.AsSpan(), _point);
        if (stored.Protocol is { } protocol)
        {
            _node!.Restore(protocol with { LastArgumentSync = argument.State.Sync });
        }
    }

    private Task CheckpointAsync() => storage.Value.WriteCheckpoints ? WriteAsync() : Task.CompletedTask;

    // One write at a time (interleaved calls write too); each writes the state as it is when its turn comes.
    private async Task WriteAsync()
    {
        await _writing.WaitAsync().ConfigureAwait(true);
        try
        {
            if (_config is not { } config || _node is not { } node)
            {
                return;
            }

            var updates = _updates;
            var checkpoint = node.Checkpoint();
            if (checkpoint.LastArgumentSync is { } sync && !ReferenceEquals(sync, argument.State.Sync))
            {
                argument.State = new MonitorNodeArgument { Sync = sync };
                await argument.WriteStateAsync().ConfigureAwait(true);
                MonitorMetrics.StateWrites.Add(1, _tag);
            }

            state.State = new MonitorNodeState
            {
                Config = config,
                Index = _index,
                Epoch = _epoch,
                Updates = updates,
                Violations = _violations,
                Window = _stream is { } stream ? ImmutableArray.Create(stream.CopyWindow()) : [],
                Point = ImmutableArray.Create(_point),
                Protocol = checkpoint with { LastArgumentSync = null },
                Pending = _pending,
                UpdatesAtSend = _updatesAtSend,
                CheckedVersion = _checkedVersion,
                Centralized = _centralized,
                Unreported = _unreported,
            };
            await state.WriteStateAsync().ConfigureAwait(true);
            _durable = updates;
            MonitorMetrics.StateWrites.Add(1, _tag);
        }
        finally
        {
            _writing.Release();
        }
    }

    // Without checkpoints the node's points live as long as its silo, like the rest of its state: nothing to keep for a replay.
    private long Durable => storage.Value.WriteCheckpoints ? _durable : _updates;

    private PushResult Result(PushStatus status, int accepted, int index, string? problem) =>
        new(status, accepted, index, problem, _updates, Durable);

    private void Take(ReadOnlySpan<double> point)
    {
        if (_stream is { } stream)
        {
            stream.Update(point);
            stream.LocalVector.CopyTo(_point);
        }
        else
        {
            point.CopyTo(_point);
        }

        _updates++;
        MonitorMetrics.Updates.Add(1, _tag);
    }

    private Violation? Check(Node node)
    {
        _checkedVersion = node.ConstraintVersion;
        var violation = node.UpdateData(_point);
        if (violation is not null)
        {
            _violations++;
            _updatesAtSend = _updates;
        }

        return violation;
    }

    /// <summary>Why <paramref name="point"/> cannot be a point of a d-dimensional monitor, or null.</summary>
    internal static string? PointProblem(ImmutableArray<double> point, int d)
    {
        var length = point.IsDefault ? 0 : point.Length;
        if (length != d)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has {length} components; the monitor's dimension is {d}");
        }

        for (var j = 0; j < length; j++)
        {
            if (!double.IsFinite(point[j]))
            {
                return string.Create(CultureInfo.InvariantCulture, $"has {point[j]} at component {j}; components must be finite numbers");
            }
        }

        return null;
    }

    private string Describe() => $"node '{_name}' of monitor '{_config?.Id}'";

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} of monitor {Monitor} configured")]
    private static partial void LogConfigured(ILogger logger, string node, string monitor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} of monitor {Monitor} restored from grain storage: {Updates} points, constraint version {Version}")]
    private static partial void LogRestored(ILogger logger, string node, string monitor, long updates, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} of monitor {Monitor}: its violation waits, the monitor is unreachable: {Reason}")]
    private static partial void LogUnresolved(ILogger logger, string node, string monitor, string reason);
}
