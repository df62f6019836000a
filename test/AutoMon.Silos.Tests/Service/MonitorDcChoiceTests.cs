using AutoMon.Client;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Monitors;
using AutoMon.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// A monitor runs ADCD-E or ADCD-X as the simulation chooses: ADCD-E (the signed Hessian, d² numbers, sent once) when f's
/// Hessian is constant, ADCD-X (one extreme eigenvalue λ per sync) when it is not. Seen in the state a node grain writes
/// to grain storage: the first full sync it applied, with its DC argument (on the checkpointing silo, which writes a node's
/// state at every sync as with DynamoDB storage). An adaptive monitor (the default) does not ship the ADCD-E matrix: its
/// nodes derive it from f, so its syncs carry no DC argument.
/// </summary>
[Collection(CheckpointingServiceCollection.Name)]
public sealed class MonitorDcChoiceTests(CheckpointingServiceFixture silo)
{
    private static readonly string[] Nodes = ["a", "b"];

    private AutoMonClient Client { get; } = new(silo.Service.Grains);

    [Theory]
    [InlineData("dc-inner-product", "inner_product", false, DcArgumentKind.SignedHessian, 16)]
    [InlineData("dc-quadratic-formula", "x[0]*x[1] - x[2]^2 + 3*x[3]", false, DcArgumentKind.SignedHessian, 16)]
    [InlineData("dc-entropy", "entropy", false, DcArgumentKind.ExtremeEigenvalue, 1)]
    [InlineData("dc-exp-formula", "exp(x[0]) * x[1] + x[2] * x[3]", false, DcArgumentKind.ExtremeEigenvalue, 1)]
    [InlineData("dc-adaptive-inner-product", "inner_product", true, DcArgumentKind.None, 0)]
    [InlineData("dc-adaptive-entropy", "entropy", true, DcArgumentKind.ExtremeEigenvalue, 1)]
    public async Task A_constant_Hessian_gets_ADCD_E_and_any_other_ADCD_X(string id, string function, bool adaptive, DcArgumentKind argument, int numbers)
    {
        await Client.CreateMonitorAsync(new MonitorDefinition
        {
            Id = id, Function = function, Dimension = 4, ErrorBound = 0.1, Nodes = Nodes, Adaptive = adaptive,
        });

        // Each node's point completes the first full sync, which gives every node its DC argument.
        foreach (var node in Nodes)
        {
            Assert.Equal(1, await Client.Node(id, node).PushAsync([[0.2, 0.3, 0.1, 0.4]]));
        }

        Assert.Equal(1, (await Client.GetMonitorAsync(id))!.FullSyncs);
        foreach (var node in Nodes)
        {
            var sync = (await StoredState(id, node)).Protocol?.LastSync;
            Assert.NotNull(sync);
            Assert.Equal(argument, sync.DcArgumentKind);
            Assert.Equal(numbers, sync.DcArgument.IsDefault ? 0 : sync.DcArgument.Length);
        }
    }

    // What node grain `monitor/node` wrote as its state (the protocol node's checkpoint: the last sync it applied).
    private async Task<MonitorNodeState> StoredState(string monitor, string node)
    {
        var storage = silo.Service.Services.GetRequiredKeyedService<IGrainStorage>(AutoMonGrainStorage.Name);
        var grain = silo.Service.Grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(monitor, node));
        var state = new GrainState<MonitorNodeState>(new MonitorNodeState());
        await storage.ReadStateAsync("node", grain.GetGrainId(), state);
        Assert.True(state.RecordExists, $"node {node} of {monitor} wrote its state");
        return state.State ?? throw new InvalidOperationException("no state read");
    }
}
