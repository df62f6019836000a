using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>The coordinator lives alone on the coordinator silo; node grains are spread over the node silos.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PlacementTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_coordinator_activation_is_on_the_coordinator_silo_and_is_the_only_one()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, iterations: 20);
        var id = NewId("place");

        var result = await new ExperimentDriver(fixture.Client).RunAsync(id, config, data);

        Assert.Equal(fixture.CoordinatorSilo, result.Coordinator.Silo);
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var coordinatorId = fixture.Client.GetGrain<ICoordinatorGrain>(id).GetGrainId();
        var activations = await management.GetDetailedGrainStatistics();
        var ours = activations.Where(a => a.GrainId == coordinatorId).ToList();
        Assert.Single(activations, a => a.GrainId.Type == coordinatorId.Type && a.GrainId.Key.ToString() == id);
        Assert.Single(ours);
        Assert.Equal(fixture.CoordinatorSilo, ours[0].SiloAddress.ToString());
    }

    [Fact]
    public async Task Node_grains_are_spread_evenly_over_the_node_silos_and_never_on_the_coordinator_silo()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, iterations: 20);

        var result = await new ExperimentDriver(fixture.Client).RunAsync(NewId("spread"), config, data);

        var perSilo = result.NodesPerSilo;
        Assert.Equal(2, perSilo.Count);
        Assert.DoesNotContain(fixture.CoordinatorSilo, perSilo.Keys);
        Assert.Equal(
            fixture.Cluster.Silos.Skip(1).Select(s => s.SiloAddress.ToString()).Order(),
            perSilo.Keys.Order());
        Assert.All(perSilo.Values, count => Assert.Equal(config.NodeCount / 2, count));
    }
}
