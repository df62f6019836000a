using AutoMon.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime.Placement;

namespace AutoMon.Grains.Hosting;

/// <summary>Registers what AutoMon's grains need on a silo.</summary>
public static class AutoMonGrainsHosting
{
    /// <summary>
    /// Adds the role-based placement of coordinator and node grains (reading the silo metadata <c>automon.role</c>), the
    /// WAN-latency emulation and the wire-byte counting of protocol calls, and the per-silo experiment registry.
    /// </summary>
    public static ISiloBuilder AddAutoMonGrains(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ExperimentRegistry>();
        builder.Services.AddSingleton<WireSizer>();
        builder.Services.AddPlacementDirector<CoordinatorPlacementStrategy, CoordinatorPlacementDirector>();
        builder.Services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
        builder.AddOutgoingGrainCallFilter<WanLatencyFilter>();
        builder.AddOutgoingGrainCallFilter<WireBytesFilter>();
        builder.AddIncomingGrainCallFilter<WireBytesFilter>();
        return builder;
    }
}
