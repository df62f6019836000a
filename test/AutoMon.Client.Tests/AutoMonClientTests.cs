using AutoMon.Grains.Monitors;
using AutoMon.Numerics.Functions;

namespace AutoMon.Client.Tests;

/// <summary>The .NET client (docs/service.md, "From .NET") against an all-in-one silo through its gateway.</summary>
[Collection(SiloCollection.Name)]
public sealed class AutoMonClientTests(SiloFixture silo)
{
    private const double Epsilon = 0.1;
    private AutoMonClient Client => silo.Client;

    private static MonitorDefinition InnerProduct(string id, params string[] nodes) =>
        new() { Id = id, Function = "inner_product", Dimension = 4, ErrorBound = Epsilon, Nodes = nodes };

    [Fact]
    public async Task Pushes_from_two_nodes_keep_the_estimate_within_epsilon_of_f_of_the_mean()
    {
        var created = await Client.CreateMonitorAsync(InnerProduct("two-nodes", "a", "b") with { Sync = "lazy-lru" });
        Assert.Equal("two-nodes", created.Id);
        Assert.Null(created.Estimate);
        Assert.Equal(Epsilon, created.ErrorBound);

        var f = FunctionCatalog.Create("inner_product", new FunctionOptions { Dimension = 4 }).Function.CreateEvaluator();
        var random = new Random(3);
        var walk = new Dictionary<string, double[]> { ["a"] = [1, 0.5, 1, 0.5], ["b"] = [1, 0.5, 1, 0.5] };
        var sent = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        for (var push = 0; push < 30; push++)
        {
            var node = push < 2 ? (push == 0 ? "a" : "b") : (random.Next(2) == 0 ? "a" : "b");
            var points = new double[1 + random.Next(4)][];
            for (var k = 0; k < points.Length; k++)
            {
                var step = random.NextDouble() < 0.1 ? 0.5 : 0.03;
                walk[node] = [.. walk[node].Select(v => v + (step * ((2 * random.NextDouble()) - 1)))];
                points[k] = walk[node];
            }

            Assert.Equal(points.Length, await Client.Node("two-nodes", node).PushAsync(points));
            sent[node] += points.Length;

            var monitor = await Client.GetMonitorAsync("two-nodes");
            Assert.NotNull(monitor);
            if (sent["b"] == 0)
            {
                Assert.Null(monitor.Estimate);
                continue;
            }

            // Window 1: each node's local vector is its last point; x̄ is their mean.
            double[] mean = [.. walk["a"].Zip(walk["b"], (x, y) => (x + y) / 2)];
            var truth = f.Value(mean);
            Assert.NotNull(monitor.Estimate);
            Assert.True(Math.Abs(monitor.Estimate.Value - truth) <= Epsilon, $"push {push}: |{monitor.Estimate} - {truth}| > {Epsilon}");
        }

        var final = await Client.GetMonitorAsync("two-nodes");
        Assert.Equal(sent["a"] + sent["b"], final!.Updates);
        Assert.True(final.FullSyncs >= 1);
        Assert.Equal([sent["a"], sent["b"]], final.Nodes.Select(n => (int)n.Updates));
    }

    [Fact]
    public async Task WatchAsync_yields_a_new_estimate_after_a_push_that_changes_it()
    {
        // The paper's protocol: every far push is a full sync (the adaptive fallback would switch to reporting every point).
        await Client.CreateMonitorAsync(InnerProduct("watched", "a", "b") with { Adaptive = false });
        await Client.Node("watched", "a").PushAsync([[1, 1, 1, 1]]);
        await Client.Node("watched", "b").PushAsync([[1, 1, 1, 1]]);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var states = Client.WatchAsync("watched", timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await states.MoveNextAsync());
        var first = states.Current;
        Assert.Equal("watched", first.Id);
        Assert.NotNull(first.Estimate);
        Assert.True(Math.Abs(first.Estimate.Value - 2) <= Epsilon);

        // x̄ = (2, 2, 2, 2): f = 8, far outside a's safe zone, so a full sync sets a new estimate.
        await Client.Node("watched", "a").PushAsync([[3, 3, 3, 3]]);
        Assert.True(await states.MoveNextAsync());
        var next = states.Current;
        Assert.True(next.FullSyncs > first.FullSyncs);
        Assert.NotNull(next.Estimate);
        Assert.True(Math.Abs(next.Estimate.Value - 8) <= Epsilon, $"|{next.Estimate} - 8| > {Epsilon}");
        Assert.Equal(3, next.Updates);

        // The stream ends when the monitor is deleted.
        Assert.True(await Client.DeleteMonitorAsync("watched"));
        Assert.False(await states.MoveNextAsync());
    }

