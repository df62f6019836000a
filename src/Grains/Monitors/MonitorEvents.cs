using System.Diagnostics.Metrics;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// Watches a monitor (<see cref="IMonitorGrain.Subscribe"/>): the coordinator grain calls it once per estimate change and per
/// sync, and a last time when the monitor is deleted. Calls are one-way and may be run out of the order the grain made them
/// (seen on an Orleans client): order them by <see cref="MonitorEvent.Sequence"/> (<see cref="MonitorEventOrder"/>).
/// </summary>
[Alias("AutoMon.Grains.IMonitorObserver")]
public interface IMonitorObserver : IGrainObserver
{
    /// <summary>Something happened to the monitor; <see cref="MonitorEvent.Snapshot"/> is its state right after.</summary>
    [Alias("OnEvent")]
    void OnEvent(MonitorEvent monitorEvent);
}

/// <summary>How long a subscription to a monitor's events lasts, and how often a watcher renews it.</summary>
public static class MonitorSubscription
{
    /// <summary>A subscription not renewed for this long lapses (a watcher that vanished without unsubscribing).</summary>
    public static TimeSpan Lifetime { get; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a watcher renews its subscription (well within <see cref="Lifetime"/>).</summary>
    public static TimeSpan Renewal { get; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The key of an optional keyed <see cref="TimeProvider"/> service that times subscriptions (their lapse in the grain,
    /// their renewal in the service's event stream); the system clock when none is registered (tests set one).
    /// </summary>
    public const string ClockKey = "AutoMon.MonitorSubscriptionClock";
}

/// <summary>What a <see cref="MonitorEvent"/> reports.</summary>
public enum MonitorEventKind
{
    /// <summary>The estimate changed (a full sync moved x0).</summary>
    Estimate,

    /// <summary>A full sync with all nodes.</summary>
    FullSync,

    /// <summary>A lazy sync with some nodes (the estimate is unchanged).</summary>
    LazySync,

    /// <summary>The monitor was deleted: the last event an observer gets.</summary>
    Deleted,

    /// <summary>The monitor recovered from a lost silo (<see cref="MonitorSnapshot.LastRecovery"/>): the guarantee holds again.</summary>
    Recovered,
}

/// <summary>One event of a monitor, with its estimate and counters right after it.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Snapshot">The monitor's state (for <see cref="MonitorEventKind.Deleted"/>: its last state).</param>
/// <param name="Sequence">The event's number: the monitor's events are numbered 1, 2, 3, … in the order the grain publishes
/// them (<see cref="MonitorSnapshot.LastEvent"/> is the number of the last one before a state was read).</param>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.MonitorEvent")]
public sealed record MonitorEvent(
    [property: Id(0)] MonitorEventKind Kind, [property: Id(1)] MonitorSnapshot Snapshot, [property: Id(2)] long Sequence);

/// <summary>
/// Puts a monitor's events back in the order the grain published them (<see cref="MonitorEvent.Sequence"/>): an event is
/// released once every event before it was; one older than an event already released (or a duplicate) is dropped. A missing
/// event holds back the ones after it until <see cref="SkipGap"/> gives it up (the caller's bounded wait) or more than the
/// capacity wait. A caller that shows other states among the events (their <see cref="MonitorSnapshot.LastEvent"/>) shows
/// one once <see cref="LastReleased"/> reached its LastEvent. Not thread-safe: one reader feeds it.
/// </summary>
public sealed class MonitorEventOrder
{
    private readonly SortedDictionary<long, MonitorEvent> _pending = [];
    private readonly int _capacity;
    private long _next;

    /// <summary>An order that releases the events after <paramref name="lastEvent"/> (the subscription's
    /// <see cref="MonitorSnapshot.LastEvent"/>), holding at most <paramref name="capacity"/> behind a missing one.</summary>
    public MonitorEventOrder(long lastEvent, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastEvent);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _next = lastEvent + 1;
        _capacity = capacity;
    }

    /// <summary>True while events wait for a missing one.</summary>
    public bool HasGap => _pending.Count > 0;

    /// <summary>Takes an arrival; returns the events it releases, in order (none when it is older or must wait).</summary>
    public IReadOnlyList<MonitorEvent> Add(MonitorEvent monitorEvent)
    {
        ArgumentNullException.ThrowIfNull(monitorEvent);
        if (monitorEvent.Sequence < _next)
        {
            return [];
        }

        _pending.TryAdd(monitorEvent.Sequence, monitorEvent);
        var released = new List<MonitorEvent>();
        Release(released);
        if (_pending.Count > _capacity)
        {
            released.AddRange(SkipGap());
        }

        return released;
    }

    /// <summary>The sequence number of the last event released or given up.</summary>
    public long LastReleased => _next - 1;

    /// <summary>Gives up the missing events before the first waiting one; returns the events that releases, in order.</summary>
    public IReadOnlyList<MonitorEvent> SkipGap() => _pending.Count > 0 ? SkipTo(_pending.Keys.First() - 1) : [];

    /// <summary>Gives up every missing event up to <paramref name="sequence"/> (an arrival up to it is then dropped);
    /// returns the waiting events that releases, in order.</summary>
    public IReadOnlyList<MonitorEvent> SkipTo(long sequence)
    {
        var released = new List<MonitorEvent>();
        while (_pending.Count > 0 && _pending.Keys.First() <= sequence)
        {
            _next = _pending.Keys.First();
            Release(released);
        }

        _next = Math.Max(_next, sequence + 1);
        Release(released);
        return released;
    }

    private void Release(List<MonitorEvent> released)
    {
        while (_pending.Remove(_next, out var next))
        {
            released.Add(next);
            _next++;
        }
    }
}

/// <summary>
/// The monitors' instruments (meter <c>AutoMon</c>), counted where the grains count: each tagged <c>monitor</c> with the
/// monitor id. Exported by the service as Prometheus <c>automon_*_total</c> (docs/service.md).
/// </summary>
internal static class MonitorMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "AutoMon";

    /// <summary>The tag that carries the monitor id.</summary>
    public const string MonitorTag = "monitor";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Points taken by a monitor's nodes.</summary>
    public static readonly Counter<long> Updates = Meter.CreateCounter<long>("automon.updates", null, "Points taken by the monitor's nodes");

    /// <summary>Violations the coordinator received.</summary>
    public static readonly Counter<long> Violations = Meter.CreateCounter<long>("automon.violations", null, "Violations the monitor's coordinator received");

    /// <summary>Protocol messages between coordinator and nodes.</summary>
    public static readonly Counter<long> Messages = Meter.CreateCounter<long>("automon.messages", null, "Protocol messages between the monitor's coordinator and nodes");

    /// <summary>Full syncs.</summary>
    public static readonly Counter<long> FullSyncs = Meter.CreateCounter<long>("automon.full_syncs", null, "Full syncs of the monitor");

    /// <summary>Lazy syncs.</summary>
    public static readonly Counter<long> LazySyncs = Meter.CreateCounter<long>("automon.lazy_syncs", null, "Lazy syncs of the monitor");

    /// <summary>Writes of node and coordinator state to grain storage.</summary>
    public static readonly Counter<long> StateWrites = Meter.CreateCounter<long>("automon.state_writes", null, "Writes of the monitor's grain state to grain storage");

    /// <summary>Recoveries (full syncs with every node after a lost silo).</summary>
    public static readonly Counter<long> Recoveries = Meter.CreateCounter<long>("automon.recoveries", null, "Recoveries of the monitor after a lost silo");

    /// <summary>The tag of monitor <paramref name="id"/>.</summary>
    public static KeyValuePair<string, object?> Tag(string id) => new(MonitorTag, id);
}
