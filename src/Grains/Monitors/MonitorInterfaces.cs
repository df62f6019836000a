using System.Collections.Immutable;
using System.Runtime.InteropServices;
using AutoMon.Protocol;
using Orleans.Concurrency;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// A monitor's coordinator (key: the monitor id): runs the protocol <see cref="Coordinator"/> over the monitor's node
/// grains and resolves every violation they report before the report's call returns.
/// </summary>
[Alias("AutoMon.Grains.IMonitorGrain")]
public interface IMonitorGrain : IGrainWithStringKey
{
    /// <summary>Creates the monitor and configures its node grains; false when a monitor with this id exists.</summary>
    [Alias("Create")]
    Task<bool> Create(MonitorConfig config);

    /// <summary>Deletes the monitor (its node grains forget their state); false when there is none.</summary>
    [Alias("Delete")]
    Task<bool> Delete();

    /// <summary>The estimate and counters; null when there is no such monitor.</summary>
    [Alias("GetSnapshot")]
    Task<MonitorSnapshot?> GetSnapshot();

    /// <summary>The definition; null when there is no such monitor.</summary>
    [Alias("GetConfig")]
    Task<MonitorConfig?> GetConfig();

    /// <summary>
    /// A node's violation, reported under the recovery <paramref name="epoch"/> the node was last restarted in: resolved
    /// (lazy or full sync with the other node grains) before the call returns, together with the violations the syncs'
    /// re-checks raise. A monitor that lost its protocol state (its silo, or a node during an exchange) recovers first: it
    /// restarts every node grain and runs a full sync with their current vectors, which supersedes the violation.
    /// </summary>
    /// <remarks>
    /// <paramref name="updates"/> is the node's count of points: with the adaptive fallback the monitor weighs what it spent
    /// against what centralisation would have sent for the points it knows of, and may instead switch every node to
    /// reporting each point (<see cref="IMonitorNodeGrain.Centralize"/>, <see cref="Report"/>).
    /// </remarks>
    [Alias("Resolve")]
    Task<ResolveOutcome> Resolve(Violation violation, int epoch, long updates);

    /// <summary>
    /// A centralised monitor (the adaptive fallback switched it): node <paramref name="node"/> reports its points up to its
    /// <paramref name="updates"/>-th, each as centralisation reports it, and <paramref name="localVector"/> is its vector
    /// after that point. Points the monitor has had reported already (a node replaying after a lost silo) are not counted
    /// again. The estimate is then f of the mean of the nodes' exact vectors.
    /// </summary>
    [Alias("Report")]
    Task<ResolveOutcome> Report(int node, ImmutableArray<double> localVector, long updates, int epoch);

    /// <summary>
    /// Subscribes (or renews) <paramref name="observer"/> to the monitor's events; returns the monitor's state at that
    /// moment, or null (and does not subscribe) when there is no such monitor. A subscription not renewed within
    /// <see cref="MonitorSubscription.Lifetime"/> lapses.
    /// </summary>
    [Alias("Subscribe")]
    Task<MonitorSnapshot?> Subscribe(IMonitorObserver observer);

    /// <summary>Ends <paramref name="observer"/>'s subscription.</summary>
    [Alias("Unsubscribe")]
    Task Unsubscribe(IMonitorObserver observer);

    /// <summary>How many observers are subscribed (lapsed ones included until the next event clears them); 0 when there is no such monitor.</summary>
    [Alias("GetSubscriberCount")]
    Task<int> GetSubscriberCount();
}

/// <summary>
/// One node of a monitor (key <c>monitor/node</c>, see <see cref="MonitorKeys"/>): its window of points and the protocol
/// <see cref="Node"/>. Coordinator messages and reads interleave with a push that waits for its violation's resolution.
/// </summary>
[Alias("AutoMon.Grains.IMonitorNodeGrain")]
public interface IMonitorNodeGrain : IGrainWithStringKey
{
    /// <summary>Makes this grain node <paramref name="index"/> of <paramref name="config"/>; a configured node is rejected.</summary>
    [Alias("Configure")]
    Task Configure(MonitorConfig config, int index);

    /// <summary>
    /// Takes the points in order: each goes into the window, the node checks the new local vector, and a violation is
    /// resolved by the monitor before the next point. The whole batch is validated first: a bad point rejects the batch and
    /// changes nothing.
    /// </summary>
    [Alias("Push")]
    Task<PushResult> Push(PointBatch batch);

    /// <summary>A coordinator message; returns the node's reply (a local vector, or a violation its re-check after a sync found).</summary>
    [AlwaysInterleave]
    [Alias("Deliver")]
    Task<INodeMessage?> Deliver(ICoordinatorMessage message);

    /// <summary>The node's counters.</summary>
    [AlwaysInterleave]
    [Alias("GetStatus")]
    Task<MonitorNodeSnapshot> GetStatus();

    /// <summary>Forgets the monitor (a deleted monitor's nodes); the grain may then be configured again.</summary>
    [AlwaysInterleave]
    [Alias("Reset")]
    Task Reset();

