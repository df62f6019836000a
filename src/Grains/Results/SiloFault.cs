namespace AutoMon.Grains.Results;

/// <summary>
/// A silo that died under a run and what it cost: the round the run had reached, how long until the cluster declared the
/// silo dead (detection), and how long from then until the run was back at that round (recovery). A lockstep run recovers
/// by replaying on the remaining silos from its last consistent checkpoint, so its results equal the fault-free run's; a
/// paced run restarts where it is, with one full sync, and says for how long the bound was not guaranteed.
/// </summary>
/// <param name="Silo">The silo's name (coordinator, coordinator-standby, node-1, ...).</param>
/// <param name="Round">
/// Rounds the run had closed when the silo died; null when nobody left alive knows (an AWS standby coordinator replaying
/// the run of the coordinator silo that died with its driver).
/// </param>
/// <param name="DetectionSeconds">From the silo's death until the membership declared it dead.</param>
/// <param name="RecoverySeconds">
/// From the detection until the run had closed <paramref name="Round"/> rounds again (when the round is unknown: until the
/// replay had closed every round); paced: from the detection until the restart.
/// </param>
public sealed record SiloFault(string Silo, int? Round, double DetectionSeconds, double RecoverySeconds)
{
    /// <summary>
    /// Paced runs, which go on rather than replay: from the silo's death until the restart's full sync had reached every
    /// node, the time the error bound was not guaranteed (null for lockstep runs, whose results are the fault-free run's).
    /// </summary>
    public double? UnguardedSeconds { get; init; }

    /// <summary>Paced runs: the data rounds from the silo's death to the restart (null for lockstep runs).</summary>
    public int? UnguardedRounds { get; init; }
}
