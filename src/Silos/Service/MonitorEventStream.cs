using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using AutoMon.Grains.Monitors;
using Microsoft.AspNetCore.Http;

namespace AutoMon.Silos.Service;

/// <summary>
/// <c>GET /api/monitors/{id}/events</c>: subscribes a grain observer to the monitor's coordinator grain and relays what it
/// publishes as server-sent events — first the monitor as it is (<c>snapshot</c>), then one event per sync and estimate
/// change, until the client goes or the monitor is deleted (<c>deleted</c>, the last event). What a producer in this process
/// publishes to the <see cref="MonitorTruthFeed"/> for the monitor comes as <c>truth</c> events (SSE event type <c>truth</c>),
/// the monitor's state plus <c>trueValue</c>.
/// </summary>
internal sealed class MonitorEventStream : IMonitorObserver
{
    // A client that reads slower than the monitor syncs loses the oldest events, never the newest (so never "deleted").
    private const int Capacity = 1024;

    private readonly Channel<Pending> _events = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private MonitorEventStream()
    {
    }

    public void OnEvent(MonitorEvent monitorEvent)
    {
        ArgumentNullException.ThrowIfNull(monitorEvent);
        _events.Writer.TryWrite(new Pending(MonitorEventView.KindName(monitorEvent.Kind), monitorEvent.Snapshot, null,
            monitorEvent.Kind == MonitorEventKind.Deleted));
    }

    private void OnTruth(MonitorTruth truth) =>
        _events.Writer.TryWrite(new Pending(MonitorEventView.Truth, truth.Snapshot, truth.TrueValue, false));

    /// <summary>The event stream of monitor <paramref name="id"/>; 404 when there is none (nothing is streamed then).</summary>
    public static async Task<IResult> GetAsync(string id, IGrainFactory grains, MonitorTruthFeed truths, CancellationToken cancellationToken)
    {
        if (!MonitorKeys.IsValidName(id))
        {
            return MonitorApi.UnknownMonitor(id);
        }

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
        IAsyncEnumerable<SseItem<MonitorEventView>> events = stream.RelayAsync(grains, monitor, observer, truthSubscription, snapshot, cancellationToken);
        return TypedResults.ServerSentEvents(events);
    }

    private async IAsyncEnumerable<SseItem<MonitorEventView>> RelayAsync(
        IGrainFactory grains, IMonitorGrain monitor, IMonitorObserver observer, IDisposable truthSubscription, MonitorSnapshot snapshot,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            yield return Item(new Pending(MonitorEventView.Snapshot, snapshot, null, false));
            while (true)
            {
                Pending? next = null;
                using (var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    renewal.CancelAfter(MonitorSubscription.Renewal);
                    try
                    {
                        next = await _events.Reader.ReadAsync(renewal.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Nothing for a while: renew the subscription. No monitor any more: its "deleted" event is queued.
                        await monitor.Subscribe(observer).ConfigureAwait(false);
                    }
                }

                if (next is null)
                {
                    continue;
                }

                yield return Item(next);
                if (next.Last)
                {
                    yield break;
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

    // Truths are their own SSE event type, so EventSource.onmessage sees the monitor's events only.
    private static SseItem<MonitorEventView> Item(Pending pending) =>
        new(MonitorEventView.From(pending.Kind, MonitorView.From(pending.Snapshot), pending.TrueValue),
            pending.TrueValue is null ? null : MonitorEventView.Truth);

    // An event to relay: its kind, the monitor's state, the true value (truth events only), and whether it is the last.
    private sealed record Pending(string Kind, MonitorSnapshot Snapshot, double? TrueValue, bool Last);
}

/// <summary>An event of <c>GET /api/monitors/{id}/events</c>: the monitor as <c>GET /api/monitors/{id}</c> shows it, and what happened.</summary>
/// <param name="Kind"><c>snapshot</c> (the first event), <c>full_sync</c>, <c>lazy_sync</c>, <c>estimate</c>, <c>truth</c> or
/// <c>deleted</c> (the last).</param>
/// <param name="TrueValue">Truth events only: f(x̄) as the producer computed it when the monitor was in this state; omitted
/// from the JSON of every other event.</param>
public sealed record MonitorEventView(
    string Kind, string Id, string Function, int Dimension, int Window, double? Estimate, double ErrorBound, long Updates, long Messages,
    long FullSyncs, long LazySyncs, long Violations, IReadOnlyList<NodeView> Nodes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TrueValue = null)
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
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary><paramref name="view"/> as an event of <paramref name="kind"/>.</summary>
    public static MonitorEventView From(string kind, MonitorView view, double? trueValue = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new MonitorEventView(kind, view.Id, view.Function, view.Dimension, view.Window, view.Estimate, view.ErrorBound, view.Updates,
            view.Messages, view.FullSyncs, view.LazySyncs, view.Violations, view.Nodes, trueValue);
    }
}
