using System.Collections.Immutable;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Hosting;
using AutoMon.Numerics;
using AutoMon.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// A coordinator sends every node the same ADCD-E matrix; across processes each Sync arrives with its own copy, and the
/// node grains of a silo keep one of them (ExperimentRegistry.SharedMatrix).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SyncMatrixTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Node_silos_keep_one_copy_of_the_matrix_their_node_grains_were_sent()
    {
        var (config, _) = Quadratic(SyncType.LazyLRU);
        var d = config.Function.Dimension!.Value;
        double[] matrix = [.. Enumerable.Range(0, d * d).Select(k => k % (d + 1) == 0 ? 2.0 : 0.0)];
        var id = NewId("matrix");
        var nodes = Enumerable.Range(0, config.NodeCount).Select(i => fixture.Client.GetGrain<INodeGrain>(ExperimentKeys.Node(id, i))).ToArray();
        foreach (var node in nodes)
        {
            await node.Configure(config);
        }

        // Each call from the client is serialized: every node grain receives a matrix of its own.
        for (var i = 0; i < nodes.Length; i++)
        {
            Assert.Null(await nodes[i].Deliver(new Sync(i, 1, [.. new double[d]], [.. new double[d]], -1, 1, -1, DcType.Convex, [.. matrix])));
        }

        var nodeSilos = fixture.Cluster.Silos.Skip(1).Cast<InProcessSiloHandle>().ToList();
        Assert.Equal(2, nodeSilos.Count);
        foreach (var silo in nodeSilos)
        {
            var registry = silo.ServiceProvider.GetRequiredService<ExperimentRegistry>();
            ImmutableArray<double> arriving = [.. matrix];
            Assert.False(registry.SharedMatrix(id, arriving) == arriving, $"{silo.SiloAddress} keeps no matrix its node grains were sent");
        }
    }
}
