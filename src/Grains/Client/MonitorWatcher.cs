using System.Threading.Channels;
using AutoMon.Grains.Monitors;

namespace AutoMon.Client;

/// <summary>
/// The grain observer behind <see cref="AutoMonClient.WatchAsync"/>: keeps, of the monitor's events, those that change the
/// estimate or the full-sync count, as states in a bounded buffer that drops the oldest when full (never the newest, so never
/// the deletion, which is the last event).
/// </summary>
internal sealed class MonitorWatcher : IMonitorObserver
{
    private readonly Channel<Entry> _entries;
    private readonly Lock _gate = new();
    private MonitorState? _last;
    private bool _deleted;

    public MonitorWatcher(int capacity) =>
        _entries = Channel.CreateBounded<Entry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });

    /// <summary>True when no state or deletion is pending.</summary>
    public bool IsEmpty => _entries.Reader.Count == 0;

    /// <summary>Sets the state the stream started with: events older than it (or equal to it) are not yielded again.</summary>
    public void Start(MonitorState first)
    {
        lock (_gate)
        {
            _last ??= first;
        }
    }

    public void OnEvent(MonitorEvent monitorEvent)
    {
        ArgumentNullException.ThrowIfNull(monitorEvent);
        var state = MonitorState.From(monitorEvent.Snapshot);
        lock (_gate)
        {
            if (_deleted)
            {
                return;
            }

            if (monitorEvent.Kind == MonitorEventKind.Deleted)
            {
                _deleted = true;
                _entries.Writer.TryWrite(new Entry(null, true));
                _entries.Writer.TryComplete();
                return;
            }

            // Events can come before Start (the subscription is in place before Subscribe returns): keep them; the reader
            // drops what its first state already shows.
            if (_last is { } last && !Changes(state, last))
            {
                return;
            }

            _last = state;
            _entries.Writer.TryWrite(new Entry(state, false));
        }
    }

    /// <summary>True when <paramref name="state"/> has another estimate or full-sync count than <paramref name="last"/>.</summary>
    public static bool Changes(MonitorState state, MonitorState last) =>
        state.FullSyncs != last.FullSyncs || !Nullable.Equals(state.Estimate, last.Estimate);

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
