using AutoMon.Numerics;

namespace AutoMon.Protocol;

/// <summary>When the coordinator's iteration counter (and so the constraint versions it hands out) advances.</summary>
public enum IterationClock
{
    /// <summary>Once per data round, when the host calls <see cref="Coordinator.EndRound"/> (the reference's simulation).</summary>
    Rounds,

    /// <summary>Once per completed sync (the reference's distributed mode, where rounds are not visible to the coordinator).</summary>
    Syncs,
}

/// <summary>Configuration of a <see cref="Coordinator"/> (reference <c>AutomonCoordinator.__init__</c> arguments).</summary>
public sealed record CoordinatorOptions
{
    /// <summary>Number of nodes n.</summary>
    public required int NodeCount { get; init; }

    /// <summary>The additive error bound ε: L, U = f(x0) ∓ ε.</summary>
    public required double ErrorBound { get; init; }

    /// <summary>Slack type; <see cref="SlackType.NoSlack"/> requires <see cref="SyncType.Eager"/>.</summary>
    public SlackType SlackType { get; init; } = SlackType.Drift;

    /// <summary>Sync type.</summary>
    public SyncType SyncType { get; init; } = SyncType.LazyLRU;

    /// <summary>S_max as a fraction of n: a lazy sync uses at most round(fraction · n) nodes (round half to even).</summary>
    public double LazySyncMaxFraction { get; init; } = 0.5;

    /// <summary>Initial neighbourhood size r for ADCD-X (null: the neighbourhood is the whole domain). Ignored for a constant Hessian.</summary>
    public double? NeighborhoodSize { get; init; }

    /// <summary>Double the neighbourhood after more than 5n consecutive Domain violations (reference <c>b_fix_neighborhood_dynamically</c>).</summary>
    public bool AdjustNeighborhoodDynamically { get; init; } = true;

    /// <summary>How the iteration counter advances.</summary>
    public IterationClock IterationClock { get; init; } = IterationClock.Rounds;

    /// <summary>Options of the ADCD-X extreme-eigenvalue search (null: the reference's, 5 iterations).</summary>
    public ExtremeEigenvalueOptions? ExtremeEigenvalueOptions { get; init; }

    /// <summary>
    /// The adaptive fallback: switch the run to centralisation before an exchange could make it costlier than
    /// centralisation (simulation hosts only; off reproduces the paper bit for bit).
    /// </summary>
    public bool Adaptive { get; init; }

    /// <summary>
    /// Full syncs leave out the drift slack, x_i − x0 for the vector x_i the node last sent, which the node computes as
    /// the coordinator does (the same bits): d doubles less per Sync. For hosts where the coordinator's x_i is always the
    /// node's last sent vector (the simulation's adaptive runs); off, every Sync is the paper's.
    /// </summary>
    public bool NodesDeriveSyncSlack { get; init; }

    /// <summary>Data updates per round, centralisation's reports per round for <see cref="Adaptive"/> (null: n).</summary>
    public int? UpdatesPerRound { get; init; }

    /// <summary>
    /// The protocol: AutoMon, or a competitor whose nodes check its own local constraint. RLV always runs without slack
    /// and with eager sync, whatever <see cref="SlackType"/> and <see cref="SyncType"/> say (as the reference's).
    /// </summary>
    public MonitoringProtocol Protocol { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (NodeCount < 1)
        {
            throw new ArgumentException($"The number of nodes must be at least 1; got {NodeCount}.");
        }

        if (!(ErrorBound > 0) || double.IsInfinity(ErrorBound))
        {
            throw new ArgumentException($"The error bound must be a positive finite number; got {ErrorBound}.");
        }

        if (SlackType == SlackType.NoSlack && SyncType.IsLazy())
        {
            throw new ArgumentException($"Slack type NoSlack works only with eager sync; {SyncType} needs Drift slack.");
        }

        if (!(LazySyncMaxFraction > 0 && LazySyncMaxFraction <= 1))
        {
            throw new ArgumentException($"The lazy-sync S_max fraction must be in (0, 1]; got {LazySyncMaxFraction}.");
        }

        if (NeighborhoodSize is { } r && !(r > 0 && double.IsFinite(r)))
        {
            throw new ArgumentException($"The neighbourhood size must be a positive finite number; got {r}.");
        }

        if (UpdatesPerRound is { } u && u < 1)
        {
            throw new ArgumentException($"The updates per round must be at least 1; got {u}.");
        }

        if (!Enum.IsDefined(SlackType) || !Enum.IsDefined(SyncType) || !Enum.IsDefined(IterationClock) || !Enum.IsDefined(Protocol))
        {
            throw new ArgumentException("Unknown slack type, sync type, iteration clock or protocol.");
        }

        if (Adaptive && Protocol != MonitoringProtocol.AutoMon)
        {
            throw new ArgumentException($"The adaptive fallback is AutoMon's; --protocol {Protocol.Name()} runs without it.");
        }
    }
}
