using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>A finished experiment's grains go when the driver releases it; until then they keep its state.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ExperimentReleaseTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_released_experiment_leaves_no_configured_node_and_no_running_coordinator()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU);
        var driver = new ExperimentDriver(fixture.Client);
        var id = NewId("release");
        await driver.RunAsync(id, config, data);
        var nodes = Enumerable.Range(0, config.NodeCount).Select(i => fixture.Client.GetGrain<INodeGrain>(ExperimentKeys.Node(id, i))).ToArray();
        var coordinator = fixture.Client.GetGrain<ICoordinatorGrain>(ExperimentKeys.Coordinator(id));
        Assert.All(await Task.WhenAll(nodes.Select(n => n.GetStatus())), s => Assert.True(s.Configured));
        Assert.Equal(CoordinatorLiveness.Running, await coordinator.GetLiveness());

        await driver.ReleaseAsync(id, config.NodeCount);

        // The next call to each finds a new activation: nothing of the run is held any more.
        Assert.All(await Task.WhenAll(nodes.Select(n => n.GetStatus())), s => Assert.False(s.Configured));
        Assert.NotEqual(CoordinatorLiveness.Running, await coordinator.GetLiveness());
    }
}
