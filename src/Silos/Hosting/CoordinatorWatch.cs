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
    /// dead) and no other coordinator is, stops the host. Returns when the host stops.
    /// </summary>
    public static async Task StopWhenCoordinatorLeavesAsync(IServiceProvider services, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var metadata = services.GetRequiredService<ISiloMetadataCache>();
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = lifetime.ApplicationStopping;
        SiloAddress? seen = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var coordinators = membership.CurrentSnapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Active
                                && metadata.GetSiloMetadata(m.SiloAddress).Metadata.GetValueOrDefault(AutoMonSiloMetadata.Role) == AutoMonSiloMetadata.CoordinatorRole)
                    .Select(m => m.SiloAddress)
                    .ToList();
                if (coordinators.Count > 0)
                {
                    seen ??= coordinators[0];
                }
                else if (seen is not null)
                {
                    await output.WriteLineAsync($"AutoMon silo: coordinator silo {seen} has left the cluster; stopping").ConfigureAwait(false);
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
}
