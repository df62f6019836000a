using AutoMon.Grains.Experiments;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace AutoMon.Grains.Placement;

/// <summary>The silo metadata AutoMon's placement reads (published by the silo host with <c>UseSiloMetadata</c>).</summary>
public static class AutoMonSiloMetadata
{
    /// <summary>Metadata key of the silo's role.</summary>
    public const string Role = "automon.role";

    /// <summary>Metadata key of the silo's region label.</summary>
    public const string Region = "automon.region";

    /// <summary>Role of the dedicated coordinator silo.</summary>
    public const string CoordinatorRole = "coordinator";

    /// <summary>Role of a silo that hosts node grains.</summary>
    public const string NodeRole = "node";

    /// <summary>Role of a silo that hosts everything.</summary>
    public const string AllInOneRole = "all-in-one";

    /// <summary>
    /// Metadata key of the node indices a node silo is meant for, <c>first-last</c> inclusive (a cloud task named
    /// <c>node-3</c> hosts node 3, as the seed's NODE_IDX did); silos without it take the nodes nobody claims.
    /// </summary>
    public const string NodeRange = "automon.node-range";

    /// <summary>The metadata value of a node range.</summary>
    public static string FormatNodeRange(int first, int last) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{first}-{last}");

    /// <summary>Parses a <see cref="NodeRange"/> value: <c>first-last</c>, 0 ≤ first ≤ last.</summary>
    public static bool TryParseNodeRange(string? text, out int first, out int last)
    {
        first = last = -1;
        var parts = text?.Split('-') ?? [];
        return parts.Length == 2
               && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out first)
               && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out last)
               && first <= last;
    }

    /// <summary>
    /// Among <paramref name="candidates"/> (sorted) with their range metadata, the silo meant for node <paramref name="index"/>:
    /// the first whose range holds it; null when none does (then the nodes are spread round-robin).
    /// </summary>
    public static T? SiloForNode<T>(int index, IReadOnlyList<(T Silo, string? Range)> candidates)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(candidates);
        foreach (var (silo, range) in candidates)
        {
            if (TryParseNodeRange(range, out var first, out var last) && index >= first && index <= last)
            {
                return silo;
            }
        }

        return null;
    }
}

/// <summary>Places an experiment's coordinator grain on a coordinator silo (or, with none, an all-in-one silo).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("AutoMon.Grains.CoordinatorPlacementStrategy")]
public sealed class CoordinatorPlacementStrategy : PlacementStrategy;

/// <summary>Places node grains on node silos (or, with none, all-in-one silos), spread by node index; never on the coordinator silo while other silos exist.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("AutoMon.Grains.NodePlacementStrategy")]
public sealed class NodePlacementStrategy : PlacementStrategy;

/// <summary>Applies <see cref="CoordinatorPlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CoordinatorPlacementAttribute() : PlacementAttribute(new CoordinatorPlacementStrategy());

/// <summary>Applies <see cref="NodePlacementStrategy"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePlacementAttribute() : PlacementAttribute(new NodePlacementStrategy());

