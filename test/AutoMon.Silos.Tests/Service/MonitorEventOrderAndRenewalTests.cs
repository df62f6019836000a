using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoMon.Grains.Monitors;

namespace AutoMon.Silos.Tests.Service;

/// <summary>The order of a monitor's events (<see cref="MonitorEventOrder"/>), as the event stream relays them.</summary>
public sealed class MonitorEventOrderTests
{
    private static MonitorEvent Event(long sequence, MonitorEventKind kind = MonitorEventKind.FullSync) =>
        new(kind, new MonitorSnapshot { Id = "m", FullSyncs = sequence }, sequence);

    [Fact]
    public void Events_are_released_in_sequence_order_and_an_older_one_is_dropped()
    {
        var order = new MonitorEventOrder(lastEvent: 1, capacity: 16);
        var released = new List<long>();
        void Add(long sequence, MonitorEventKind kind = MonitorEventKind.FullSync) =>
            released.AddRange(order.Add(Event(sequence, kind)).Select(e => e.Sequence));

        Add(1); // before the subscription's state: dropped
        Add(3); // waits for 2
        Assert.Empty(released);
        Assert.True(order.HasGap);
        Add(2);
        Assert.Equal([2, 3], released);
        Add(2); // a duplicate, or the "2, 3, 2" seen from Orleans: dropped
        Add(5, MonitorEventKind.Deleted);
        Add(4);
        Assert.Equal([2, 3, 4, 5], released);
        Assert.False(order.HasGap);
        Assert.Equal(5, order.LastReleased);
    }

    [Fact]
    public void A_missing_event_is_given_up_when_asked_or_past_the_capacity_and_the_deletion_still_comes_last()
    {
        var order = new MonitorEventOrder(lastEvent: 0, capacity: 2);
        Assert.Equal([1], order.Add(Event(1)).Select(e => e.Sequence));
        Assert.Empty(order.Add(Event(3)));
        Assert.Empty(order.Add(Event(4)));
        Assert.Equal([3, 4, 5], order.Add(Event(5)).Select(e => e.Sequence)); // three wait for 2: it is given up
        Assert.Empty(order.Add(Event(2))); // too late: older than what was released

        Assert.Empty(order.Add(Event(8, MonitorEventKind.Deleted)));
        Assert.Empty(order.Add(Event(7)));
        var released = order.SkipGap(); // 6 never comes
        Assert.Equal([7, 8], released.Select(e => e.Sequence));
        Assert.Equal(MonitorEventKind.Deleted, released[^1].Kind);
        Assert.Empty(order.Add(Event(6)));
    }

    [Fact]
    public void Skipping_to_a_sequence_releases_what_waits_up_to_it_and_drops_later_arrivals_up_to_it()
    {
        var order = new MonitorEventOrder(lastEvent: 0, capacity: 16);
        Assert.Empty(order.Add(Event(3)));
        Assert.Empty(order.Add(Event(6)));
        Assert.Equal([3], order.SkipTo(4).Select(e => e.Sequence));
        Assert.Equal(4, order.LastReleased);
        Assert.Empty(order.Add(Event(4)));
        Assert.Equal([5, 6], order.Add(Event(5)).Select(e => e.Sequence));
    }
}

