using AutoMon.Silos.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.GrainDirectory;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace AutoMon.Silos.Tests;

public sealed class AllInOneSiloTests
{
    [Fact]
    public async Task An_all_in_one_silo_starts_with_localhost_clustering_and_publishes_role_and_region()
    {
        var options = new SiloHostOptions
        {
            Role = SiloRole.AllInOne,
            Region = "us-east-2",
            SiloPort = MotoServer.FreePort(),
            GatewayPort = MotoServer.FreePort(),
        };
        var builder = SiloHostBuilder.CreateHostBuilder(options);
        builder.Logging.ClearProviders();
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        try
        {
            var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
            Assert.Equal(options.SiloPort, silo.SiloAddress.Endpoint.Port);
            Assert.Equal($"all-in-one-{options.SiloPort}", silo.Name);

            // The metadata cache fills from membership asynchronously after start: wait for the silo's own entry.
            var cache = host.Services.GetRequiredService<ISiloMetadataCache>();
            var metadata = cache.GetSiloMetadata(silo.SiloAddress);
            for (var wait = 0; wait < 100 && !metadata.Metadata.ContainsKey(SiloMetadataKeys.Role); wait++)
            {
                await Task.Delay(100);
                metadata = cache.GetSiloMetadata(silo.SiloAddress);
            }

            Assert.Equal("all-in-one", metadata.Metadata[SiloMetadataKeys.Role]);
            Assert.Equal("us-east-2", metadata.Metadata[SiloMetadataKeys.Region]);

            var hosts = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(silo.SiloAddress, Assert.Single(hosts).Key);
        }
        finally
        {
            await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task Silo_processes_and_the_service_keep_the_strongly_consistent_grain_directory()
    {
        // Other silos may join them, and a dead silo's entries must then be recovered rather than lost (a second
        // coordinator activation otherwise). Only a silo that is a cluster by itself goes without it.
        await using var hosts = new BuiltHosts(31);
        var alone = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        alone.UseOrleans(silo => SiloHostBuilder.Configure(silo, BuiltHosts.Options(32), alone: true));
        using var aloneHost = alone.Build();

        Assert.True(HasDefaultDirectory(hosts.Silo.Services), "a silo process registers the strongly consistent directory");
        Assert.True(HasDefaultDirectory(hosts.Service.Services), "the service host registers the strongly consistent directory");
        Assert.False(HasDefaultDirectory(aloneHost.Services), "a silo alone keeps Orleans' default directory");
    }

    internal static bool HasDefaultDirectory(IServiceProvider services) => services.GetRequiredService<IServiceProviderIsKeyedService>()
        .IsKeyedService(typeof(IGrainDirectory), GrainDirectoryAttribute.DEFAULT_GRAIN_DIRECTORY);

    [Fact]
    public void Fast_failure_detection_shortens_probes_and_table_refresh()
    {
        var membership = new Orleans.Configuration.ClusterMembershipOptions();
        var defaults = (membership.ProbeTimeout, membership.TableRefreshTimeout, membership.NumMissedProbesLimit);

        SiloHostBuilder.ApplyFastFailureDetection(membership);

        Assert.True(membership.ProbeTimeout < defaults.ProbeTimeout);
        Assert.True(membership.TableRefreshTimeout < defaults.TableRefreshTimeout);
        Assert.True(membership.NumMissedProbesLimit <= defaults.NumMissedProbesLimit);
    }

    [Fact]
    public void Fast_failure_detection_holds_a_dead_silos_directory_ranges_for_one_table_refresh_after_its_declaration()
    {
        var membership = new Orleans.Configuration.ClusterMembershipOptions();
        SiloHostBuilder.ApplyFastFailureDetection(membership);
        var directory = new Orleans.Configuration.GrainDirectoryOptions();

        SiloHostBuilder.ApplyFastDirectoryLease(directory);

        // Orleans starts the lease at the estimated failure: the declaration less MaxProbeTimeout × NumMissedProbesLimit.
        var afterDeclaration = directory.RangeLeaseDuration - (membership.MaxProbeTimeout * membership.NumMissedProbesLimit);
        Assert.Equal(membership.TableRefreshTimeout, afterDeclaration);
    }
}