/// <summary>Shared logic: read the compatible silos' roles (waiting briefly for metadata of silos that just joined), filter, pick.</summary>
internal abstract partial class RolePlacementDirector(ISiloMetadataCache metadata, ILogger logger) : IPlacementDirector
{
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(10);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new OrleansException($"No silo can host {target.GrainIdentity}.");
        }

        var roles = await RolesAsync(silos).ConfigureAwait(false);
        var candidates = Choose(roles);
        if (candidates.Length == 0)
        {
            throw new OrleansException(
                $"No silo accepts {target.GrainIdentity}: the cluster's roles are {string.Join(", ", roles.Select(r => $"{r.Silo}={r.Role}"))}.");
        }

        Array.Sort(candidates);
        var chosen = Prefer(target.GrainIdentity, candidates) ?? candidates[Pick(target.GrainIdentity, candidates.Length)];
        LogPlaced(logger, target.GrainIdentity, chosen);
        return chosen;
    }

    /// <summary>The silos (with their roles) this kind of grain may go to.</summary>
    protected abstract SiloAddress[] Choose(IReadOnlyList<(SiloAddress Silo, string Role)> roles);

    /// <summary>The index among <paramref name="count"/> sorted candidates.</summary>
    protected abstract int Pick(GrainId grain, int count);

    /// <summary>A candidate meant for this grain, chosen before <see cref="Pick"/>; null: none.</summary>
    protected virtual SiloAddress? Prefer(GrainId grain, SiloAddress[] candidates) => null;

    protected static SiloAddress[] WithRole(IReadOnlyList<(SiloAddress Silo, string Role)> roles, string role) =>
        [.. roles.Where(r => r.Role == role).Select(r => r.Silo)];

    // A silo's metadata reaches the cache shortly after it joins; a silo without an AutoMon role counts as all-in-one.
    private async Task<List<(SiloAddress Silo, string Role)>> RolesAsync(SiloAddress[] silos)
    {
        var deadline = DateTime.UtcNow + MetadataWait;
        while (true)
        {
            var roles = silos.Select(s => (Silo: s, Role: metadata.GetSiloMetadata(s).Metadata.GetValueOrDefault(AutoMonSiloMetadata.Role))).ToList();
            if (roles.All(r => r.Role is not null) || DateTime.UtcNow >= deadline)
            {
                return [.. roles.Select(r => (r.Silo, r.Role ?? AutoMonSiloMetadata.AllInOneRole))];
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Placing {Grain} on {Silo}")]
    private static partial void LogPlaced(ILogger logger, GrainId grain, SiloAddress silo);
}

/// <summary>
/// Coordinator silos first, the oldest of them (later ones are standbys: they take over when it dies), then all-in-one
/// silos; with neither left, a node silo rather than no coordinator at all (logged as a warning).
/// </summary>
internal sealed partial class CoordinatorPlacementDirector(ISiloMetadataCache metadata, ILogger<CoordinatorPlacementDirector> logger)
    : RolePlacementDirector(metadata, logger)
{
    protected override SiloAddress[] Choose(IReadOnlyList<(SiloAddress Silo, string Role)> roles)
    {
        var coordinators = WithRole(roles, AutoMonSiloMetadata.CoordinatorRole);
        if (coordinators.Length > 0)
        {
            return [coordinators.MinBy(s => s.Generation)!];
        }

        var allInOne = WithRole(roles, AutoMonSiloMetadata.AllInOneRole);
        if (allInOne.Length > 0)
        {
            return allInOne;
        }

        var nodes = WithRole(roles, AutoMonSiloMetadata.NodeRole);
        if (nodes.Length > 0)
        {
            LogFallback(logger, nodes[0]);
        }

        return nodes;
    }

    protected override int Pick(GrainId grain, int count) => (int)(grain.Key.GetUniformHashCode() % (uint)count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No coordinator silo is active: placing a coordinator grain on node silo {Silo} (start a standby coordinator silo to avoid this)")]
    private static partial void LogFallback(ILogger logger, SiloAddress silo);
}

/// <summary>Node silos first, then all-in-one silos; the silo whose node range holds the index, else round-robin by node index.</summary>
internal sealed class NodePlacementDirector(ISiloMetadataCache metadata, ILogger<NodePlacementDirector> logger)
    : RolePlacementDirector(metadata, logger)
{
    private readonly ISiloMetadataCache _metadata = metadata;

    // A node silo started for particular nodes (--node-range) gets them; the others are spread round-robin.
    protected override SiloAddress? Prefer(GrainId grain, SiloAddress[] candidates) =>
        ExperimentKeys.TryParseNode(grain.Key.ToString(), out _, out var index)
            ? AutoMonSiloMetadata.SiloForNode(index,
                [.. candidates.Select(c => (c, (string?)_metadata.GetSiloMetadata(c).Metadata.GetValueOrDefault(AutoMonSiloMetadata.NodeRange)))])
            : null;

    protected override SiloAddress[] Choose(IReadOnlyList<(SiloAddress Silo, string Role)> roles)
    {
        var nodes = WithRole(roles, AutoMonSiloMetadata.NodeRole);
        if (nodes.Length > 0)
        {
            return nodes;
        }

        // No node silo left (all died): the coordinator silos host the nodes rather than the run ending.
        var allInOne = WithRole(roles, AutoMonSiloMetadata.AllInOneRole);
        return allInOne.Length > 0 ? allInOne : WithRole(roles, AutoMonSiloMetadata.CoordinatorRole);
    }

    protected override int Pick(GrainId grain, int count) =>
        ExperimentKeys.TryParseNode(grain.Key.ToString(), out _, out var index)
            ? index % count
            : (int)(grain.Key.GetUniformHashCode() % (uint)count);
}
