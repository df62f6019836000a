using System.Diagnostics;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol.Data;

namespace AutoMon.Protocol.Simulation;

/// <summary>
/// Runs nodes and a coordinator in one process with the reference's round semantics (<c>test_utils._test_data_loop</c>):
/// every window is filled first; round 0 gives every node its local vector (all report, the first full sync follows);
/// then one data point at a time, a round closing after n points (or after every point with single-sample rounds).
/// The violations of a round are resolved together, then the round's statistics are recorded.
/// </summary>
public static class Simulator
{
    /// <summary>
    /// Runs <paramref name="data"/>: neighbourhood tuning on its tuning prefix first when there is one and the Hessian is
    /// not constant (reference <c>tune_neighborhood_size</c>), then monitoring on the rest.
    /// </summary>
    public static SimulationResult Run(SimulationOptions options, DataSet data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        var n = data.NodeCount;
        var random = new NumpyLegacyRandom(options.RandomSeed);
        var coordinator = new Coordinator(options.Function, options.CoordinatorOptions(n), random);
        var nodes = new Node[n];
        for (var i = 0; i < n; i++)
        {
            nodes[i] = new Node(i, options.Function, options.Protocol) { DerivesConstantHessian = options.Adaptive };
        }

        NeighborhoodTuningResult? tuning = null;
        if (data.TuningRowCount > 0 && !coordinator.IsHessianConstant && options.Protocol == MonitoringProtocol.AutoMon)
        {
            tuning = NeighborhoodTuner.Tune(coordinator, nodes, data.TuningPart(), options);
        }

        var monitoring = data.TuningRowCount > 0 ? data.MonitoringPart() : data;
        var wall = RunRounds(coordinator, nodes, monitoring, options, out var reported);

        long updates = reported, ticks = 0, timed = 0;
        foreach (var node in nodes)
        {
            updates += node.Statistics.DataUpdates;
            ticks += node.Statistics.CheckTicks;
            timed += node.Statistics.TimedChecks;
        }

        var result = Summarize(
            coordinator.Statistics, n, options.Function.Dimension, updates,
            timed == 0 ? double.NaN : ticks * (1e9 / Stopwatch.Frequency) / timed,
            wall, coordinator.IsHessianConstant, tuning, coordinator.NeighborhoodSize,
            options.SingleSampleRounds, options.ErrorBound, options.PeriodicBaselinePeriod);
        result.Protocol = options.Protocol;
        return result;
    }

    /// <summary>
    /// A run's result from its coordinator statistics, with the centralisation, periodic and oracle-periodic baselines
    /// computed from its rounds. Every host (this simulator, the grains' experiment driver) assembles results here, so
    /// their summaries compare field for field.
    /// </summary>
    public static SimulationResult Summarize(
        CoordinatorStatistics statistics, int nodeCount, int dimension, long dataUpdates, double meanCheckNanoseconds,
        double wallSeconds, bool isHessianConstant, NeighborhoodTuningResult? tuning, double neighborhoodSize,
        bool singleSampleRounds, double errorBound, int? periodicBaselinePeriod)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var n = nodeCount;
        var d = dimension;
        var centralization = Baselines.Centralization(statistics.Rounds, n, d, singleSampleRounds);
        var period = periodicBaselinePeriod
            ?? Baselines.EquivalentPeriod(statistics.TotalMessagesBroadcastDisabled, statistics.Rounds.Count, n);
        var periodic = Baselines.Periodic(statistics.Rounds, period, n, d);
        var oracle = Baselines.Periodic(statistics.Rounds, Baselines.OraclePeriod(statistics.Rounds, errorBound, n, d), n, d) with
        {
            Name = "periodic_oracle",
        };
        return new SimulationResult(
            statistics, n, d, dataUpdates, meanCheckNanoseconds, wallSeconds, isHessianConstant, tuning, neighborhoodSize,
            centralization, periodic, oracle);
    }

    /// <summary>
    /// One pass over <paramref name="data"/> with fresh windows (reference <c>run_test</c>); returns the wall time in seconds
    /// of the data loop (window filling excluded, as the reference times it). <paramref name="reportedUpdates"/>: the updates
    /// reported unchecked after an adaptive run's switch to centralisation (the nodes count the ones they checked).
    /// </summary>
    internal static double RunRounds(Coordinator coordinator, Node[] nodes, DataSet data, SimulationOptions options, out long reportedUpdates)
    {
        reportedUpdates = 0;
        var n = nodes.Length;
        var feed = new DataFeed(data, options.StreamKind, options.Function.Dimension, options.WindowSize);
        feed.FillAllWindows();
        ILocalVectorStream[] streams = [.. feed.Streams]; // an array: no interface call per index
        var global = new double[options.Function.Dimension];
        var pending = new List<INodeMessage>(n);
        var exchange = new Exchange(coordinator, nodes);

        var start = Stopwatch.GetTimestamp();

        // Round 0: every node gets its full-window local vector; before the first sync each one reports.
        for (var i = 0; i < n; i++)
        {
            if (nodes[i].UpdateData(streams[i].LocalVector) is { } violation)
            {
                pending.Add(violation);
            }
        }

        CloseRound(coordinator, feed, global, pending, exchange, streams);

        var point = 0;
        while (feed.TryAdvance(out var node))
        {
            if (coordinator.IsCentralized)
            {
                // The adaptive fallback switched the run: every update goes to the coordinator, no node check.
                coordinator.ReportUpdate(node, streams[node].LocalVector);
                reportedUpdates++;
            }
            else if (nodes[node].UpdateData(streams[node].LocalVector) is { } violation)
            {
                pending.Add(violation);
            }

            if (options.SingleSampleRounds || point % n == n - 1)
            {
                CloseRound(coordinator, feed, global, pending, exchange, streams);
            }

            point++;
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static void CloseRound(
        Coordinator coordinator, DataFeed feed, double[] global, List<INodeMessage> pending, Exchange exchange, ILocalVectorStream[] streams)
    {
        // The verifier's global vector is the one after all of the round's updates, when its violations are resolved.
        feed.CopyGlobalVector(global);
        coordinator.SetGlobalVector(global);
        if (pending.Count > 0)
        {
            if (coordinator.Options.Adaptive && coordinator.CentralizeIfOverBudget(pending))
            {
                // Switched: every node whose violation did not carry its vector reports it, so this round is exact too.
                for (var i = 0; i < streams.Length; i++)
                {
                    if (!coordinator.HasFreshVector(i))
                    {
                        coordinator.ReportUpdate(i, streams[i].LocalVector);
                    }
                }
            }
            else
            {
                exchange.Run(pending);
            }

            pending.Clear();
        }

        coordinator.EndRound();
    }

    /// <summary>Delivers messages back and forth until the coordinator has nothing more to send (reference <c>_from_violation_to_sync</c>).</summary>
    private sealed class Exchange(Coordinator coordinator, Node[] nodes)
    {
        private readonly List<INodeMessage> _replies = [];
        private readonly List<INodeMessage> _batch = [];

        public void Run(List<INodeMessage> violations)
        {
            _batch.Clear();
            _batch.AddRange(violations);
            while (_batch.Count > 0)
            {
                var output = coordinator.Handle(_batch);
                _replies.Clear();
                foreach (var message in output)
                {
                    if (nodes[message.NodeIndex].Handle(message) is { } reply)
                    {
                        _replies.Add(reply);
                    }
                }

                _batch.Clear();
                _batch.AddRange(_replies);
            }
        }
    }
}
