namespace AutoMon.Protocol;

/// <summary>
/// What centralisation would have sent so far against what the run sent, for the adaptive fallback (docs/design.md
/// "Adaptive fallback"). Centralisation sends one report of d values per update: in a simulation, as
/// <see cref="Simulation.Baselines.Centralization"/> counts it, (R + 1)·u after R rounds of u updates each; for a monitor,
/// its points so far. The run may exceed it by its setup, the overdraft of the first full sync, and by nothing more: an
/// exchange is resolved only when its worst case still fits.
/// </summary>
internal sealed class CentralizationBudget
{
    /// <summary>A switch message: header and constraint version, as <see cref="GetLocalVector"/>.</summary>
    public const int SwitchMessageSize = WireSizes.Header + WireSizes.UInt32;

    private readonly long _reportSize;
    private readonly long _worstExchangeMessages;
    private readonly long _worstExchangeBytes;
    private readonly long _reserveMessages;
    private readonly long _reserveBytes;

    /// <summary>
    /// Starts the budget after the setup: <paramref name="statistics"/> hold the first full sync's cost and no more, and
    /// centralisation would have sent <paramref name="setupCentralization"/> reports for the updates that led to it.
    /// With <paramref name="reserveSwitch"/> every resolution also leaves room for a later switch's catch-up: up to n
    /// violations or reports of vectors whose updates centralisation has already paid for (a host without rounds, where
    /// a switch's reports do not stand for this round's updates).
    /// </summary>
    public CentralizationBudget(int nodes, int dimension, long setupCentralization, CoordinatorStatistics statistics, bool reserveSwitch = false)
    {
        _reportSize = ReportSize(dimension);

        // Worst case of resolving one round's violations once they arrived: every other node asked and answering, then a
        // sync to all n. Adaptive runs never ship the ADCD-E matrix, so a Sync carries at most one DC value.
        var sync = WireSizes.Header + WireSizes.UInt32 + (2 * WireSizes.Vector(dimension)) + (3 * WireSizes.Double) + WireSizes.UInt32 + WireSizes.Double;
        var request = WireSizes.Header + WireSizes.UInt32;
        var reply = WireSizes.Header + WireSizes.UInt32 + WireSizes.Vector(dimension);
        _worstExchangeMessages = 3L * nodes;
        _worstExchangeBytes = (long)nodes * (request + reply + sync);
        _reserveMessages = reserveSwitch ? nodes : 0;
        _reserveBytes = reserveSwitch ? (long)nodes * (_reportSize + (2 * WireSizes.UInt32)) : 0;

        // The setup: what the first full sync cost beyond centralisation's count for it (statistics hold nothing later yet).
        SetupMessages = Math.Max(0, statistics.TotalMessagesBroadcastDisabled - setupCentralization);
        SetupBytes = Math.Max(0, Spent(statistics) - (setupCentralization * _reportSize));
    }

    /// <summary>Messages the first full sync cost beyond centralisation's count for it.</summary>
    public long SetupMessages { get; }

    /// <summary>Bytes the first full sync cost beyond centralisation's count for it.</summary>
    public long SetupBytes { get; }

    /// <summary>Bytes of one centralised report: a header and d values (<see cref="DataUpdate"/>).</summary>
    public static int ReportSize(int dimension) => DataUpdate.SizeFor(dimension);

    /// <summary>
    /// True when <paramref name="violations"/> (sent, not yet counted) and the costliest exchange that can resolve them keep
    /// the run within centralisation's count once it would have sent <paramref name="centralization"/> reports, setup
    /// included.
    /// </summary>
    public bool Affords(CoordinatorStatistics statistics, long centralization, IReadOnlyList<INodeMessage> violations)
    {
        long violationBytes = 0;
        foreach (var violation in violations)
        {
            violationBytes += violation.WireSize;
        }

        var messages = statistics.TotalMessagesBroadcastDisabled + violations.Count + _worstExchangeMessages + _reserveMessages;
        var bytes = Spent(statistics) + violationBytes + _worstExchangeBytes + _reserveBytes;
        return messages <= centralization + SetupMessages && bytes <= (centralization * _reportSize) + SetupBytes;
    }

    private static long Spent(CoordinatorStatistics statistics) => statistics.BytesSent + statistics.BytesReceived;
}
