using AutoMon.Grains.Experiments;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using AutoMon.Protocol;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// Node silos that publish node ranges get exactly their nodes: silo 1 is meant for node 0, silo 2 for nodes 1–5, so
/// six nodes split 1 + 5 (round-robin would split them 3 + 3).
/// </summary>
public sealed class NodeRangePlacementTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            var index = int.Parse(options.SiloName[^1..], System.Globalization.CultureInfo.InvariantCulture);
            var metadata = new Dictionary<string, string>
            {
                [AutoMonSiloMetadata.Role] = index == 0 ? AutoMonSiloMetadata.CoordinatorRole : AutoMonSiloMetadata.NodeRole,
                [AutoMonSiloMetadata.Region] = index == 0 ? ClusterFixture.CoordinatorRegion : ClusterFixture.NodeRegion,
            };
            if (index > 0)
            {
                metadata[AutoMonSiloMetadata.NodeRange] = index == 1 ? "0-0" : "1-5";
            }

            silo.UseSiloMetadata(metadata);
            silo.AddAutoMonGrains();
            silo.AddMemoryGrainStorage(AutoMonGrainStorage.Name);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Each_node_grain_goes_to_the_silo_whose_range_holds_its_index()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 6, iterations: 20);

        var result = await new ExperimentDriver(_cluster.Client).RunAsync(NewId("ranges"), config, data);

        var silo1 = _cluster.Silos[1].SiloAddress.ToString();
        var silo2 = _cluster.Silos[2].SiloAddress.ToString();
        Assert.Equal(silo1, Assert.Single(result.Nodes, n => n.NodeIndex == 0).Silo);
        Assert.All(result.Nodes.Where(n => n.NodeIndex > 0), n => Assert.Equal(silo2, n.Silo));
    }
}
