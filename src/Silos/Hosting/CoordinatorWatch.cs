using AutoMon.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// Ends a node silo when its experiment's coordinator silo has left: in the cloud, node silos are tasks that cost money
/// while they run, and only the coordinator knows when the experiment is done.
/// </summary>
public static class CoordinatorWatch
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Watches the cluster's membership; once a coordinator silo seen active is no longer active (shut down or declared
    /// dead) and no other coordinator is, stops the host — and also when no coordinator has joined within
    /// <paramref name="joinTimeout"/> (its task or instance never came up: the node silo would otherwise run, and cost,
    /// until its max run time). Returns when the host stops.
    /// </summary>
    public static async Task StopWhenCoordinatorLeavesAsync(IServiceProvider services, TextWriter output, TimeSpan joinTimeout)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var metadata = services.GetRequiredService<ISiloMetadataCache>();
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = lifetime.ApplicationStopping;
        var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        SiloAddress? seen = null;
        var deadline = DateTime.UtcNow + joinTimeout;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var members = membership.CurrentSnapshot.Members.Values.Where(m => IsCoordinator(m, metadata)).ToList();
                var active = members.FirstOrDefault(m => m.Status == SiloStatus.Active);

                // Seen: active now, or one that started after this silo and is already gone (between two looks): this
                // experiment's coordinator, and done.
                seen ??= active?.SiloAddress
                         ?? members.FirstOrDefault(m => (m.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead)
                                                        && m.SiloAddress.Generation > self.Generation)?.SiloAddress;
                if (active is null && seen is not null)
                {
                    await output.WriteLineAsync($"AutoMon silo: coordinator silo {seen} has left the cluster; stopping").ConfigureAwait(false);
                    lifetime.StopApplication();
                    return;
                }

                if (seen is null && DateTime.UtcNow > deadline)
                {
                    await output.WriteLineAsync($"AutoMon silo: no coordinator silo joined within {joinTimeout}; stopping").ConfigureAwait(false);
                    lifetime.StopApplication();
                    return;
                }

                await Task.Delay(Poll, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping anyway.
        }
    }

    // The role metadata reaches the cache a moment after a silo joins; a short experiment's coordinator (or one on a busy
    // machine) can come and go before it does. Its name says it too: the silo host names silos "<role>-<port>" unless told
    // otherwise, and the launcher names the coordinator silo "coordinator".
    private static bool IsCoordinator(ClusterMember member, ISiloMetadataCache metadata) =>
        metadata.GetSiloMetadata(member.SiloAddress).Metadata.GetValueOrDefault(AutoMonSiloMetadata.Role) == AutoMonSiloMetadata.CoordinatorRole
        || (member.Name?.StartsWith(AutoMonSiloMetadata.CoordinatorRole, StringComparison.Ordinal) ?? false);
}
