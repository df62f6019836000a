using AutoMon.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Placement;

namespace AutoMon.Grains.Hosting;

/// <summary>Registers what AutoMon's grains need on a silo.</summary>
public static class AutoMonGrainsHosting
{
    /// <summary>Grain addresses a silo's directory cache holds at most (Orleans' default: 1,000,000).</summary>
    public const int DirectoryCacheSize = 100_000;

    /// <summary>
    /// Adds the role-based placement of coordinator and node grains (reading the silo metadata <c>automon.role</c>), the
    /// WAN-latency emulation and the wire-byte counting of protocol calls, and the per-silo experiment registry.
    /// </summary>
    public static ISiloBuilder AddAutoMonGrains(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ExperimentRegistry>();

        // The directory cache (addresses of grains elsewhere) is allocated at its full size when the silo starts: Orleans'
        // default of 1,000,000 entries holds 19 MB from the start; 100,000 is still ten times a silo with 10,000 nodes.
        builder.Services.Configure<GrainDirectoryOptions>(options => options.CacheSize = DirectoryCacheSize);
        builder.Services.AddSingleton<WireSizer>();
        builder.Services.AddPlacementDirector<CoordinatorPlacementStrategy, CoordinatorPlacementDirector>();
        builder.Services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
        builder.AddOutgoingGrainCallFilter<WanLatencyFilter>();
        builder.AddOutgoingGrainCallFilter<WireBytesFilter>();
        builder.AddIncomingGrainCallFilter<WireBytesFilter>();
        return builder;
    }
}
