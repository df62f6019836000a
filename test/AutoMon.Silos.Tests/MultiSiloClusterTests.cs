using System.Diagnostics;
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

/// <summary>Three silo processes form one cluster through the DynamoDB membership table; a killed silo is declared dead.</summary>
[Collection(MotoCollection.Name)]
public sealed class MultiSiloClusterTests(MotoServer moto, ITestOutputHelper output)
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Three_silo_processes_join_through_DynamoDB_and_a_killed_silo_is_declared_dead()
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
            using (var client = await ConnectClientAsync(tableName, clusterId))
            {
                var hosts = await client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
                Assert.Equal(silos.Select(s => s.SiloPort).Order(), hosts.Keys.Select(a => a.Endpoint.Port).Order());
                await client.StopAsync();
            }

            output.WriteLine($"client saw three hosts after {clock.Elapsed.TotalSeconds:F1} s");
            var victim = silos[2];
            await victim.KillAsync();

            var afterDeath = await WaitForAsync(table, silos, DeathTimeout, $"{victim} declared Dead",
                data => StatusOf(data, victim) == SiloStatus.Dead);
            output.WriteLine($"{victim} declared Dead after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Equal(SiloStatus.Active, StatusOf(afterDeath, silos[0]));
            Assert.Equal(SiloStatus.Active, StatusOf(afterDeath, silos[1]));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
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
