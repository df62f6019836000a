namespace AutoMon.Grains.Results;

/// <summary>
/// A silo that died under a run and what it cost: the round the run had reached, how long until the cluster declared the
/// silo dead (detection), and how long from then until the run was back at that round (recovery). A lockstep run recovers
/// by replaying on the remaining silos from its last consistent checkpoint, so its results equal the fault-free run's.
/// </summary>
/// <param name="Silo">The silo's name (coordinator, coordinator-standby, node-1, ...).</param>
/// <param name="Round">
/// Rounds the run had closed when the silo died; null when nobody left alive knows (an AWS standby coordinator replaying
/// the run of the coordinator silo that died with its driver).
/// </param>
/// <param name="DetectionSeconds">From the silo's death until the membership declared it dead.</param>
/// <param name="RecoverySeconds">
/// From the detection until the run had closed <paramref name="Round"/> rounds again (when the round is unknown: until the
/// replay had closed every round).
/// </param>
public sealed record SiloFault(string Silo, int? Round, double DetectionSeconds, double RecoverySeconds);
