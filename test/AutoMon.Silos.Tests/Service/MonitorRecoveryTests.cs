using AutoMon.Client;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Monitors;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// A monitor whose grains lose their activations resumes from grain storage: a node from its last write, with the
/// producer sending the points after it again; the coordinator with a full sync under a new epoch. The silo writes
/// checkpoints as with DynamoDB storage but not on deactivation, so a deactivated grain is one whose silo died.
/// </summary>
[Collection(CheckpointingServiceCollection.Name)]
public sealed class MonitorRecoveryTests(CheckpointingServiceFixture silo)
{
    private const double Epsilon = 0.05;
    private static readonly string[] Nodes = ["a", "b", "c"];

    private AutoMonClient Client { get; } = new(silo.Service.Grains);

    private static MonitorDefinition Definition(string id, bool adaptive = true) => new()
    {
        Id = id, Function = "inner_product", Dimension = 4, ErrorBound = Epsilon, Nodes = Nodes, Window = 4, Sync = "lazy-lru",
        CheckpointInterval = 7, Adaptive = adaptive,
    };

    private async Task PushRoundsAsync(string id, List<double[][]> walk, int from, int to)
    {
        for (var r = from; r < to; r++)
        {
            for (var i = 0; i < Nodes.Length; i++)
            {
                Assert.Equal(1, await Client.Node(id, Nodes[i]).PushAsync([walk[r][i]]));
            }
        }
    }

