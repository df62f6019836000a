namespace AutoMon.Protocol.Simulation;

/// <summary>
/// The paper's comparison points, computed from the same run's per-round true values (reference
/// <c>stats_analysis_utils.get_period_approximation_error</c> and the centralisation experiment): each report is the node's
/// local vector in a 12-byte-header message of d doubles.
/// </summary>
public static class Baselines
{
    /// <summary>Centralisation: every data update's local vector is sent; the coordinator knows x̄ exactly (error 0).</summary>
    public static BaselineResult Centralization(IReadOnlyList<RoundValue> rounds, long dataUpdates, int dimension)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        return new BaselineResult("centralization", 1, dataUpdates, dataUpdates * DataUpdate.SizeFor(dimension), 0, 0);
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

    /// <summary>The smallest period whose periodic baseline sends no more messages than <paramref name="messages"/>.</summary>
    public static int PeriodMatching(long messages, int rounds, int nodeCount)
    {
        if (rounds <= 1)
        {
            return 1;
        }

        for (var period = 1; period < rounds; period++)
        {
            long reports = (rounds + period - 1) / period;
            if (reports * nodeCount <= messages)
            {
                return period;
            }
        }

        return rounds;
    }
}
