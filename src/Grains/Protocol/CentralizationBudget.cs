namespace AutoMon.Protocol;

/// <summary>
/// What centralisation would have sent so far against what the run sent, for the adaptive fallback (docs/design.md
/// "Adaptive fallback"). Centralisation is counted as <see cref="Simulation.Baselines.Centralization"/> counts it: (R + 1)·u
/// reports of d values after R rounds of u updates each. The run may exceed it by its setup, the overdraft of round 0 (the
/// first full sync), and by nothing more: an exchange is resolved only when its worst case still fits.
/// </summary>
internal sealed class CentralizationBudget
{
    /// <summary>A switch message: header and constraint version, as <see cref="GetLocalVector"/>.</summary>
    public const int SwitchMessageSize = WireSizes.Header + WireSizes.UInt32;

    private readonly int _updatesPerRound;
    private readonly long _reportSize;
    private readonly long _worstExchangeMessages;
    private readonly long _worstExchangeBytes;

    /// <summary>Starts the budget after the setup: <paramref name="statistics"/> hold round 0's cost and no more.</summary>
    public CentralizationBudget(int nodes, int dimension, int updatesPerRound, CoordinatorStatistics statistics)
    {
        _updatesPerRound = updatesPerRound;
        _reportSize = ReportSize(dimension);

        // Worst case of resolving one round's violations once they arrived: every other node asked and answering, then a
        // sync to all n. Adaptive runs never ship the ADCD-E matrix, so a Sync carries at most one DC value.
        var sync = WireSizes.Header + WireSizes.UInt32 + (2 * WireSizes.Vector(dimension)) + (3 * WireSizes.Double) + WireSizes.UInt32 + WireSizes.Double;
        var request = WireSizes.Header + WireSizes.UInt32;
        var reply = WireSizes.Header + WireSizes.UInt32 + WireSizes.Vector(dimension);
        _worstExchangeMessages = 3L * nodes;
        _worstExchangeBytes = (long)nodes * (request + reply + sync);

        // The setup: what round 0 cost beyond centralisation's count for it (statistics hold nothing later yet).
        SetupMessages = Math.Max(0, statistics.TotalMessagesBroadcastDisabled - CentralizationMessages(0));
        SetupBytes = Math.Max(0, Spent(statistics) - (CentralizationMessages(0) * _reportSize));
    }

    /// <summary>Messages round 0 cost beyond centralisation's count for it.</summary>
    public long SetupMessages { get; }

    /// <summary>Bytes round 0 cost beyond centralisation's count for it.</summary>
    public long SetupBytes { get; }

    /// <summary>Bytes of one centralised report: a header and d values (<see cref="DataUpdate"/>).</summary>
    public static int ReportSize(int dimension) => DataUpdate.SizeFor(dimension);

    /// <summary>
    /// True when round <paramref name="round"/>'s <paramref name="violations"/> (sent, not yet counted) and the costliest
    /// exchange that can resolve them keep the run within centralisation's count at the end of the round, setup included.
    /// </summary>
    public bool Affords(CoordinatorStatistics statistics, int round, IReadOnlyList<INodeMessage> violations)
    {
        long violationBytes = 0;
        foreach (var violation in violations)
        {
            violationBytes += violation.WireSize;
        }

        var messages = statistics.TotalMessagesBroadcastDisabled + violations.Count + _worstExchangeMessages;
        var bytes = Spent(statistics) + violationBytes + _worstExchangeBytes;
        var allowed = CentralizationMessages(round);
        return messages <= allowed + SetupMessages && bytes <= (allowed * _reportSize) + SetupBytes;
    }

    // Centralisation's count once round `round` (0-based) closed: (R + 1)·u with R = round + 1 rounds.
    private long CentralizationMessages(int round) => (round + 2L) * _updatesPerRound;

    private static long Spent(CoordinatorStatistics statistics) => statistics.BytesSent + statistics.BytesReceived;
}