    [Fact]
    public async Task WatchAsync_yields_every_full_sync_of_a_series_of_pushes_in_order()
    {
        // Eager sync: every violation is resolved by a full sync.
        await Client.CreateMonitorAsync(InnerProduct("every-sync", "a", "b") with { Sync = "eager", Adaptive = false });
        await Client.Node("every-sync", "a").PushAsync([[1, 1, 1, 1]]);
        await Client.Node("every-sync", "b").PushAsync([[1, 1, 1, 1]]);

        await using var states = Client.WatchAsync("every-sync").GetAsyncEnumerator();
        Assert.True(await states.MoveNextAsync());
        var first = states.Current;
        Assert.True(first.FullSyncs >= 1);

        // Twenty pushes, each far from the last estimate, all before the watcher reads: none may be lost between reads.
        for (var k = 2; k <= 21; k++)
        {
            await Client.Node("every-sync", k % 2 == 0 ? "a" : "b").PushAsync([[k, k, k, k]]);
        }

        var last = await Client.GetMonitorAsync("every-sync");
        Assert.True(last!.FullSyncs - first.FullSyncs >= 20, $"{last.FullSyncs - first.FullSyncs} full syncs");
        var seen = new List<MonitorState>();
        while (seen.Count == 0 || seen[^1].FullSyncs < last.FullSyncs)
        {
            Assert.True(await states.MoveNextAsync());
            seen.Add(states.Current);
        }

        var shown = $"first {first}; then {string.Join("; ", seen)}";
        Assert.True(last.FullSyncs - first.FullSyncs == seen.Count, shown);
        Assert.True(Enumerable.Range(1, seen.Count).Select(k => first.FullSyncs + k).SequenceEqual(seen.Select(s => s.FullSyncs)), shown);
        Assert.Equal(last.Estimate, seen[^1].Estimate);
        Assert.Equal(last.Updates, seen[^1].Updates);

        // Buffered states are still delivered after the monitor is deleted; then the stream ends.
        await Client.Node("every-sync", "a").PushAsync([[50, 50, 50, 50]]);
        Assert.True(await Client.DeleteMonitorAsync("every-sync"));
        Assert.True(await states.MoveNextAsync());
        Assert.Equal(last.FullSyncs + 1, states.Current.FullSyncs);
        Assert.False(await states.MoveNextAsync());
    }

    [Fact]
    public async Task Stopping_a_watch_by_break_or_cancellation_unsubscribes_it()
    {
        await Client.CreateMonitorAsync(InnerProduct("unsubscribed", "a", "b"));
        var monitor = silo.Grains.GetGrain<IMonitorGrain>("unsubscribed");
        Assert.Equal(0, await monitor.GetSubscriberCount());

        await foreach (var state in Client.WatchAsync("unsubscribed"))
        {
            Assert.Equal(1, await monitor.GetSubscriberCount());
            break;
        }

        Assert.Equal(0, await monitor.GetSubscriberCount());

        using var cancel = new CancellationTokenSource();
        await using var cancelled = Client.WatchAsync("unsubscribed", cancel.Token).GetAsyncEnumerator();
        await using var kept = Client.WatchAsync("unsubscribed").GetAsyncEnumerator();
        Assert.True(await cancelled.MoveNextAsync());
        Assert.True(await kept.MoveNextAsync());
        Assert.Equal(2, await monitor.GetSubscriberCount());

        // Cancelled while waiting for the next state: the watch ends with the cancellation, its subscription with it.
        var waiting = cancelled.MoveNextAsync().AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, await monitor.GetSubscriberCount());

