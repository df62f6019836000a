using AutoMon.Grains.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// Ends a node silo when its experiment's coordinator silo has left: in the cloud, node silos are tasks that cost money
/// while they run, and only the coordinator knows when the experiment is done.
/// </summary>
public static partial class CoordinatorWatch
{
    /// <summary>
    /// Follows the cluster's membership (a snapshot per change, no polling); once a coordinator silo has been seen and no
    /// coordinator is active any more (shut down or declared dead), stops the host — and also when no coordinator has joined within
    /// <paramref name="joinTimeout"/> (its task or instance never came up: the node silo would otherwise run, and cost,
    /// until its max run time). Returns when the host stops.
    /// </summary>
    public static async Task StopWhenCoordinatorLeavesAsync(IServiceProvider services, ILogger logger, TimeSpan joinTimeout)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(logger);
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var metadata = services.GetRequiredService<ISiloMetadataCache>();
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = lifetime.ApplicationStopping;
        var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        try
        {
            if (await WaitForCoordinatorAsync(membership, metadata, self, joinTimeout, stopping).ConfigureAwait(false) is not { } coordinator)
            {
                LogNoCoordinatorJoined(logger, joinTimeout);
                lifetime.StopApplication();
                return;
            }

            // The current snapshot first, then one per membership change, until no coordinator is active.
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping).ConfigureAwait(false))
            {
                if (!snapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && IsCoordinator(m, metadata)))
                {
                    LogCoordinatorLeft(logger, coordinator);
                    lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping anyway.
        }
    }

    /// <summary>The first coordinator silo seen in the membership snapshots; null when none is within <paramref name="joinTimeout"/>.</summary>
    private static async Task<SiloAddress?> WaitForCoordinatorAsync(
        IClusterMembershipService membership, ISiloMetadataCache metadata, SiloAddress self, TimeSpan joinTimeout, CancellationToken stopping)
    {
        using var join = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        join.CancelAfter(joinTimeout);
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(join.Token).ConfigureAwait(false))
            {
                var coordinators = snapshot.Members.Values.Where(m => IsCoordinator(m, metadata)).ToList();

                // Seen: active now, or one that started after this silo and is already gone (between two snapshots): this
                // experiment's coordinator, and done.
                var seen = coordinators.FirstOrDefault(m => m.Status == SiloStatus.Active)
                           ?? coordinators.FirstOrDefault(m => (m.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead)
                                                               && m.SiloAddress.Generation > self.Generation);
                if (seen is not null)
                {
                    return seen.SiloAddress;
                }
            }

            // The updates end only when the silo stops.
            throw new OperationCanceledException(stopping);
        }
        catch (OperationCanceledException) when (join.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // The join timeout.
            return null;
        }
    }

    // The role metadata reaches the cache a moment after a silo joins (the cache fetches it on the same membership
    // change this watch sees); a short experiment's coordinator (or one on a busy machine) can come and go before it
    // does. Its name says it too: the silo host names silos "<role>-<port>" unless told otherwise, and the launcher names
    // the coordinator silo "coordinator".
    internal static bool IsCoordinator(ClusterMember member, ISiloMetadataCache metadata) =>
        metadata.GetSiloMetadata(member.SiloAddress).Metadata.GetValueOrDefault(AutoMonSiloMetadata.Role) == AutoMonSiloMetadata.CoordinatorRole
        || (member.Name?.StartsWith(AutoMonSiloMetadata.CoordinatorRole, StringComparison.Ordinal) ?? false);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon silo: coordinator silo {Coordinator} has left the cluster; stopping")]
    private static partial void LogCoordinatorLeft(ILogger logger, SiloAddress coordinator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AutoMon silo: no coordinator silo joined within {JoinTimeout}; stopping")]
    private static partial void LogNoCoordinatorJoined(ILogger logger, TimeSpan joinTimeout);
}
