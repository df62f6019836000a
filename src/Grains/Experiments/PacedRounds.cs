using AutoMon.Numerics.AutoDiff;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// A paced run's error on every data round, computed as the paper's AWS figures compute it (the reference's
/// <c>plot_aws_stats.get_num_messages_and_max_error_aws</c>): the estimate in force at round r is f(x̄) at the round the
/// last full sync reached the nodes, and the error is its distance to f(x̄_r), the data's true value at round r.
/// </summary>
public static class PacedRounds
{
    /// <summary>
    /// The data's true value f(x̄_r) of every round as the simulation counts rounds: round 0 once every window is full,
    /// then one round per n data points (per point with <paramref name="singleSampleRounds"/>).
    /// </summary>
    public static double[] TrueValues(FunctionEvaluator evaluator, DataSet monitoring, StreamKind kind, int dimension, int window,
        bool singleSampleRounds)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(monitoring);
        var feed = new DataFeed(monitoring, kind, dimension, window);
        feed.FillAllWindows();
        var perRound = singleSampleRounds ? 1 : monitoring.NodeCount;
        var values = new double[1 + (feed.Remaining / perRound)];
        var global = new double[dimension];
        feed.CopyGlobalVector(global);
        values[0] = evaluator.Value(global);
        for (var round = 1; round < values.Length; round++)
        {
            for (var k = 0; k < perRound; k++)
            {
                feed.TryAdvance(out _);
            }

            feed.CopyGlobalVector(global);
            values[round] = evaluator.Value(global);
        }

        return values;
    }

    /// <summary>
    /// The round of a node's data position: 0 while it has taken only window rows (the first <paramref name="fillRows"/>),
    /// then the round whose points include row <paramref name="sequence"/>.
    /// </summary>
    public static int RoundOf(long sequence, int fillRows, int pointsPerRound) =>
        sequence < fillRows ? 0 : (int)((sequence - fillRows) / pointsPerRound) + 1;

    /// <summary>
    /// Every round's true value, estimate in force and error, from the nodes' sync histories. A full sync is in force from
    /// the earliest round at which a node applied it; its thresholds are the ones the nodes received.
    /// </summary>
    public static List<RoundValue> Errors(IReadOnlyList<double> trueValues, IReadOnlyList<IReadOnlyList<NodeSyncRecord>> histories,
        int fillRows, int pointsPerRound)
    {
        ArgumentNullException.ThrowIfNull(trueValues);
        ArgumentNullException.ThrowIfNull(histories);
        var syncs = histories
            .SelectMany(h => h.Where(r => r.Full))
            .GroupBy(r => r.ConstraintVersion)
            .Select(g => (Version: g.Key, Round: g.Min(r => RoundOf(r.Sequence, fillRows, pointsPerRound)), Record: g.First()))
            .OrderBy(s => s.Version)
            .ToList();

        var rounds = new List<RoundValue>(trueValues.Count);
        var next = 0;
        double estimate = double.NaN, lower = double.NaN, upper = double.NaN;
        for (var r = 0; r < trueValues.Count; r++)
        {
            // Later versions replace earlier ones; a version applied "before" its predecessor (nodes apart) counts from then.
            while (next < syncs.Count && syncs[next].Round <= r)
            {
                var sync = syncs[next++];
                estimate = trueValues[Math.Min(sync.Round, trueValues.Count - 1)];
                (lower, upper) = (sync.Record.LowerThreshold, sync.Record.UpperThreshold);
            }

            rounds.Add(new RoundValue(r, trueValues[r], estimate, Math.Abs(estimate - trueValues[r]), lower, upper));
        }

        return rounds;
    }
}