    // Adaptive: this walk makes the monitor switch to centralisation (replayed points are not reported twice); the paper's
    // protocol: the node's safe zone and slack come back from its last write.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_that_lost_its_activation_resumes_from_its_last_write_and_its_producer_replays_the_rest_exactly(bool adaptive)
    {
        var walk = MonitorWalk.Create(Nodes.Length, 60, seed: 11);
        var (referenceId, id) = ($"node-loss-reference-{adaptive}", $"node-loss-{adaptive}");
        await Client.CreateMonitorAsync(Definition(referenceId, adaptive));
        await PushRoundsAsync(referenceId, walk, 0, 60);
        var reference = (await Client.GetMonitorAsync(referenceId))!;
        Assert.Equal(adaptive, reference.Centralized);

        await Client.CreateMonitorAsync(Definition(id, adaptive));
        // Up to a round after which b holds points it has not written (a sync or every 7 points writes them).
        var b = Client.Node(id, "b");
        var rounds = 20;
        await PushRoundsAsync(id, walk, 0, rounds);
        while (b.UnsavedPoints < 2)
        {
            await PushRoundsAsync(id, walk, rounds, ++rounds);
        }

        Assert.InRange(b.UnsavedPoints, 2, 6);
        Assert.Equal(adaptive, (await Client.GetMonitorAsync(id))!.Centralized); // the lost points were reported already
        await silo.Service.Grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(id, "b")).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var restored = await silo.Service.Grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(id, "b")).GetStatus();
        Assert.Equal(rounds - b.UnsavedPoints, restored.Updates);
        Assert.Equal(restored.Updates, restored.Durable);

        await PushRoundsAsync(id, walk, rounds, 60);

        var resumed = (await Client.GetMonitorAsync(id))!;
        Assert.Equal(0, resumed.Recoveries);
        Assert.Equal(
            (reference.Updates, reference.Messages, reference.FullSyncs, reference.LazySyncs, reference.Violations, reference.Estimate),
            (resumed.Updates, resumed.Messages, resumed.FullSyncs, resumed.LazySyncs, resumed.Violations, resumed.Estimate));
        Assert.Equal(reference.Nodes.Select(n => (n.Updates, n.Violations, n.MessagesSent)), resumed.Nodes.Select(n => (n.Updates, n.Violations, n.MessagesSent)));
    }

    [Fact]
    public async Task A_monitor_that_lost_its_coordinator_recovers_with_one_full_sync_and_the_bound_holds_again()
    {
        var walk = MonitorWalk.Create(Nodes.Length, 50, seed: 5);
        var events = new List<MonitorEvent>();
        await Client.CreateMonitorAsync(Definition("coordinator-loss"));
        await PushRoundsAsync("coordinator-loss", walk, 0, 25);
        var before = (await Client.GetMonitorAsync("coordinator-loss"))!;
        Assert.NotNull(before.Estimate);

        await silo.Service.Grains.GetGrain<IMonitorGrain>("coordinator-loss").Cast<IGrainManagementExtension>().DeactivateOnIdle();
        // The next call activates it from storage: the definition and counters are back, the coordinator is not, so it
        // recovers (within a second, by its timer, or at the next violation).
        var recovered = await WaitForAsync(async () => await Client.GetMonitorAsync("coordinator-loss") is { Recovering: false, Recoveries: 1 } m ? m : null);

        Assert.Equal(before.Updates, recovered.Updates);
        Assert.Equal(before.FullSyncs + 1, recovered.FullSyncs);
        Assert.Equal(before.Violations, recovered.Violations);
        Assert.NotNull(recovered.LastRecovery);
        Assert.Equal(2 * Nodes.Length, recovered.LastRecovery.Messages); // a report and a sync per node
        Assert.Equal(before.Messages + recovered.LastRecovery.Messages, recovered.Messages);
        Assert.Contains("coordinator state", recovered.LastRecovery.Reason, StringComparison.Ordinal);
        Assert.True(Math.Abs(recovered.Estimate!.Value - MonitorWalk.Truth(walk, 25, 4)) <= Epsilon);

        for (var r = 25; r < 50; r++)
        {
            await PushRoundsAsync("coordinator-loss", walk, r, r + 1);
            var monitor = (await Client.GetMonitorAsync("coordinator-loss"))!;
            var truth = MonitorWalk.Truth(walk, r + 1, 4);
            Assert.True(Math.Abs(monitor.Estimate!.Value - truth) <= Epsilon, $"round {r}: |{monitor.Estimate} - {truth}| > {Epsilon}");
        }

        Assert.Equal(50 * Nodes.Length, (await Client.GetMonitorAsync("coordinator-loss"))!.Updates);
        Assert.Contains("coordinator-loss", await silo.Service.Grains.GetGrain<IMonitorRegistryGrain>(MonitorKeys.Registry).List());
    }

    [Fact]
    public async Task A_push_repeated_with_the_same_position_takes_no_point_twice_and_one_past_the_node_is_refused()
    {
        await Client.CreateMonitorAsync(Definition("positions"));
        var node = silo.Service.Grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node("positions", "a"));
        var batch = new PointBatch([[1.0, 2, 3, 4], [2.0, 3, 4, 5]], From: 0);

        var first = await node.Push(batch);
        var again = await node.Push(batch);
        var overlapping = await node.Push(new PointBatch([[2.0, 3, 4, 5], [3.0, 4, 5, 6]], From: 1));
        var ahead = await node.Push(new PointBatch([[9.0, 9, 9, 9]], From: 7));

        Assert.Equal((PushStatus.Accepted, 2, 2L), (first.Status, first.Accepted, first.Updates));
        Assert.Equal((PushStatus.Accepted, 2, 2L), (again.Status, again.Accepted, again.Updates));
        Assert.Equal((PushStatus.Accepted, 2, 3L), (overlapping.Status, overlapping.Accepted, overlapping.Updates));
        Assert.Equal((PushStatus.Behind, 0, 3L), (ahead.Status, ahead.Accepted, ahead.Updates));
        Assert.Contains("starts at point 7", ahead.Problem, StringComparison.Ordinal);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}

/// <summary>An in-process service whose grains write checkpoints (as with DynamoDB storage) but not on deactivation.</summary>
public sealed class CheckpointingServiceFixture : IAsyncLifetime
{
    public ServiceFixture Service { get; } = new(silo => silo.Services.Configure<AutoMonGrainStorageOptions>(storage =>
    {
        storage.WriteCheckpoints = true;
        storage.WriteOnDeactivation = false;
    }));

    public Task InitializeAsync() => Service.InitializeAsync();

    public Task DisposeAsync() => Service.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class CheckpointingServiceCollection : ICollectionFixture<CheckpointingServiceFixture>
{
    public const string Name = "checkpointing service";
}
