using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// One in-process cluster for the whole collection: silo 0 is the coordinator silo (us-west-2), silos 1 and 2 are node silos
/// (us-east-2), each with the role and region metadata the silo host publishes and AutoMon's grain services.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string CoordinatorRegion = "us-west-2";
    public const string NodeRegion = "us-east-2";

    private InProcessTestCluster? _cluster;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public IClusterClient Client => Cluster.Client;

    /// <summary>The coordinator silo's address (as grains report it).</summary>
    public string CoordinatorSilo => Cluster.Silos[0].SiloAddress.ToString();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            var coordinator = options.SiloName.EndsWith("_0", StringComparison.Ordinal);
            silo.UseSiloMetadata(new Dictionary<string, string>
            {
                [AutoMonSiloMetadata.Role] = coordinator ? AutoMonSiloMetadata.CoordinatorRole : AutoMonSiloMetadata.NodeRole,
                [AutoMonSiloMetadata.Region] = coordinator ? CoordinatorRegion : NodeRegion,
            });
            silo.AddAutoMonGrains();
            silo.AddMemoryGrainStorage(AutoMonGrainStorage.Name);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "AutoMon cluster";
}

/// <summary>
/// A cluster of its own for tests that read Orleans' process-wide meters: it runs alone, after the parallel collections,
/// so no other cluster in the test process adds to the counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "AutoMon cluster, alone in the process";
}