    /// <summary>
    /// A recovery of the monitor: the node forgets its constraints (keeping its window and counters), takes
    /// <paramref name="epoch"/>, and returns the violation its current vector now is (every vector is one before a first
    /// sync), or null when it has no point yet.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Restart")]
    Task<Violation?> Restart(int epoch);

    /// <summary>
    /// The adaptive fallback switched the monitor to centralisation under <paramref name="epoch"/>: from now on the node
    /// reports every point instead of checking it. Returns its count of points, and its current vector when the monitor
    /// does not have it yet (points taken since the node last sent it); null for a switch from before the node's restart.
    /// </summary>
    [AlwaysInterleave]
    [Alias("Centralize")]
    Task<CentralizedNode?> Centralize(int epoch);
}

/// <summary>The list of monitors of the cluster (key <see cref="MonitorKeys.Registry"/>).</summary>
[Alias("AutoMon.Grains.IMonitorRegistryGrain")]
public interface IMonitorRegistryGrain : IGrainWithStringKey
{
    /// <summary>Adds a monitor id.</summary>
    [Alias("Add")]
    Task Add(string id);

    /// <summary>Removes a monitor id.</summary>
    [Alias("Remove")]
    Task Remove(string id);

    /// <summary>The monitor ids, sorted.</summary>
    [ReadOnly]
    [Alias("List")]
    Task<ImmutableArray<string>> List();
}

/// <summary>Points for one node, in the order they are taken.</summary>
/// <param name="Points">The points; each should have d finite components.</param>
/// <remarks>
/// On the wire as <see cref="PointBatchSurrogate"/>: the components as one block of bytes instead of one Orleans field per
/// number (docs/performance.md, "Service").
/// </remarks>
[Immutable, Alias("AutoMon.Grains.PointBatch")]
/// <param name="Points">The points, in order.</param>
/// <param name="From">The node's update count the first point continues from (the producer's position), or null to append
/// wherever the node is. With it a push is idempotent: points the node has taken already are skipped, and a node that
/// holds fewer points (it lost some with its silo) answers <see cref="PushStatus.Behind"/> instead of taking any.</param>
public sealed record PointBatch(ImmutableArray<ImmutableArray<double>> Points, long? From = null);

/// <summary>
/// <see cref="PointBatch"/> on the wire: each point's length (-1 for a missing point; <see cref="Lengths"/> null for a
/// missing list) and all components, in order, as raw little-endian doubles.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.PointBatchSurrogate")]
public struct PointBatchSurrogate
{
    /// <summary>Each point's number of components; -1: no point (default); null: no list.</summary>
    [Id(0)]
    public int[]? Lengths;

    /// <summary>All components of all points, in order, as doubles' bytes.</summary>
    [Id(1)]
    public byte[]? Values;

    [Id(2)]
    public long? From;
}

/// <summary>Converts <see cref="PointBatch"/> to and from <see cref="PointBatchSurrogate"/>, losslessly (NaN and infinities included).</summary>
[RegisterConverter]
public sealed class PointBatchConverter : IConverter<PointBatch, PointBatchSurrogate>
{
    /// <inheritdoc/>
    public PointBatch ConvertFromSurrogate(in PointBatchSurrogate surrogate)
    {
        if (surrogate.Lengths is not { } lengths)
        {
            return new PointBatch(default, surrogate.From);
        }

        ReadOnlySpan<double> values = MemoryMarshal.Cast<byte, double>(surrogate.Values ?? []);
        var points = new ImmutableArray<double>[lengths.Length];
        var offset = 0;
        for (var k = 0; k < lengths.Length; k++)
        {
            if (lengths[k] < 0)
            {
                continue;
            }

            var point = values.Slice(offset, lengths[k]).ToArray();
            offset += point.Length;
            points[k] = ImmutableCollectionsMarshal.AsImmutableArray(point);
        }

        return new PointBatch(ImmutableCollectionsMarshal.AsImmutableArray(points), surrogate.From);
    }

    /// <inheritdoc/>
    public PointBatchSurrogate ConvertToSurrogate(in PointBatch value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Points.IsDefault)
        {
            return new PointBatchSurrogate { From = value.From };
        }

        var points = value.Points;
        var lengths = new int[points.Length];
        var total = 0;
        for (var k = 0; k < points.Length; k++)
        {
            lengths[k] = points[k].IsDefault ? -1 : points[k].Length;
            total += Math.Max(lengths[k], 0);
        }

        var bytes = new byte[total * sizeof(double)];
        var values = MemoryMarshal.Cast<byte, double>(bytes.AsSpan());
        foreach (var point in points)
        {
            if (!point.IsDefault)
            {
                point.AsSpan().CopyTo(values);
                values = values[point.Length..];
            }
        }

        return new PointBatchSurrogate { Lengths = lengths, Values = bytes, From = value.From };
    }
}

/// <summary>What became of a push.</summary>
public enum PushStatus
{
    /// <summary>Every point was taken and every violation resolved.</summary>
    Accepted,

    /// <summary>This grain is no node of an existing monitor.</summary>
    UnknownNode,