/// <summary>
/// The grain's event numbering and the event stream's renewal, on a service whose subscriptions lapse and renew by a manual
/// clock: the test moves it, so a subscription lapses (<see cref="MonitorSubscription.Lifetime"/>) within the test.
/// </summary>
public sealed class MonitorSubscriptionTests(MonitorSubscriptionTests.ClockFixture service) : IClassFixture<MonitorSubscriptionTests.ClockFixture>
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(60);

    private HttpClient Http => service.Service.Http;

    [Fact]
    public async Task The_grain_numbers_its_events_consecutively_from_the_subscriptions_state_to_the_deletion()
    {
        const string id = "numbered-1";
        Assert.Equal(HttpStatusCode.Created, (await Create(id)).StatusCode);
        var grains = service.Service.Grains;
        var monitor = grains.GetGrain<IMonitorGrain>(id);
        var observer = new Recorder();
        var reference = grains.CreateObjectReference<IMonitorObserver>(observer);
        try
        {
            var first = await monitor.Subscribe(reference);
            Assert.NotNull(first);
            Assert.Equal(0, first.LastEvent);
            for (var step = 1; step <= 4; step++)
            {
                Assert.Equal(HttpStatusCode.OK, (await Push(id, "a", [[step * 3.0, step]])).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await Push(id, "b", [[step, step * 5.0]])).StatusCode);
            }

            var last = (await monitor.GetSnapshot())!.LastEvent;
            Assert.True(last >= 2, $"the pushes caused {last} events");
            Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"api/monitors/{id}")).StatusCode);
            // Every notification, however Orleans orders them: the events up to the deletion's.
            for (var k = 0; k <= last; k++)
            {
                Assert.True(await observer.Received.WaitAsync(StreamTimeout));
            }

            var events = observer.Events.OrderBy(e => e.Sequence).ToList();
            Assert.Equal(Enumerable.Range(1, (int)last + 1).Select(k => (long)k), events.Select(e => e.Sequence));
            Assert.Equal(MonitorEventKind.Deleted, events[^1].Kind);
            Assert.All(events.Zip(events.Skip(1)), pair => Assert.True(pair.First.Snapshot.Messages <= pair.Second.Snapshot.Messages));
        }
        finally
        {
            grains.DeleteObjectReference<IMonitorObserver>(reference);
        }
    }

    [Fact]
    public async Task The_event_stream_renews_its_subscription_by_the_clock_under_steady_traffic()
    {
        const string id = "renewed-1";
        Assert.Equal(HttpStatusCode.Created, (await Create(id)).StatusCode);
        var monitor = service.Service.Grains.GetGrain<IMonitorGrain>(id);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var response = await Http.GetAsync($"api/monitors/{id}/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("snapshot", (string?)(await NextEvent(events, timeout.Token))["kind"]);

        // An event every 40 s of the clock, past the subscription's lifetime: the stream is never quiet for a renewal period.
        var step = TimeSpan.FromSeconds(40);
        var steps = (int)(MonitorSubscription.Lifetime / step) + 3;
        for (var k = 1; k <= steps; k++)
        {
            service.Clock.Advance(step);
            var before = (await monitor.GetSnapshot())!;
            var value = 2.0 * k * (k % 2 == 0 ? 1 : -1);
            Assert.Equal(HttpStatusCode.OK, (await Push(id, "a", [[value, value]])).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Push(id, "b", [[value, value]])).StatusCode);
            var after = (await monitor.GetSnapshot())!;
            Assert.True(after.LastEvent > before.LastEvent, $"step {k}: the pushes caused no event");

            // The grain notified with the clock moved on: a lapsed subscription was dropped there.
            Assert.Equal(1, await monitor.GetSubscriberCount());

            // The stream relays an event of these pushes only after its renewal check at the moved clock.
            while ((long)(await NextEvent(events, timeout.Token))["messages"]! < after.Messages)
            {
            }
        }

        Assert.True(service.Clock.GetUtcNow() - service.Start > MonitorSubscription.Lifetime + MonitorSubscription.Renewal);
        Assert.Equal(1, await monitor.GetSubscriberCount());
    }

    private Task<HttpResponseMessage> Create(string id) =>
        Http.PostAsJsonAsync("api/monitors", new { id, function = "inner_product", dimension = 2, errorBound = 0.1, nodes = new[] { "a", "b" } });

    private Task<HttpResponseMessage> Push(string monitor, string node, double[][] points) =>
        Http.PostAsJsonAsync($"api/monitors/{monitor}/nodes/{node}/points", new { points });

    private static async Task<JsonNode> NextEvent(StreamReader events, CancellationToken cancellationToken)
    {
        var data = new List<string>();
        while (await events.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0 && data.Count > 0)
            {
                return JsonNode.Parse(string.Join('\n', data)) ?? throw new JsonException("empty event");
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line["data:".Length..].TrimStart(' '));
            }
        }

        throw new EndOfStreamException("the event stream ended");
    }

    private sealed class Recorder : IMonitorObserver
    {
        public ConcurrentBag<MonitorEvent> Events { get; } = [];

        public SemaphoreSlim Received { get; } = new(0);

        public void OnEvent(MonitorEvent monitorEvent)
        {
            Events.Add(monitorEvent);
            Received.Release();
        }
    }

    /// <summary>A clock that moves only when told; its timers are the system's.</summary>
    public sealed class ManualClock : TimeProvider
    {
        private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>A service of its own, timing subscriptions by a <see cref="ManualClock"/>.</summary>
    public sealed class ClockFixture : IAsyncLifetime
    {
        public ManualClock Clock { get; } = new();

        public DateTimeOffset Start { get; }

        public ServiceFixture Service { get; }

        public ClockFixture()
        {
            Start = Clock.GetUtcNow();
            Service = new ServiceFixture(Clock);
        }

        public Task InitializeAsync() => Service.InitializeAsync();

        public Task DisposeAsync() => Service.DisposeAsync();
    }
}
