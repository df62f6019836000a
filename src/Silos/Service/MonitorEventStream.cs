using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using AutoMon.Grains.Monitors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AutoMon.Silos.Service;

/// <summary>
/// <c>GET /api/monitors/{id}/events</c>: subscribes a grain observer to the monitor's coordinator grain and relays what it
/// publishes as server-sent events — first the monitor as it is (<c>snapshot</c>), then one event per sync and estimate
/// change, until the client goes or the monitor is deleted (<c>deleted</c>, the last event). What a producer in this process
/// publishes to the <see cref="MonitorTruthFeed"/> for the monitor comes as <c>truth</c> events (SSE event type <c>truth</c>),
/// the monitor's state plus <c>trueValue</c>.
/// </summary>
/// <remarks>
/// Orleans may run the grain's one-way notifications out of order: the stream relays them in the order of their
/// <see cref="MonitorEvent.Sequence"/> (<see cref="MonitorEventOrder"/>), holding the ones after a missing event for at most
/// <see cref="GapWait"/>, and never one older than an event already relayed; a truth comes after the events published
/// before its state (<see cref="MonitorSnapshot.LastEvent"/>). It renews its subscription every
/// <see cref="MonitorSubscription.Renewal"/> by the clock, however busy the monitor is.
/// </remarks>
internal sealed class MonitorEventStream : IMonitorObserver
{
    // A client that reads slower than the monitor syncs loses the oldest events, never the newest (so never "deleted":
    // nothing is queued after it).
    private const int Capacity = 1024;

    /// <summary>How long events wait for a missing one before it is given up.</summary>
    internal static readonly TimeSpan GapWait = TimeSpan.FromSeconds(2);

    private readonly Channel<Arrival> _arrivals = Channel.CreateBounded<Arrival>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private volatile bool _deleted;

    private MonitorEventStream()
    {
    }

    public void OnEvent(MonitorEvent monitorEvent)
    {
        ArgumentNullException.ThrowIfNull(monitorEvent);
        if (monitorEvent.Kind == MonitorEventKind.Deleted)
        {
            _deleted = true;
        }

        _arrivals.Writer.TryWrite(new Arrival(monitorEvent, null));
    }

    private void OnTruth(MonitorTruth truth)
    {
        if (!_deleted)
        {
            _arrivals.Writer.TryWrite(new Arrival(null, truth));
        }
    }

    /// <summary>The event stream of monitor <paramref name="id"/>; 404 when there is none (nothing is streamed then).</summary>
    public static async Task<IResult> GetAsync(
        string id, IGrainFactory grains, MonitorTruthFeed truths, HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!MonitorKeys.IsValidName(id))
        {
            return MonitorApi.UnknownMonitor(id);
        }

        var clock = context.RequestServices.GetKeyedService<TimeProvider>(MonitorSubscription.ClockKey) ?? TimeProvider.System;
        var stream = new MonitorEventStream();
        var observer = grains.CreateObjectReference<IMonitorObserver>(stream);
        var monitor = grains.GetGrain<IMonitorGrain>(id);
        MonitorSnapshot? snapshot;
        try
        {
            snapshot = await monitor.Subscribe(observer).ConfigureAwait(false);
        }
        catch
        {
            grains.DeleteObjectReference<IMonitorObserver>(observer);
            throw;
        }

        if (snapshot is null)
        {
            grains.DeleteObjectReference<IMonitorObserver>(observer);
            return MonitorApi.UnknownMonitor(id);
        }

