using AutoMon.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;

namespace AutoMon.Grains.Tests.Hosting;

public sealed class AutoMonGrainsHostingTests
{
    [Fact]
    public void A_silo_with_AutoMon_grains_keeps_a_directory_cache_sized_for_its_nodes_not_Orleans_default()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddAutoMonGrains());
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;

        Assert.Equal(AutoMonGrainsHosting.DirectoryCacheSize, options.CacheSize);
        Assert.True(options.CacheSize < GrainDirectoryOptions.DEFAULT_CACHE_SIZE);
    }
}
