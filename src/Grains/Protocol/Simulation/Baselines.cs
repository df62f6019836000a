namespace AutoMon.Protocol.Simulation;

/// <summary>
/// The paper's comparison points, computed from the same run's per-round true values (reference
/// <c>stats_analysis_utils.get_period_approximation_error</c> and the centralisation experiment): each report is the node's
/// local vector in a 12-byte-header message of d doubles.
/// </summary>
public static class Baselines
{
    /// <summary>
    /// Centralisation: every update's local vector is sent, so the coordinator knows x̄ exactly (error 0). Messages are counted
    /// as the reference's figures count them, (R + 1)·n, or R + 1 with single-sample rounds (the paper's 10,020 for the
    /// inner product with R = 1001, n = 10); each is a 12-byte header plus d doubles.
    /// </summary>
    public static BaselineResult Centralization(IReadOnlyList<RoundValue> rounds, int nodeCount, int dimension, bool singleSampleRounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        long messages = singleSampleRounds ? rounds.Count + 1 : (long)(rounds.Count + 1) * nodeCount;
        return new BaselineResult("centralization", 1, messages, messages * DataUpdate.SizeFor(dimension), 0, 0);
    }

    /// <summary>
    /// Periodic: every <paramref name="period"/> rounds (from round 0) all n nodes send their local vectors; in between the
    /// estimate is f(x̄) of the last report round.
    /// </summary>
    public static BaselineResult Periodic(IReadOnlyList<RoundValue> rounds, int period, int nodeCount, int dimension)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        double max = 0, sum = 0;
        for (var r = 0; r < rounds.Count; r++)
        {
            var error = Math.Abs(rounds[r].TrueValue - rounds[r - (r % period)].TrueValue);
            max = Math.Max(max, error);
            if (r > 0)
            {
                sum += error;
            }
        }

        long reports = (rounds.Count + period - 1) / period;
        var messages = reports * nodeCount;
        return new BaselineResult("periodic", period, messages, messages * DataUpdate.SizeFor(dimension), max,
            rounds.Count > 1 ? sum / (rounds.Count - 1) : 0);
    }

    /// <summary>
    /// The reference's "periodic equivalent" period for AutoMon's <paramref name="messages"/>: max(1, ⌊R·n / messages⌋), or
    /// R − 1 when AutoMon sent nothing.
    /// </summary>
    public static int EquivalentPeriod(long messages, int rounds, int nodeCount)
    {
        if (messages <= 0)
        {
            return Math.Max(1, rounds - 1);
        }

        return (int)Math.Max(1, (long)rounds * nodeCount / messages);
    }

    /// <summary>
    /// The reference's "periodic oracle": the largest period whose every round stays within <paramref name="errorBound"/>
    /// (P = 1, 2, … while P &lt; min(500, R); at the first P that exceeds the bound, max(1, P − 1)).
    /// </summary>
    public static int OraclePeriod(IReadOnlyList<RoundValue> rounds, double errorBound, int nodeCount, int dimension)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var period = 1;
        for (; period < Math.Min(500, rounds.Count); period++)
        {
            if (Periodic(rounds, period, nodeCount, dimension).MaxError > errorBound)
            {
                return Math.Max(1, period - 1);
            }
        }

        return period;
    }
}
