using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Placement;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.Logging;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// Hosts one protocol <see cref="Node"/> of a monitor and its window of points. A push takes its points one by one; a
/// violation goes to the monitor, which resolves it (talking to this grain through interleaved <see cref="Deliver"/> calls)
/// before the next point. A node with no point yet has no local vector: it does not answer the coordinator's requests, so
/// the first full sync waits until every node has taken a point.
/// </summary>
[NodePlacement]
internal sealed partial class MonitorNodeGrain(ILogger<MonitorNodeGrain> logger) : Grain, IMonitorNodeGrain
{
    // A violation resolved, and the node's vector re-checked against the new constraints, this many times for one point
    // means the protocol is not converging: stop rather than spin.
    private const int MaxResolutionsPerPoint = 64;

    private MonitorConfig? _config;
    private string _name = string.Empty;
    private Node? _node;
    private ILocalVectorStream? _stream;
    private double[] _point = [];
    private IMonitorGrain? _monitor;
    private long _updates;
    private long _violations;
    private long _updatesAtSend = -1;
    private int _checkedVersion = -1;
    private int _incarnation;
    private KeyValuePair<string, object?> _tag;

    public Task Configure(MonitorConfig config, int index)
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
        var function = config.Run.Function.Create();
        _node = new Node(index, function);
        // Window 1: the point is the local vector itself (no stream needed).
        _stream = config.Run.WindowSize > 1 ? LocalVectorStreams.Create(StreamKind.WindowedAverage, function.Dimension, config.Run.WindowSize) : null;
        _point = new double[function.Dimension];
        _monitor = GrainFactory.GetGrain<IMonitorGrain>(config.Id);
        _name = config.Nodes[index];
        _tag = MonitorMetrics.Tag(config.Id);
        _config = config;
        DelayDeactivation(TimeSpan.FromDays(7));
        LogConfigured(logger, _name, config.Id);
        return Task.CompletedTask;
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
                return new PushResult(PushStatus.Rejected, 0, k, problem);
            }
        }

        var incarnation = _incarnation;
        for (var k = 0; k < points.Length; k++)
        {
            Take(points[k].AsSpan());
            var violation = Check(node);
            for (var resolutions = 0; violation is not null; resolutions++)
            {
                if (resolutions == MaxResolutionsPerPoint)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"{Describe()}: point {k} still violates after {MaxResolutionsPerPoint} resolutions."));
                }

                await _monitor!.Resolve(violation).ConfigureAwait(true);
                if (incarnation != _incarnation)
                {
                    // The monitor was deleted while this push waited.
                    return new PushResult(PushStatus.UnknownNode, k, -1, null);
                }

                // A sync that arrived after the report may have been computed from an older vector of this node: check the
                // current one against the constraints in force. Still waiting (the coordinator waits for another node's
                // report, or for a first point): the sync will re-check it on arrival.
                violation = node.State == NodeState.Monitoring && node.ConstraintVersion != _checkedVersion ? Check(node) : null;
            }
        }

        return new PushResult(PushStatus.Accepted, points.Length, -1, null);
    }

    public Task<INodeMessage?> Deliver(ICoordinatorMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_node is not { } node)
        {
            return Task.FromResult<INodeMessage?>(null);
        }

        if (message is GetLocalVector && _updates == 0)
        {
            // No point yet, no local vector: the node's first point will come as a violation (every point before the
            // first sync is one), and that completes the coordinator's request.
            return Task.FromResult<INodeMessage?>(null);
        }

        INodeMessage? reply = node.Handle(message);
        if (reply is not null)
        {
            _updatesAtSend = _updates;
        }

        // Points taken since the node last sent its vector were not part of this sync: check them now, and let the
        // coordinator resolve a violation in the same exchange.
        if (message is Sync or LazySync && _updates > 0 && _updates != _updatesAtSend)
        {
            reply = Check(node);
        }

        return Task.FromResult(reply);
    }

    public Task<MonitorNodeSnapshot> GetStatus() =>
        Task.FromResult(new MonitorNodeSnapshot(_name, _updates, _violations, _node?.Statistics.MessagesSent ?? 0, _updates > 0));

    public Task Reset()
    {
        _config = null;
        _node = null;
        _stream = null;
        _monitor = null;
        _updates = 0;
        _violations = 0;
        _updatesAtSend = -1;
        _checkedVersion = -1;
        _incarnation++;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

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
}