    /// <summary>A point is invalid (<see cref="PushResult.Index"/>); nothing was taken.</summary>
    Rejected,

    /// <summary>The batch starts after the node's last point (<see cref="PushResult.Updates"/>): the node lost the points
    /// in between with its silo. Nothing was taken; send them again from there.</summary>
    Behind,

    /// <summary>The monitor cannot resolve the node's violation now (its silo or another node's is being replaced):
    /// <see cref="PushResult.Accepted"/> points were taken; push the rest again shortly.</summary>
    Unavailable,
}

/// <summary>The outcome of <see cref="IMonitorNodeGrain.Push"/>.</summary>
/// <param name="Status">What became of the push.</param>
/// <param name="Accepted">Points of the batch the node now holds (a retry's points it had already included).</param>
/// <param name="Index">Rejected: the index of the first bad point.</param>
/// <param name="Problem">Rejected or unavailable: what is wrong.</param>
/// <param name="Updates">The node's update count after the push (the next point's position).</param>
/// <param name="Durable">Points the node has written to grain storage: those survive the loss of its silo; a producer keeps
/// the ones after them to send again.</param>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.PushResult")]
public sealed record PushResult(
    [property: Id(0)] PushStatus Status, [property: Id(1)] int Accepted, [property: Id(2)] int Index, [property: Id(3)] string? Problem,
    [property: Id(4)] long Updates = 0, [property: Id(5)] long Durable = 0);

/// <summary>A node's counters.</summary>
/// <param name="Id">The node's name.</param>
/// <param name="Updates">Points taken.</param>
/// <param name="Violations">Violations reported (a re-check after a sync included).</param>
/// <param name="MessagesSent">Protocol messages sent to the coordinator (violations and local vectors).</param>
/// <param name="HasData">True once the node has taken a point.</param>
/// <param name="Durable">Points written to grain storage (see <see cref="PushResult.Durable"/>).</param>
/// <summary>A node's answer to the switch to centralisation: its count of points, and its vector if the monitor lacks it.</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.CentralizedNode")]
public sealed record CentralizedNode([property: Id(0)] long Updates, [property: Id(1)] ImmutableArray<double>? LocalVector);

[GenerateSerializer, Immutable, Alias("AutoMon.Grains.MonitorNodeSnapshot")]
public sealed record MonitorNodeSnapshot(
    [property: Id(0)] string Id, [property: Id(1)] long Updates, [property: Id(2)] long Violations, [property: Id(3)] long MessagesSent,
    [property: Id(4)] bool HasData, [property: Id(5)] long Durable = 0);

/// <summary>A monitor's estimate and counters.</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.MonitorSnapshot")]
public sealed record MonitorSnapshot
{
    /// <summary>The monitor's id.</summary>
    [Id(0)]
    public required string Id { get; init; }

    /// <summary>f(x0) of the last full sync; null until the first full sync (which waits for a point from every node).</summary>
    [Id(1)]
    public double? Estimate { get; init; }

    /// <summary>ε.</summary>
    [Id(2)]
    public double ErrorBound { get; init; }

    /// <summary>Points taken by all nodes.</summary>
    [Id(3)]
    public long Updates { get; init; }

    /// <summary>Protocol messages between the coordinator and the nodes (violations, requests, local vectors, syncs).</summary>
    [Id(4)]
    public long Messages { get; init; }

    /// <summary>Full syncs.</summary>
    [Id(5)]
    public long FullSyncs { get; init; }

    /// <summary>Lazy syncs.</summary>
    [Id(6)]
    public long LazySyncs { get; init; }

    /// <summary>Violations the coordinator received.</summary>
    [Id(7)]
    public long Violations { get; init; }

    /// <summary>Per node, in node-index order.</summary>
    [Id(8)]
    public ImmutableArray<MonitorNodeSnapshot> Nodes { get; init; } = [];

    /// <summary>The function's catalog name.</summary>
    [Id(9)]
    public string Function { get; init; } = string.Empty;

    /// <summary>d.</summary>
    [Id(10)]
    public int Dimension { get; init; }

    /// <summary>Window size (1: every point is the local vector).</summary>
    [Id(11)]
    public int Window { get; init; }

    /// <summary>The <see cref="MonitorEvent.Sequence"/> of the last event published before this state was read (0: none):
    /// a subscriber gets the events after it.</summary>
    [Id(12)]
    public long LastEvent { get; init; }

    /// <summary>True while the monitor recovers (its estimate is then null: no guarantee holds until the full sync).</summary>
    [Id(13)]
    public bool Recovering { get; init; }

    /// <summary>Recoveries so far.</summary>
    [Id(14)]
    public long Recoveries { get; init; }

    /// <summary>The last recovery, or null.</summary>
    [Id(15)]
    public MonitorRecovery? LastRecovery { get; init; }

    /// <summary>True once the adaptive fallback switched the monitor to centralisation: every point is reported and the
    /// estimate is f(x̄) itself.</summary>
    [Id(16)]
    public bool Centralized { get; init; }
}