        // The other watch still gets the monitor's full syncs.
        await Client.Node("unsubscribed", "a").PushAsync([[1, 1, 1, 1]]);
        await Client.Node("unsubscribed", "b").PushAsync([[1, 1, 1, 1]]);
        Assert.True(await kept.MoveNextAsync());
        Assert.Equal(1, kept.Current.FullSyncs);
        Assert.True(await Client.DeleteMonitorAsync("unsubscribed"));
        Assert.False(await kept.MoveNextAsync());
    }

    [Fact]
    public async Task WatchAsync_of_an_unknown_monitor_throws()
    {
        var error = await Assert.ThrowsAsync<MonitorNotFoundException>(async () =>
        {
            await foreach (var state in Client.WatchAsync("never-created"))
            {
                Assert.Fail($"no state expected: {state}");
            }
        });
        Assert.Equal("never-created", error.Monitor);
    }

    [Theory]
    [InlineData(double.NaN, 4)]
    [InlineData(double.PositiveInfinity, 4)]
    [InlineData(double.NegativeInfinity, 4)]
    [InlineData(1.0, 3)]
    [InlineData(1.0, 5)]
    public async Task A_bad_point_is_refused_naming_its_index_and_no_point_of_the_push_is_taken(double value, int length)
    {
        var id = $"bad-points-{(double.IsNaN(value) ? "nan" : value.ToString(System.Globalization.CultureInfo.InvariantCulture))}-{length}";
        await Client.CreateMonitorAsync(InnerProduct(id, "a", "b"));
        await Client.Node(id, "a").PushAsync([[1, 1, 1, 1]]);
        await Client.Node(id, "b").PushAsync([[1, 1, 1, 1]]);
        var before = await Client.GetMonitorAsync(id);

        double[] bad = [.. Enumerable.Repeat(1.0, length)];
        bad[^1] = value;
        var error = await Assert.ThrowsAsync<InvalidPointException>(() => Client.Node(id, "a").PushAsync([[2, 2, 2, 2], [3, 3, 3, 3], bad, [4, 4, 4, 4]]));

        Assert.Equal(2, error.Index);
        Assert.Equal("a", error.Node);
        Assert.Contains("Point 2 for node 'a'", error.Message, StringComparison.Ordinal);
        var after = await Client.GetMonitorAsync(id);
        Assert.Equal(before!.Updates, after!.Updates);
        Assert.Equal(before.Estimate, after.Estimate);
        Assert.Equal(before.Nodes.ToArray(), after.Nodes.ToArray());
    }

    [Fact]
    public async Task Unknown_monitors_and_nodes_are_refused_by_name()
    {
        await Client.CreateMonitorAsync(new MonitorDefinition { Id = "known", Function = "variance", Dimension = 2, ErrorBound = 1, Nodes = ["a"] });

        var noMonitor = await Assert.ThrowsAsync<MonitorNotFoundException>(() => Client.Node("unknown", "a").PushAsync([[1, 2]]));
        Assert.Null(noMonitor.Node);
        var noNode = await Assert.ThrowsAsync<MonitorNotFoundException>(() => Client.Node("known", "z").PushAsync([[1, 2]]));
        Assert.Equal("z", noNode.Node);
        Assert.Null(await Client.GetMonitorAsync("unknown"));
        Assert.False(await Client.DeleteMonitorAsync("unknown"));
    }

    [Fact]
    public async Task Bad_definitions_name_the_field_and_a_taken_id_is_refused_until_deleted()
    {
        var invalid = await Assert.ThrowsAsync<InvalidMonitorException>(() => Client.CreateMonitorAsync(InnerProduct("invalid", "a") with { ErrorBound = 0, Sync = "sometimes" }));
        Assert.Contains("errorBound", invalid.Errors.Keys);
        Assert.Contains("sync", invalid.Errors.Keys);
        Assert.Null(await Client.GetMonitorAsync("invalid"));

        await Client.CreateMonitorAsync(InnerProduct("taken", "a"));
        var duplicate = await Assert.ThrowsAsync<InvalidOperationException>(() => Client.CreateMonitorAsync(InnerProduct("taken", "b")));
        Assert.Contains("taken", duplicate.Message, StringComparison.Ordinal);
        Assert.True(await Client.DeleteMonitorAsync("taken"));
        Assert.Null(await Client.GetMonitorAsync("taken"));
        Assert.Equal("taken", (await Client.CreateMonitorAsync(InnerProduct("taken", "b"))).Id);
    }

    [Fact]
    public async Task A_second_client_sees_the_monitors_of_the_first()
    {
        await Client.CreateMonitorAsync(InnerProduct("shared", "a"));
        await using var other = await AutoMonClient.ConnectAsync(silo.ClientOptions);
        await other.Node("shared", "a").PushAsync([[1, 2, 3, 4]]);
        Assert.Equal(1, (await Client.GetMonitorAsync("shared"))!.Updates);
    }
}

