using System.Threading.Channels;
using AutoMon.Grains.Monitors;

namespace AutoMon.Client;

/// <summary>
/// The grain observer behind <see cref="AutoMonClient.WatchAsync"/>. The coordinator publishes one event per full sync k
/// with the state right after it (FullSyncs = k; the estimate changes only there), but the client may run the one-way
/// notifications out of order: the watcher keeps one state per full-sync count, releases them in order of that count into a
/// bounded buffer that drops the oldest when full, and ends with the deletion once every state before it is released.
/// </summary>
internal sealed class MonitorWatcher : IMonitorObserver
{
    private readonly Channel<Entry> _entries;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, MonitorState> _pending = [];
    private long _next = -1; // the full-sync count of the next state to release; -1 before Start
    private long? _end; // the full-sync count at deletion
    private long _nextAtLastRenewal = -1;
    private bool _completed;

    public MonitorWatcher(int capacity)
    {
        _capacity = capacity;
        _entries = Channel.CreateBounded<Entry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>Sets the state the stream started with: only later full syncs are released.</summary>
    public void Start(MonitorState first)
    {
        lock (_gate)
        {
            _next = first.FullSyncs + 1;
            foreach (var k in _pending.Keys.Where(k => k < _next).ToList())
            {
                _pending.Remove(k);
            }

            Release();
        }
    }

    public void OnEvent(MonitorEvent monitorEvent)
    {
        ArgumentNullException.ThrowIfNull(monitorEvent);
        var state = MonitorState.From(monitorEvent.Snapshot);
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (monitorEvent.Kind == MonitorEventKind.Deleted)
            {
                _end = state.FullSyncs;
            }
            else if (state.FullSyncs > 0 && (_next < 0 || state.FullSyncs >= _next))
            {
                // Several events per sync (full sync, estimate) carry the same state: one is kept.
                _pending.TryAdd(state.FullSyncs, state);
            }

            if (_next >= 0)
            {
                Release();
            }
        }
    }

    /// <summary>
    /// At each renewal: a state missing since the last renewal (a lost notification) is given up and the states after it
    /// released; when <paramref name="gone"/> (the monitor no longer exists), every pending state is released and the
    /// stream ends after them.
    /// </summary>
    public void Renewed(bool gone)
    {
        lock (_gate)
        {
            if (_completed || _next < 0)
            {
                return;
            }

            if (gone || _end is not null || _next == _nextAtLastRenewal)
            {
                while (_pending.Count > 0)
                {
                    _next = _pending.Keys.First();
                    Release();
                }
            }

            if (gone || _end is not null)
            {
                _end = Math.Min(_end ?? _next - 1, _next - 1);
                Release();
            }

            _nextAtLastRenewal = _next;
        }
    }

    // Under _gate, after Start: the pending states from _next on, in order, as long as none is missing.
    private void Release()
    {
        while (true)
        {
            while (_pending.Remove(_next, out var state))
            {
                _entries.Writer.TryWrite(new Entry(state, false));
                _next++;
            }

            if (_pending.Count <= _capacity)
            {
                break;
            }

            // Too many states wait for a missing one: give it up.
            _next = _pending.Keys.First();
        }

        if (_end is { } end && _next > end && !_completed)
        {
            _completed = true;
            _pending.Clear();
            _entries.Writer.TryWrite(new Entry(null, true));
            _entries.Writer.TryComplete();
        }
    }

    /// <summary>
    /// The next state, or (null, true) once the monitor was deleted and every state before was read, or (null, false) when
    /// nothing came within <paramref name="wait"/>.
    /// </summary>
    public async ValueTask<(MonitorState? State, bool Deleted)> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_entries.Reader.TryRead(out var ready))
        {
            return (ready.State, ready.Deleted);
        }

        if (wait <= TimeSpan.Zero)
        {
            return (null, false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            var entry = await _entries.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            return (entry.State, entry.Deleted);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, false);
        }
        catch (ChannelClosedException)
        {
            return (null, true);
        }
    }

    private readonly record struct Entry(MonitorState? State, bool Deleted);
}
