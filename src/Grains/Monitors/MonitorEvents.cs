using System.Diagnostics.Metrics;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// Watches a monitor (<see cref="IMonitorGrain.Subscribe"/>): the coordinator grain calls it once per estimate change and per
/// sync, and a last time when the monitor is deleted. Calls are one-way and may be run out of the order the grain made them
/// (seen on an Orleans client): order them by the snapshot's counters (each full sync k has FullSyncs = k).
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
}

/// <summary>One event of a monitor, with its estimate and counters right after it.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Snapshot">The monitor's state (for <see cref="MonitorEventKind.Deleted"/>: its last state).</param>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.MonitorEvent")]
public sealed record MonitorEvent([property: Id(0)] MonitorEventKind Kind, [property: Id(1)] MonitorSnapshot Snapshot);

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

    /// <summary>The tag of monitor <paramref name="id"/>.</summary>
    public static KeyValuePair<string, object?> Tag(string id) => new(MonitorTag, id);
}