public sealed class AutoMonClientOptionsTests
{
    [Fact]
    public async Task Connecting_without_gateways_names_the_option()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMonClient.ConnectAsync(new AutoMonClientOptions()));
        Assert.Contains("Gateways", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:30000")]
    [InlineData("127.0.0.1")]
    [InlineData("not an address")]
    public void Gateways_must_be_ip_endpoints(string gateway)
    {
        var error = Assert.Throws<ArgumentException>(() => AutoMonClientOptions.ForGateways(gateway));
        Assert.Contains(gateway, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_text_is_parsed()
    {
        var options = AutoMonClientOptions.ForGateways("127.0.0.1:30000", "10.0.0.2:30001");
        Assert.Equal(["127.0.0.1:30000", "10.0.0.2:30001"], options.Gateways.Select(g => g.ToString()));
        Assert.Empty(options.Validate());
        Assert.Contains((options with { ClusterId = " " }).Validate(), p => p.StartsWith("ClusterId", StringComparison.Ordinal));
    }
}

public sealed class PointBatchWireTests
{
    [Fact]
    public void The_surrogate_keeps_every_point_missing_points_and_non_finite_components()
    {
        var converter = new PointBatchConverter();
        System.Collections.Immutable.ImmutableArray<double> missing = default;
        var batch = new PointBatch([[1, 2, 3], missing, [], [double.NaN, double.PositiveInfinity, -0.0, double.Epsilon]]);

        var back = converter.ConvertFromSurrogate(converter.ConvertToSurrogate(batch));

        Assert.Equal(4, back.Points.Length);
        Assert.Equal([1.0, 2.0, 3.0], back.Points[0].ToArray());
        Assert.True(back.Points[1].IsDefault);
        Assert.False(back.Points[2].IsDefault);
        Assert.Empty(back.Points[2]);
        Assert.Equal(
            batch.Points[3].Select(BitConverter.DoubleToInt64Bits),
            back.Points[3].Select(BitConverter.DoubleToInt64Bits));
        Assert.True(converter.ConvertFromSurrogate(converter.ConvertToSurrogate(new PointBatch(default))).Points.IsDefault);
    }
}

public sealed class MonitorWatcherTests
{
    private static MonitorSnapshot State(long fullSyncs, long lazySyncs = 0, long lastEvent = 0) =>
        new() { Id = "m", Estimate = fullSyncs * 10.0, FullSyncs = fullSyncs, LazySyncs = lazySyncs, Updates = fullSyncs, LastEvent = lastEvent };

    private static MonitorEvent Event(MonitorEventKind kind, long sequence, long fullSyncs, long lazySyncs = 0) =>
        new(kind, State(fullSyncs, lazySyncs), sequence);

    private static async Task<List<long>> ReadAllAsync(MonitorWatcher watcher)
    {
        var read = new List<long>();
        while (true)
        {
            var (state, deleted) = await watcher.ReadAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
            if (deleted)
            {
                return read;
            }

            read.Add(state!.FullSyncs);
        }
    }

    // Only the time it reads moves, by hand (waits run on the system's timers).
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Notifications_out_of_order_are_released_in_published_order_one_state_per_full_sync_and_the_deletion_last()
    {
        // The grain published: 1 full sync 1, 2 estimate (1), 3 full sync 2, 4 lazy sync (2), 5 full sync 3, 6 estimate (3),
        // 7 full sync 4, 8 full sync 5, 9 deleted; the subscription's snapshot was read after event 2.
        var watcher = new MonitorWatcher(16);
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 5, 3)); // before Start: kept
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 1, 1)); // before Start, not after the first state: dropped
        watcher.Start(State(1, lastEvent: 2));
        watcher.OnEvent(Event(MonitorEventKind.Deleted, 9, 5));
        watcher.OnEvent(Event(MonitorEventKind.Estimate, 6, 3));
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 8, 5));
        watcher.OnEvent(Event(MonitorEventKind.LazySync, 4, 2, 1));
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 7, 4));
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 5, 3)); // a duplicate: dropped
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 3, 2));

        Assert.Equal([2, 3, 4, 5], await ReadAllAsync(watcher));
    }

    [Fact]
    public async Task A_notification_missing_for_the_gap_wait_is_given_up_and_a_gone_monitor_ends_the_stream()
    {
        var clock = new ManualClock();
        var watcher = new MonitorWatcher(16, clock);
        watcher.Start(State(0));
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 2, 2)); // 1 is missing
        clock.Now += MonitorWatcher.GapWait / 2;
        Assert.Equal((null, false), await watcher.ReadAsync(TimeSpan.Zero, CancellationToken.None)); // 1 may still come
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 3, 3));
        clock.Now += MonitorWatcher.GapWait / 2;
        Assert.Equal(2, (await watcher.ReadAsync(TimeSpan.Zero, CancellationToken.None)).State?.FullSyncs); // 1 given up
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 1, 1)); // too late: dropped
        watcher.OnEvent(Event(MonitorEventKind.FullSync, 5, 4)); // 4 is missing
        watcher.Gone();

        Assert.Equal([3, 4], await ReadAllAsync(watcher));
    }
}
