using System.Diagnostics;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol.Simulation;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit.Abstractions;
using static AutoMon.Silos.Tests.MembershipTestData;

namespace AutoMon.Silos.Tests;

/// <summary>
/// Three silo processes form one cluster through the DynamoDB membership table, run an experiment end to end, and a killed
/// silo is declared dead (its node grains reactivate on the surviving node silo).
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class MultiSiloClusterTests(MotoServer moto, ITestOutputHelper output)
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Three_silo_processes_join_through_DynamoDB_run_an_experiment_and_a_killed_silo_is_declared_dead()
    {
        var tableName = UniqueName("cluster");
        var clusterId = UniqueName("it");
        var silos = new List<SiloProcess>();
        try
        {
            silos.Add(SiloProcess.StartWithDynamoDB(moto, "coordinator", "us-west-2", clusterId, tableName));
            silos.Add(SiloProcess.StartWithDynamoDB(moto, "node", "us-east-2", clusterId, tableName));
            silos.Add(SiloProcess.StartWithDynamoDB(moto, "node", "us-east-2", clusterId, tableName));
            using var table = NewTable(moto, tableName, clusterId);

            var clock = Stopwatch.StartNew();
            var joined = await WaitForAsync(table, silos, JoinTimeout, "all three silos Active",
                data => silos.All(s => StatusOf(data, s) == SiloStatus.Active));
            Assert.Equal(3, joined.Members.Count);
            Assert.Equal(
                silos.Select(s => $"{s.Role}-{s.SiloPort}").Order(),
                joined.Members.Select(m => m.Item1.SiloName).Order());

            output.WriteLine($"three silos Active after {clock.Elapsed.TotalSeconds:F1} s");

            // A client finds the cluster through the gateway list in the same table and sees three active hosts.
            using var client = await ConnectClientAsync(tableName, clusterId);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(silos.Select(s => s.SiloPort).Order(), hosts.Keys.Select(a => a.Endpoint.Port).Order());
            output.WriteLine($"client saw three hosts after {clock.Elapsed.TotalSeconds:F1} s");

            // An experiment runs end to end across the processes: the coordinator grain on the coordinator silo, the node
            // grains spread over the two node silos, and the lockstep result equal to the in-process simulation.
            var request = new ExperimentRequest { Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = "inner_product", Nodes = 6, Iterations = 40, Dimension = 4, Window = 5, ErrorBound = 0.1, Seed = 1 } };
            var (config, data) = request.Build();
            var experiment = UniqueName("exp");
            var result = await new ExperimentDriver(grains).RunAsync(experiment, config, data).WaitAsync(TimeSpan.FromSeconds(120));
            var expected = Simulator.Run(config.ToSimulationOptions(config.Function.Create()), data);
            Assert.Equal(expected.Statistics.Counters, result.Statistics.Counters);
            Assert.Equal(expected.Statistics.FullSyncs.Select(f => f.ReferencePoint), result.Statistics.FullSyncs.Select(f => f.ReferencePoint));
            Assert.Equal(silos[0].SiloPort, PortOf(result.Coordinator.Silo));
            Assert.Equal(
                silos.Skip(1).Select(s => s.SiloPort).Order(),
                result.NodesPerSilo.Keys.Select(k => PortOf(k)).Order());
            Assert.True(result.WireToProtocolRatio > 1);
            output.WriteLine($"experiment done after {clock.Elapsed.TotalSeconds:F1} s: {result.Statistics.TotalMessagesBroadcastDisabled} messages, " +
                $"wire/protocol bytes {result.WireToProtocolRatio:F2}");

            var victim = silos[2];
            var orphan = result.Nodes.First(n => PortOf(n.Silo) == victim.SiloPort);
            await victim.KillAsync();

            var afterDeath = await WaitForAsync(table, silos, DeathTimeout, $"{victim} declared Dead",
                data => StatusOf(data, victim) == SiloStatus.Dead);
            output.WriteLine($"{victim} declared Dead after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(SiloStatus.Active, StatusOf(afterDeath, silos[0]));
            Assert.Equal(SiloStatus.Active, StatusOf(afterDeath, silos[1]));

            // The dead silo's node grains reactivate on the surviving node silo (in-memory state is gone: unconfigured).
            var reactivated = await StatusAfterReactivationAsync(grains.GetGrain<INodeGrain>(ExperimentKeys.Node(experiment, orphan.NodeIndex)));
            Assert.Equal(silos[1].SiloPort, PortOf(reactivated.Silo));
            Assert.False(reactivated.Configured);
            await client.StopAsync();
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    // Grains report their silo as SiloAddress.ToString(): "S127.0.0.1:port:generation".
    private static int PortOf(string silo) => int.Parse(silo.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

    // Calls to a grain whose silo just died may fail until every silo's view of the cluster has caught up.
    private static async Task<NodeStatus> StatusAfterReactivationAsync(INodeGrain grain)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await grain.GetStatus().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception exception) when (exception is OrleansException or TimeoutException or SiloUnavailableException && clock.Elapsed < DeathTimeout)
            {
                await Task.Delay(500);
            }
        }
    }

    private static SiloStatus? StatusOf(MembershipTableData data, SiloProcess silo) =>
        data.Members.FirstOrDefault(m => m.Item1.SiloAddress.Endpoint.Port == silo.SiloPort)?.Item1.Status;

    /// <summary>Polls ReadAll until <paramref name="done"/> holds; on timeout fails with the table and the silos' output.</summary>
    private static async Task<MembershipTableData> WaitForAsync(
        DynamoDBMembershipTable table, List<SiloProcess> silos, TimeSpan timeout, string what, Func<MembershipTableData, bool> done)
    {
        var clock = Stopwatch.StartNew();
        var initialized = false;
        MembershipTableData? last = null;
        string? lastError = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (!initialized)
                {
                    // Not creating anything: the silos create the table and the version row.
                    await table.InitializeMembershipTable(tryInitTableVersion: false);
                    initialized = true;
                }

                last = await table.ReadAll();
                if (done(last))
                {
                    return last;
                }
            }
            catch (InvalidOperationException exception)
            {
                // No version row yet: the first silo has not initialized the cluster.
                lastError = exception.Message;
            }

            foreach (var silo in silos.Where(s => s.HasExited))
            {
                if (!silo.Output.Contains("AutoMon silo started", StringComparison.Ordinal))
                {
                    Assert.Fail($"{silo} exited before starting:\n{silo.Output}");
                }
            }

            await Task.Delay(250);
        }

        Assert.Fail($"Timed out after {timeout} waiting for {what}. Table: {last?.ToString() ?? lastError ?? "unread"}\n" +
            string.Join("\n", silos.Select(s => $"--- {s}:\n{s.Output}")));
        return null!;
    }

    private async Task<IHost> ConnectClientAsync(string tableName, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = clusterId;
                cluster.ServiceId = Hosting.SiloHostOptions.DefaultServiceId;
            });
            client.UseDynamoDBClustering(options => moto.Configure(options, tableName));
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return host;
    }
}
