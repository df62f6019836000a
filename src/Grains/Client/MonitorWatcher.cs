using System.Threading.Channels;
using AutoMon.Grains.Monitors;

namespace AutoMon.Client;

/// <summary>
/// The grain observer behind <see cref="AutoMonClient.WatchAsync"/>. The client may run the coordinator's one-way
/// notifications out of order: the watcher puts them back in the order the grain published them (<see cref="MonitorEventOrder"/>,
/// from the subscription's <see cref="MonitorSnapshot.LastEvent"/> on), gives up a missing one after <see cref="GapWait"/>
/// (or when the monitor is gone), and keeps one state per full sync: a released event's state when its full-sync count grew
/// or its estimate changed since the last state kept (a lazy sync alone gives none). The states go into a bounded buffer
/// that drops the oldest when full; the deletion ends it.
/// </summary>
internal sealed class MonitorWatcher : IMonitorObserver
{
    /// <summary>How long events wait for a missing one before it is given up (as the service's event stream does).</summary>
    internal static readonly TimeSpan GapWait = TimeSpan.FromSeconds(2);

    private readonly Channel<Entry> _entries;
    private readonly int _capacity;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private List<MonitorEvent>? _early = []; // arrivals before Start; null after
    private MonitorEventOrder? _order;
    private MonitorState? _last; // the last state released
    private DateTimeOffset? _gapSince; // since when released events wait for a missing one
    private bool _completed;

    public MonitorWatcher(int capacity, TimeProvider? clock = null)
    {
        _capacity = capacity;
        _clock = clock ?? TimeProvider.System;
        _entries = Channel.CreateBounded<Entry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>Sets the state the stream started with (the subscription's snapshot): only the events after it count.</summary>
    public void Start(MonitorSnapshot first)
    {
        ArgumentNullException.ThrowIfNull(first);
        lock (_gate)
        {
            _order = new MonitorEventOrder(first.LastEvent, _capacity);
            _last = MonitorState.From(first);
            var early = _early!;
            _early = null;
            foreach (var monitorEvent in early)
            {
                Emit(_order.Add(monitorEvent));
            }
        }
    }

    public void OnEvent(MonitorEvent monitorEvent)
    {
        ArgumentNullException.ThrowIfNull(monitorEvent);
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (_order is null)
            {
                _early!.Add(monitorEvent);
                return;
            }

            Emit(_order.Add(monitorEvent));
        }
    }

    /// <summary>The monitor no longer exists (its deletion got lost): every waiting event is released and the stream ends.</summary>
    public void Gone()
    {
        lock (_gate)
        {
            if (_completed || _order is null)
            {
                return;
            }

            while (_order.HasGap && !_completed)
            {
                Emit(_order.SkipGap());
            }

            Complete();
        }
    }

    // Under _gate, after Start: the released events' states, one per full sync; the deletion ends the stream.
    private void Emit(IReadOnlyList<MonitorEvent> released)
    {
        foreach (var monitorEvent in released)
        {
            if (_completed)
            {
                return;
            }

            if (monitorEvent.Kind == MonitorEventKind.Deleted)
            {
                Complete();
                return;
            }

            var state = MonitorState.From(monitorEvent.Snapshot);
            if (state.FullSyncs > _last!.FullSyncs || state.Estimate != _last.Estimate)
            {
                _last = state;
                _entries.Writer.TryWrite(new Entry(state, false));
            }
        }

        _gapSince = _order!.HasGap ? _gapSince ?? _clock.GetUtcNow() : null;
    }

    // Under _gate.
    private void Complete()
    {
        if (!_completed)
        {
            _completed = true;
            _gapSince = null;
            _entries.Writer.TryWrite(new Entry(null, true));
            _entries.Writer.TryComplete();
        }
    }

    // Under _gate: a gap waited GapWait by now gives up the missing events; the deadline of the one still waiting, if any.
    private DateTimeOffset? GiveUpGap(DateTimeOffset now)
    {
        if (_gapSince is { } since && now >= since + GapWait)
        {
            _gapSince = null;
            Emit(_order!.SkipGap());
        }

        return _gapSince + GapWait;
    }

    /// <summary>
    /// The next state, or (null, true) once the monitor was deleted and every state before was read, or (null, false) when
    /// nothing came within <paramref name="wait"/>. Gives up a missing event that held the ones after it for <see cref="GapWait"/>.
    /// </summary>
    public async ValueTask<(MonitorState? State, bool Deleted)> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = _clock.GetUtcNow() + (wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        while (true)
        {
            if (_entries.Reader.TryRead(out var ready))
            {
                return (ready.State, ready.Deleted);
            }

            if (_entries.Reader.Completion.IsCompleted)
            {
                return (null, true);
            }

            var now = _clock.GetUtcNow();
            DateTimeOffset? gapDeadline;
            lock (_gate)
            {
                gapDeadline = GiveUpGap(now);
            }

            if (_entries.Reader.TryPeek(out _))
            {
                continue;
            }

            var until = gapDeadline is { } gap && gap < deadline ? gap : deadline;
            if (until <= now)
            {
                return (null, false);
            }

            using var timeout = new CancellationTokenSource(until - now, _clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                var entry = await _entries.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                return (entry.State, entry.Deleted);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The gap's or the caller's wait is over: look again.
            }
            catch (ChannelClosedException)
            {
                return (null, true);
            }
        }
    }

    private readonly record struct Entry(MonitorState? State, bool Deleted);
}