        var truthSubscription = truths.Subscribe(id, stream.OnTruth);
        IAsyncEnumerable<SseItem<MonitorEventView>> events =
            stream.RelayAsync(grains, monitor, observer, truthSubscription, snapshot, clock, cancellationToken);
        return TypedResults.ServerSentEvents(events);
    }

    private async IAsyncEnumerable<SseItem<MonitorEventView>> RelayAsync(
        IGrainFactory grains, IMonitorGrain monitor, IMonitorObserver observer, IDisposable truthSubscription, MonitorSnapshot snapshot,
        TimeProvider clock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var order = new MonitorEventOrder(snapshot.LastEvent, Capacity);
            var latest = snapshot; // the state of the last event relayed
            var renewal = clock.GetUtcNow() + MonitorSubscription.Renewal;
            DateTimeOffset? gapSince = null;
            IReadOnlyList<MonitorEvent> ready = [];
            var truths = new Queue<MonitorTruth>(); // waiting for the events published before their state
            yield return Item(MonitorEventView.Snapshot, snapshot, null);
            while (true)
            {
                // By the clock, however many events come: a busy monitor's subscription must not lapse. No monitor any
                // more: its "deleted" event is on its way.
                if (clock.GetUtcNow() >= renewal)
                {
                    await monitor.Subscribe(observer).ConfigureAwait(false);
                    renewal = clock.GetUtcNow() + MonitorSubscription.Renewal;
                }

                foreach (var monitorEvent in ready)
                {
                    latest = monitorEvent.Snapshot;
                    yield return Item(MonitorEventView.KindName(monitorEvent.Kind), monitorEvent.Snapshot, null);
                    if (monitorEvent.Kind == MonitorEventKind.Deleted)
                    {
                        yield break;
                    }
                }

                // A truth after the events published before its state, unless an event relayed since is newer.
                while (truths.TryPeek(out var truth) && truth.Snapshot.LastEvent <= order.LastReleased)
                {
                    truths.Dequeue();
                    if (!IsOlder(truth.Snapshot, latest))
                    {
                        latest = truth.Snapshot;
                        yield return Item(MonitorEventView.Truth, truth.Snapshot, truth.TrueValue);
                    }
                }

                ready = [];
                gapSince = order.HasGap || truths.Count > 0 ? gapSince ?? clock.GetUtcNow() : null;
                var now = clock.GetUtcNow();
                var wait = renewal - now;
                if (gapSince is { } gap && gap + GapWait - now < wait)
                {
                    wait = gap + GapWait - now;
                }

                Arrival? arrival = null;
                if (wait > TimeSpan.Zero)
                {
                    using var timeout = new CancellationTokenSource(wait, clock);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                    try
                    {
                        arrival = await _arrivals.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                    }
                }

                if (arrival is { Event: { } received })
                {
                    ready = order.Add(received);
                }
                else if (arrival is { Truth: { } truthReceived })
                {
                    truths.Enqueue(truthReceived);
                    if (truths.Count > Capacity)
                    {
                        truths.Dequeue();
                    }
                }
                else if (gapSince is { } since && clock.GetUtcNow() >= since + GapWait)
                {
                    // A notification lost (or slower than GapWait): relay what waits for it.
                    ready = truths.TryPeek(out var waiting) ? order.SkipTo(waiting.Snapshot.LastEvent) : order.SkipGap();
                    gapSince = null;
                }
            }
        }
        finally
        {
            truthSubscription.Dispose();
            grains.DeleteObjectReference<IMonitorObserver>(observer);
            // The client left (or the monitor is gone): stop the coordinator's notifications; a failure here only leaves a
            // subscription that lapses by itself.
            _ = monitor.Unsubscribe(observer).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    // A truth's state older than the last relayed: some counter is behind (the counters only grow).
    private static bool IsOlder(MonitorSnapshot state, MonitorSnapshot than) =>
        state.FullSyncs < than.FullSyncs || state.LazySyncs < than.LazySyncs || state.Messages < than.Messages
        || state.Violations < than.Violations || state.Updates < than.Updates;

    // Truths are their own SSE event type, so EventSource.onmessage sees the monitor's events only.
    private static SseItem<MonitorEventView> Item(string kind, MonitorSnapshot snapshot, double? trueValue) =>
        new(MonitorEventView.From(kind, MonitorView.From(snapshot), trueValue), trueValue is null ? null : MonitorEventView.Truth);

    // What the grain or the truth feed handed over.
    private sealed record Arrival(MonitorEvent? Event, MonitorTruth? Truth);
}

/// <summary>An event of <c>GET /api/monitors/{id}/events</c>: the monitor as <c>GET /api/monitors/{id}</c> shows it, and what happened.</summary>
/// <param name="Kind"><c>snapshot</c> (the first event), <c>full_sync</c>, <c>lazy_sync</c>, <c>estimate</c>, <c>truth</c> or
/// <c>deleted</c> (the last), or <c>recovered</c> (after a lost silo; <c>lastRecovery</c> of the monitor says more).</param>
/// <param name="TrueValue">Truth events only: f(x̄) as the producer computed it when the monitor was in this state; omitted
/// from the JSON of every other event.</param>
public sealed record MonitorEventView(
    string Kind, string Id, string Function, int Dimension, int Window, double? Estimate, double ErrorBound, long Updates, long Messages,
    long FullSyncs, long LazySyncs, long Violations, IReadOnlyList<NodeView> Nodes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TrueValue = null, bool Recovering = false, long Recoveries = 0)
{
    /// <summary>The first event: the monitor when the stream opened.</summary>
    public const string Snapshot = "snapshot";

    /// <summary>The kind and SSE event type of a <see cref="MonitorTruth"/>: the monitor's state with its true value.</summary>
    public const string Truth = "truth";

    /// <summary>The wire name of <paramref name="kind"/>.</summary>
    public static string KindName(MonitorEventKind kind) => kind switch
    {
        MonitorEventKind.Estimate => "estimate",
        MonitorEventKind.FullSync => "full_sync",
        MonitorEventKind.LazySync => "lazy_sync",
        MonitorEventKind.Deleted => "deleted",
        MonitorEventKind.Recovered => "recovered",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary><paramref name="view"/> as an event of <paramref name="kind"/>.</summary>
    public static MonitorEventView From(string kind, MonitorView view, double? trueValue = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new MonitorEventView(kind, view.Id, view.Function, view.Dimension, view.Window, view.Estimate, view.ErrorBound, view.Updates,
            view.Messages, view.FullSyncs, view.LazySyncs, view.Violations, view.Nodes, trueValue, view.Recovering, view.Recoveries);
    }
}
