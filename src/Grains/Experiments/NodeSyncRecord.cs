using AutoMon.Protocol;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// A sync or lazy sync as a paced node grain applied it: which constraints it brought and where in its data the node was,
/// so a run can compute its error on every data round as the paper's AWS figures do (the reference node's
/// <c>full_sync_history</c>).
/// </summary>
/// <param name="ConstraintVersion">The coordinator's constraint version the message carried.</param>
/// <param name="Full">A full sync (new reference point and thresholds) rather than a lazy one (new slack only).</param>
/// <param name="DataUpdates">The node's data updates when it applied it (its first update is the full window's, round 0).</param>
/// <param name="Sequence">The data row the node had taken last (a row index of the monitored data; the window's rows first).</param>
/// <param name="LowerThreshold">Full sync: L; lazy sync: NaN.</param>
/// <param name="UpperThreshold">Full sync: U; lazy sync: NaN.</param>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.NodeSyncRecord")]
public sealed record NodeSyncRecord(
    [property: Id(0)] int ConstraintVersion,
    [property: Id(1)] bool Full,
    [property: Id(2)] long DataUpdates,
    [property: Id(3)] long Sequence,
    [property: Id(4)] double LowerThreshold,
    [property: Id(5)] double UpperThreshold)
{
    /// <summary>
    /// The coordinator's round (its iteration) when it sent the message: known from the version, which the coordinator
    /// derives from it (<see cref="Coordinator.ConstraintVersionAt"/>). A paced coordinator counts completed syncs, so a
    /// full sync's is the first column of its row in sync_history.csv.
    /// </summary>
    public int CoordinatorRound => Coordinator.IterationOfVersion(ConstraintVersion);
}
