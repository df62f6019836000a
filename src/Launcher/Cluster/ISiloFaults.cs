namespace AutoMon.Launcher.Cluster;

/// <summary>A silo process that ended while the cluster ran: its name and when it exited (UTC).</summary>
internal sealed record SiloExit(string Silo, DateTime ExitedAt);

/// <summary>
/// A grain host whose silos can die under a run and be replaced by the others (a local multi-process cluster): tells the
/// runner when one died and when the cluster declared it dead, and can kill one (<c>--inject-fault</c>).
/// </summary>
internal interface ISiloFaults
{
    /// <summary>The silos' names (coordinator, coordinator-standby, node-1, ...).</summary>
    IReadOnlyList<string> SiloNames { get; }

    /// <summary>How many silo processes have exited so far.</summary>
    int ExitCount { get; }

    /// <summary>The <paramref name="index"/>-th silo exit (0-based), when it happens.</summary>
    Task<SiloExit> ExitAsync(int index, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until the cluster's membership no longer lists <paramref name="exit"/>'s silo as active (its grains can then be
    /// placed elsewhere); the time that took from the exit. Throws when no silo that can run an experiment is left.
    /// </summary>
    Task<TimeSpan> WaitUntilDeclaredDeadAsync(SiloExit exit, CancellationToken cancellationToken);

    /// <summary>Kills silo <paramref name="silo"/> at once (SIGKILL), as a crash would.</summary>
    void Kill(string silo);
}
