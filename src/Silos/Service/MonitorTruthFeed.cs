using AutoMon.Grains.Monitors;

namespace AutoMon.Silos.Service;

/// <summary>
/// The true value f(x̄) of a monitor, as a producer that knows every node's window computed it, with the monitor's state at
/// that moment (read after the producer's pushes returned, so |estimate − trueValue| ≤ ε holds for the pair).
/// </summary>
/// <param name="Snapshot">The monitor as it was when <paramref name="TrueValue"/> was computed.</param>
/// <param name="TrueValue">f of the mean of the nodes' local vectors.</param>
public sealed record MonitorTruth(MonitorSnapshot Snapshot, double TrueValue)
{
    /// <summary>The monitor's id.</summary>
    public string MonitorId => Snapshot.Id;
}

/// <summary>
/// In-process publish/subscribe of <see cref="MonitorTruth"/>s, by monitor id: the demo producer (or any producer in the
/// service's process that knows f(x̄)) publishes, each <c>GET /api/monitors/{id}/events</c> stream of that monitor relays
/// it as a <c>truth</c> event. Nothing is stored: a truth published while nobody listens is gone.
/// </summary>
public sealed class MonitorTruthFeed
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Action<MonitorTruth>>> _subscribers = new(StringComparer.Ordinal);

    /// <summary>
    /// Calls <paramref name="handler"/> with every truth of monitor <paramref name="monitorId"/> published from now until
    /// the returned subscription is disposed. The handler runs on the publisher's thread: it should only queue the truth.
    /// </summary>
    public IDisposable Subscribe(string monitorId, Action<MonitorTruth> handler)
    {
        ArgumentNullException.ThrowIfNull(monitorId);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(monitorId, out var handlers))
            {
                _subscribers[monitorId] = handlers = [];
            }

            handlers.Add(handler);
        }

        return new Subscription(this, monitorId, handler);
    }

    /// <summary>Hands <paramref name="truth"/> to the subscribers of its monitor.</summary>
    public void Publish(MonitorTruth truth)
    {
        ArgumentNullException.ThrowIfNull(truth);
        Action<MonitorTruth>[] handlers;
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(truth.MonitorId, out var list))
            {
                return;
            }

            handlers = [.. list];
        }

        foreach (var handler in handlers)
        {
            handler(truth);
        }
    }

    /// <summary>The number of subscriptions to <paramref name="monitorId"/>'s truths.</summary>
    public int SubscriberCount(string monitorId)
    {
        lock (_gate)
        {
            return _subscribers.TryGetValue(monitorId, out var list) ? list.Count : 0;
        }
    }

    private void Unsubscribe(string monitorId, Action<MonitorTruth> handler)
    {
        lock (_gate)
        {
            if (_subscribers.TryGetValue(monitorId, out var list) && list.Remove(handler) && list.Count == 0)
            {
                _subscribers.Remove(monitorId);
            }
        }
    }

    private sealed class Subscription(MonitorTruthFeed feed, string monitorId, Action<MonitorTruth> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Unsubscribe(monitorId, handler);
            }
        }
    }
}
