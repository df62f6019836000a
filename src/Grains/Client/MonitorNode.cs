using AutoMon.Grains.Hosting;
using System.Collections.Immutable;
using AutoMon.Grains.Monitors;

namespace AutoMon.Client;

/// <summary>
/// One node of a monitor, for its producer: <c>client.Node("m1", "a").PushAsync(points)</c>. A node is one data stream:
/// its points come from one producer (one <see cref="MonitorNode"/>) at a time.
/// </summary>
/// <remarks>
/// The producer's position in the node's stream goes with every push (<see cref="PointBatch.From"/>), and the points the
/// node has not yet written to grain storage stay here until it has. So a push whose answer was lost is sent again
/// without taking a point twice, and a node that lost points with its silo gets them back: it answers that it is behind,
/// and the points from its position on are sent again first.
/// </remarks>
public sealed class MonitorNode
{
    private readonly IGrainFactory _grains;
    private readonly TimeSpan _retryTimeout;
    private readonly SemaphoreSlim _pushing = new(1, 1);
    private readonly List<ImmutableArray<double>> _unsaved = []; // positions _unsavedStart.._next-1, not yet durable
    private long _unsavedStart;
    private long? _next;

    internal MonitorNode(IGrainFactory grains, string monitor, string node, TimeSpan retryTimeout)
    {
        _grains = grains;
        _retryTimeout = retryTimeout;
        Monitor = monitor;
        Name = node;
    }

    /// <summary>How long a push waits between two tries while the monitor recovers from a lost silo.</summary>
    internal static TimeSpan RetryDelay { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The monitor's id.</summary>
    public string Monitor { get; }

    /// <summary>The node's name.</summary>
    public string Name { get; }

    /// <summary>Points pushed that the node has not yet written to grain storage (kept here to send again).</summary>
    public int UnsavedPoints => _unsaved.Count;

    /// <summary>
    /// Pushes <paramref name="points"/> (each with d finite components) to this node, in order. Returns, with the number
    /// of points taken, once every point has been checked and every violation resolved. The whole push is validated
    /// first: a bad point throws <see cref="InvalidPointException"/> naming its index, and no point of the push is taken
    /// (points of earlier pushes are kept). While a silo of the cluster is being replaced the push is tried again for up
    /// to <see cref="AutoMonClientOptions.PushRetryTimeout"/>.
    /// </summary>
    /// <exception cref="InvalidPointException">A point has the wrong number of components or a non-finite one.</exception>
    /// <exception cref="MonitorNotFoundException">No such monitor, or it has no such node.</exception>
    /// <exception cref="MonitorUnavailableException">The cluster could not take the points within the retry timeout;
    /// <see cref="MonitorUnavailableException.Accepted"/> of them were taken.</exception>
    /// <exception cref="PointsLostException">The node lost points with its silo that this producer no longer holds.</exception>
    public async Task<int> PushAsync(IReadOnlyList<double[]> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!MonitorKeys.IsValidName(Monitor))
        {
            throw new MonitorNotFoundException(Monitor, null);
        }

        if (!MonitorKeys.IsValidName(Name))
        {
            throw new MonitorNotFoundException(Monitor, Name);
        }

        // A null point stays default: the node grain rejects it by index like a short one.
        var batch = points.Select(p => p is null ? default : ImmutableArray.Create(p)).ToList();
        var grain = _grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(Monitor, Name));
        await _pushing.WaitAsync().ConfigureAwait(false);
        try
        {
            var deadline = DateTime.UtcNow + _retryTimeout;
            var replayed = 0; // points of earlier pushes sent again at the head of the batch
            var taken = 0;
            while (true)
            {
                PushResult result;
                try
                {
                    _next ??= (await grain.GetStatus().ConfigureAwait(false)).Updates;
                    result = await grain.Push(new PointBatch([.. batch], _next)).ConfigureAwait(false);
                }
                catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(RetryDelay).ConfigureAwait(false);
                    continue;
                }
                catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception))
                {
                    throw new MonitorUnavailableException(Monitor, Name, taken, exception.Message, exception);
                }

                switch (result.Status)
                {
                    case PushStatus.Accepted:
                        Taken(batch, batch.Count, result);
                        return points.Count;
                    case PushStatus.Rejected:
                        throw new InvalidPointException(Monitor, Name, result.Index - replayed + taken, result.Problem ?? "is invalid");
                    case PushStatus.Behind when result.Updates >= _unsavedStart:
                        // The node restored an older state: the points from its position on go first.
                        var resend = _unsaved.Skip((int)(result.Updates - _unsavedStart)).ToList();
                        _unsaved.RemoveRange(_unsaved.Count - resend.Count, resend.Count);
                        _next = result.Updates;
                        batch.InsertRange(0, resend);
                        replayed += resend.Count;
                        continue;
                    case PushStatus.Behind:
                        throw new PointsLostException(Monitor, Name, result.Updates, _unsavedStart);
                    case PushStatus.Unavailable when DateTime.UtcNow < deadline:
                        Taken(batch, result.Accepted, result);
                        var fresh = Math.Max(result.Accepted - replayed, 0);
                        replayed = Math.Max(replayed - result.Accepted, 0);
                        taken += fresh;
                        batch.RemoveRange(0, result.Accepted);
                        await Task.Delay(RetryDelay).ConfigureAwait(false);
                        continue;
                    case PushStatus.Unavailable:
                        Taken(batch, result.Accepted, result);
                        throw new MonitorUnavailableException(Monitor, Name, taken + Math.Max(result.Accepted - replayed, 0), result.Problem ?? "unavailable", null);
                    default:
                        var config = await _grains.GetGrain<IMonitorGrain>(Monitor).GetConfig().ConfigureAwait(false);
                        throw new MonitorNotFoundException(Monitor, config is null ? null : Name);
                }
            }
        }
        finally
        {
            _pushing.Release();
        }
    }

    // The first `count` points of the batch are the node's now: keep those the node has not written yet.
    private void Taken(List<ImmutableArray<double>> batch, int count, PushResult result)
    {
        if (_unsaved.Count == 0)
        {
            _unsavedStart = _next ?? 0;
        }

        _unsaved.AddRange(batch.Take(count));
        _next = result.Updates;
        var durable = Math.Clamp(result.Durable - _unsavedStart, 0, _unsaved.Count);
        _unsaved.RemoveRange(0, (int)durable);
        _unsavedStart += durable;
    }
}
