using AutoMon.Launcher.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Orleans.GrainDirectory;

namespace AutoMon.Launcher.Tests.Cluster;

public sealed class EmbeddedSiloTests
{
    [Fact]
    public async Task The_embedded_silo_is_a_cluster_by_itself_with_Orleans_default_grain_directory()
    {
        // No other silo can join it, so there is nothing for the strongly consistent directory to recover, and its directory
        // call on every activation and deactivation cost a 10,000-node run about a second and 20 MB.
        await using var silo = new EmbeddedSilo();
        await silo.StartAsync(CancellationToken.None);

        var registered = silo.Services.GetRequiredService<IServiceProviderIsKeyedService>();

        Assert.False(registered.IsKeyedService(typeof(IGrainDirectory), GrainDirectoryAttribute.DEFAULT_GRAIN_DIRECTORY));
    }
}
