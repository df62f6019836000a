using AutoMon.Grains.Monitors;

namespace AutoMon.Client;

/// <summary>A monitor's estimate as <see cref="AutoMonClient.WatchAsync"/> reports it.</summary>
/// <param name="Id">The monitor's id.</param>
/// <param name="Estimate">f(x0) of the last full sync; null before the first.</param>
/// <param name="ErrorBound">ε: after a push returns, |estimate − f(x̄)| ≤ ε.</param>
/// <param name="Updates">Points taken by all nodes.</param>
/// <param name="FullSyncs">Full syncs so far (each sets the estimate).</param>
/// <param name="LazySyncs">Lazy syncs so far.</param>
/// <param name="Violations">Violations the coordinator received.</param>
/// <param name="Messages">Protocol messages between the coordinator and the nodes.</param>
public sealed record MonitorState(
    string Id, double? Estimate, double ErrorBound, long Updates, long FullSyncs, long LazySyncs, long Violations, long Messages)
{
    /// <summary>The state of <paramref name="snapshot"/>.</summary>
    public static MonitorState From(MonitorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new MonitorState(snapshot.Id, snapshot.Estimate, snapshot.ErrorBound, snapshot.Updates, snapshot.FullSyncs,
            snapshot.LazySyncs, snapshot.Violations, snapshot.Messages);
    }
}
