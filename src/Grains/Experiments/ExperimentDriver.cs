using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Experiments;

/// <summary>Driver settings that do not change results.</summary>
public sealed record ExperimentDriverOptions
{
    /// <summary>
    /// Lockstep: at most this many rounds a step looks ahead (each node checks its next points against its current
    /// constraints without committing them; the rounds up to the first violation anywhere are then committed in one step).
    /// 0 steps one round at a time. The look-ahead doubles after every step without a violation, up to this cap, and
    /// shrinks to twice the distance of the violation a step found.
    /// </summary>
    public int MaxLookaheadRounds { get; init; } = 64;

    /// <summary>
    /// Lockstep: at most this many bytes of data points sent ahead of the committed rounds (all nodes together: the rows in
    /// the step calls and the local vectors the nodes queue from them). Caps <see cref="MaxLookaheadRounds"/> for many
    /// nodes — 64 MB is the full 64 rounds up to 1,600 nodes at d = 40, 10 rounds at 10,000 — and at least one round is
    /// always looked ahead when the cap allows any.
    /// </summary>
    public long MaxLookaheadBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Lockstep: run the rounds on the coordinator's silo (<see cref="ILockstepGrain"/>) rather than in the driver's process,
    /// so a step's calls and a round's close leave that silo only for the nodes — what a client of a cluster of processes
    /// wants (each call from a client goes through a gateway, often to another silo first). The AWS coordinator runs its
    /// driver in its silo anyway; an embedded silo's driver is in the silo's process already.
    /// </summary>
    public bool RoundsOnCoordinatorSilo { get; init; }

    /// <summary>Paced: pause the nodes every this often to sample f(x̄) against the estimate (null: only at the end).</summary>
    public TimeSpan? CheckpointInterval { get; init; }

    /// <summary>Paced: how long to wait for in-flight violations to settle at a checkpoint.</summary>
    public TimeSpan QuiescenceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Paced: how long a restart after a silo loss may keep trying (the cluster must first declare the silo dead: about
    /// 15 s with Orleans' default failure detection, longer under load) before the run fails.
    /// </summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Paced: how long the driver waits for the grains' statuses while watching or restarting the run. A client's call to
    /// a silo that died may never be answered: the driver looks again rather than wait; a slow answer is not a loss.
    /// </summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Paced: how long any other call of the driver may take (a call to a silo that died may never be answered).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Paced: told the data round the furthest node has reached, every few round intervals.</summary>
    public IProgress<int>? RoundProgress { get; init; }
}

/// <summary>
/// Runs experiments on the grains from any <see cref="IGrainFactory"/> (an external cluster client or a silo's own): starts
/// the coordinator and node grains, feeds each node its share of the data, closes rounds, and collects the result in the
/// simulation's shape. Lockstep runs equal <see cref="Simulator.Run"/> exactly.
/// </summary>
public sealed class ExperimentDriver(IGrainFactory grains, ExperimentDriverOptions? options = null)
{
    private readonly ExperimentDriverOptions _options = options ?? new ExperimentDriverOptions();

    /// <summary>Runs the experiment to the end of <paramref name="data"/> with the pacing of <paramref name="config"/>.</summary>
    public async Task<ExperimentResult> RunAsync(string experimentId, ExperimentConfig config, DataSet data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Pacing == Pacing.Paced)
        {
            return await RunPacedAsync(experimentId, config, data, cancellationToken).ConfigureAwait(false);
        }

        var run = await StartLockstepAsync(experimentId, config, data, cancellationToken).ConfigureAwait(false);
        await run.RunRoundsAsync(int.MaxValue, cancellationToken).ConfigureAwait(false);
        return await run.ResultAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Ends experiment <paramref name="experimentId"/> of <paramref name="nodeCount"/> nodes once its result is collected:
    /// its node and coordinator grains deactivate and their silos forget it. Node grains otherwise stay for the experiment's
    /// lifetime (a week): a sweep of 10,000-node runs on one silo would keep every finished run's windows and nodes.
    /// </summary>
    public async Task ReleaseAsync(string experimentId, int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        var nodes = Enumerable.Range(0, nodeCount).Select(i => grains.GetGrain<INodeGrain>(ExperimentKeys.Node(experimentId, i))).ToArray();
        await Within(ExperimentSetup.CallNodesAsync(nodes, async (node, _) =>
        {
            await node.Release().ConfigureAwait(false);
            return true;
        }), CancellationToken.None).ConfigureAwait(false);
        await Within(grains.GetGrain<ICoordinatorGrain>(ExperimentKeys.Coordinator(experimentId)).Release(), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a lockstep experiment: the coordinator (with neighbourhood tuning on the data's tuning prefix), the node grains,
    /// window filling and round 0 (the first full sync). Rounds then run with <see cref="LockstepRun.RunRoundsAsync"/>.
    /// </summary>
    public async Task<LockstepRun> StartLockstepAsync(string experimentId, ExperimentConfig config, DataSet data, CancellationToken cancellationToken = default)
    {
        var setup = await StartAsync(experimentId, config with { Pacing = Pacing.Lockstep }, data).ConfigureAwait(false);
        if (_options.RoundsOnCoordinatorSilo)
        {
            return await LockstepRun.StartOnCoordinatorSiloAsync(grains, setup, LookaheadRounds(setup), cancellationToken).ConfigureAwait(false);
        }

        var rounds = new LockstepRounds(setup, LookaheadRounds(setup));
        await rounds.RoundZeroAsync(cancellationToken).ConfigureAwait(false);
        return new LockstepRun(setup, rounds);
    }

    // A round ahead holds every node's point of the round twice, as the row sent and as the local vector queued from it.
    private int LookaheadRounds(ExperimentSetup setup)
    {
        var pointsPerRound = setup.Config.SingleSampleRounds ? 1 : setup.Nodes.Length;
        var bytesPerRound = (long)pointsPerRound * (setup.Monitoring.PointLength + setup.Function.Dimension) * sizeof(double);
        var fit = Math.Max(1, _options.MaxLookaheadBytes / bytesPerRound);
        return (int)Math.Min(_options.MaxLookaheadRounds, fit);
    }

    /// <summary>
    /// Runs a paced experiment: after round 0 every node grain consumes its rows on its own timer (one per round interval)
    /// and reports violations as they happen; the driver waits for the data to run out, then samples f(x̄) against the
    /// coordinator's estimate once the last violations have settled (and at every checkpoint, if configured).
    /// </summary>
    public async Task<ExperimentResult> RunPacedAsync(string experimentId, ExperimentConfig config, DataSet data, CancellationToken cancellationToken = default)
    {
        var setup = await StartAsync(experimentId, config with { Pacing = Pacing.Paced }, data).ConfigureAwait(false);
        var fill = await Task.WhenAll(setup.Nodes.Select((node, i) => node.FillWindow(setup.RowsOf(i, 0, setup.FillRows)))).ConfigureAwait(false);
        await setup.Coordinator.ResolveViolations([.. fill.Where(v => v is not null).Select(v => v!)]).ConfigureAwait(false);

        var checkpoints = new List<RoundValue>();
        checkpoints.Add(await CheckpointAsync(setup, 0, cancellationToken).ConfigureAwait(false));

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(setup.Nodes.Select((node, i) => node.StartPaced(setup.RowsOf(i, setup.FillRows, setup.Monitoring.RowCount)))).ConfigureAwait(false);
        var recovery = new PacedRecovery(setup, _options);
        var restarts = new List<PacedRestart>();
        var nextCheckpoint = _options.CheckpointInterval;
        while (true)
        {
            var wait = setup.Config.RoundInterval * 5;
            try
            {
                if (_options.CheckpointInterval is { } every && clock.Elapsed + wait >= nextCheckpoint)
                {
                    await Task.Delay(Max(TimeSpan.Zero, nextCheckpoint!.Value - clock.Elapsed), cancellationToken).ConfigureAwait(false);

                    // A checkpoint is a sample: one that a lost silo interrupts is skipped, not tried again while the
                    // others wait stopped.
                    nextCheckpoint += every;
                    await Probe(Task.WhenAll(setup.Nodes.Select(n => n.StopPaced())), cancellationToken).ConfigureAwait(false);
                    checkpoints.Add(await CheckpointAsync(setup, checkpoints.Count, cancellationToken, during: true).ConfigureAwait(false));
                    await Probe(Task.WhenAll(setup.Nodes.Select(n => n.StartPaced(DataRows.Empty))), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                var statuses = await recovery.PollAsync().ConfigureAwait(false);
                _options.RoundProgress?.Report(recovery.Round);
                if (statuses is not null && statuses.All(s => s.QueuedRows == 0 && !s.Running))
                {
                    break;
                }
            }
            catch (Exception exception) when (PacedRecovery.IsLoss(exception) && !cancellationToken.IsCancellationRequested)
            {
                // A silo died under the run: it goes on from where the others are, without the bound until the restart.
                // The nodes that a checkpoint's pause stopped take data again meanwhile, as a real deployment's would.
                await recovery.ResumeSurvivorsAsync().ConfigureAwait(false);
                restarts.Add(await recovery.RestartAsync(exception, cancellationToken).ConfigureAwait(false));
            }
            catch (TimeoutException)
            {
                // No answer in time: a silo may have died (a client's call to it may never be answered) or the cluster is
                // merely slow. Keep the data flowing and look again; a loss shows itself once the cluster declares it.
                await recovery.ResumeSurvivorsAsync().ConfigureAwait(false);
            }
        }

        var wall = clock.Elapsed.TotalSeconds;
        checkpoints.Add(await CheckpointAsync(setup, checkpoints.Count, cancellationToken).ConfigureAwait(false));

        // The paper's measure: the error on every data round, from where each node was when each sync reached it.
        var histories = await Within(Task.WhenAll(setup.Nodes.Select(n => n.GetSyncHistory())), cancellationToken).ConfigureAwait(false);
        var run = setup.Config;
        var trueValues = PacedRounds.TrueValues(setup.Evaluator, setup.Monitoring, run.StreamKind, setup.Function.Dimension,
            run.WindowSize, run.SingleSampleRounds);
        IReadOnlyList<IReadOnlyList<NodeSyncRecord>> perNode = [.. histories.Select(h => (IReadOnlyList<NodeSyncRecord>)h)];
        var pointsPerRound = run.SingleSampleRounds ? 1 : setup.Nodes.Length;
        var rounds = PacedRounds.Errors(trueValues, perNode, setup.FillRows, pointsPerRound);
        return await Within(setup.ResultAsync(wall, rounds, new PacedRecord(checkpoints, perNode, setup.FillRows, pointsPerRound) { Restarts = restarts }),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The coordinator's report of a running or finished experiment (throws for an unknown experiment).</summary>
    public Task<CoordinatorReport> GetReportAsync(string experimentId) =>
        grains.GetGrain<ICoordinatorGrain>(ExperimentKeys.Coordinator(experimentId)).GetReport();

    private async Task<ExperimentSetup> StartAsync(string experimentId, ExperimentConfig config, DataSet data)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        ExperimentKeys.Validate(experimentId);
        config.ThrowIfInvalid();
        if (config.NodeCount != data.NodeCount)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The experiment has {config.NodeCount} nodes; the data is dealt to {data.NodeCount}."), nameof(data));
        }

        var monitoring = data.TuningRowCount > 0 ? data.MonitoringPart() : data;

        TuningData? tuning = null;
        if (data.TuningRowCount > 0)
        {
            var part = data.TuningPart();
            tuning = new TuningData([.. part.Values], part.PointLength, [.. part.NodeSchedule]);
        }

        var setup = ExperimentSetup.Create(grains, experimentId, config, monitoring);
        await setup.Coordinator.Start(config, tuning).ConfigureAwait(false);
        await setup.CallNodesAsync(async (node, _) =>
        {
            await node.Configure(config).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return setup;
    }

    // Pause point of a paced run: wait until no violation is in flight, then compare f(x̄) of the nodes' vectors with f(x0).
    private async Task<RoundValue> CheckpointAsync(ExperimentSetup setup, int index, CancellationToken cancellationToken, bool during = false)
    {
        // During the run the nodes wait stopped meanwhile: the calls are looks, and one that does not answer soon ends the
        // sample. Before and after the run there is nothing to hold up.
        var timeout = during ? _options.ProbeTimeout : _options.CallTimeout;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            // A grain that lost its state with its silo has nothing to sample: the run restarts instead (PacedRecovery).
            if (await setup.Coordinator.GetLiveness().WaitAsync(timeout, cancellationToken).ConfigureAwait(false) != CoordinatorLiveness.Running)
            {
                throw new PacedRecovery.LostStateException("the coordinator lost its silo");
            }

            var report = await setup.Coordinator.GetReport().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            var statuses = await Task.WhenAll(setup.Nodes.Select(n => n.GetStatus())).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            if (Array.FindIndex(statuses, s => !s.Configured) is var lost and >= 0)
            {
                throw new PacedRecovery.LostStateException(string.Create(CultureInfo.InvariantCulture, $"node {lost} lost its state with its silo"));
            }

            var settled = !report.Busy && report.State == CoordinatorState.Idle && statuses.All(s => s.State != NodeState.WaitForSync);
            if (settled || deadline.Elapsed > _options.QuiescenceTimeout)
            {
                var d = setup.Function.Dimension;
                var mean = new double[d];
                foreach (var status in statuses)
                {
                    for (var j = 0; j < d; j++)
                    {
                        mean[j] += status.LocalVector[j];
                    }
                }

                for (var j = 0; j < d; j++)
                {
                    mean[j] /= statuses.Length;
                }

                var value = setup.Evaluator.Value(mean);
                return new RoundValue(index, value, report.Estimate, Math.Abs(value - report.Estimate), report.LowerThreshold, report.UpperThreshold);
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // Paced runs outlive silos: a client's call to one that died may never be answered, so no call waits for ever.
    private Task<T> Within<T>(Task<T> call, CancellationToken cancellationToken) => call.WaitAsync(_options.CallTimeout, cancellationToken);

    private Task Within(Task call, CancellationToken cancellationToken) => call.WaitAsync(_options.CallTimeout, cancellationToken);

    private Task Probe(Task call, CancellationToken cancellationToken) => call.WaitAsync(_options.ProbeTimeout, cancellationToken);

    /// <summary>An experiment's grains and the driver's shadow copy of the data (global vectors, row dealing).</summary>
    internal sealed class ExperimentSetup
    {
        private readonly int[][] _rowsOfNode;

        public ExperimentSetup(string id, ExperimentConfig config, MonitoredFunction function, DataSet monitoring, DataFeed feed, ICoordinatorGrain coordinator, INodeGrain[] nodes)
        {
            Id = id;
            Config = config;
            Function = function;
            Evaluator = function.Function.CreateEvaluator();
            Monitoring = monitoring;
            Feed = feed;
            FillRows = feed.Position;
            Coordinator = coordinator;
            Nodes = nodes;
            var lists = Enumerable.Range(0, nodes.Length).Select(_ => new List<int>()).ToArray();
            var schedule = monitoring.NodeSchedule;
            for (var row = 0; row < schedule.Length; row++)
            {
                lists[schedule[row]].Add(row);
            }

            _rowsOfNode = [.. lists.Select(l => l.ToArray())];
        }

        /// <summary>The setup of experiment <paramref name="id"/> on <paramref name="monitoring"/> (no grain is called).</summary>
        public static ExperimentSetup Create(IGrainFactory grains, string id, ExperimentConfig config, DataSet monitoring)
        {
            var function = config.Function.Create();
            // The shadow feed's windows are rows of the data set the driver holds to the end: no second copy of them.
            var feed = new DataFeed(monitoring, config.StreamKind, function.Dimension, config.WindowSize, windowsInData: true);
            feed.FillAllWindows();
            var coordinator = grains.GetGrain<ICoordinatorGrain>(ExperimentKeys.Coordinator(id));
            var nodes = Enumerable.Range(0, config.NodeCount).Select(i => grains.GetGrain<INodeGrain>(ExperimentKeys.Node(id, i))).ToArray();
            return new ExperimentSetup(id, config, function, monitoring, feed, coordinator, nodes);
        }

        public string Id { get; }

        public ExperimentConfig Config { get; }

        public MonitoredFunction Function { get; }

        public FunctionEvaluator Evaluator { get; }

        public DataSet Monitoring { get; }

        /// <summary>Shadow feed: the global vector of every round, as the simulation computes it.</summary>
        public DataFeed Feed { get; }

        /// <summary>Rows consumed to fill every window (the monitored points start here).</summary>
        public int FillRows { get; }

        public ICoordinatorGrain Coordinator { get; }

        public INodeGrain[] Nodes { get; }

        /// <summary>
        /// Node calls of one kind (configure, fill, step) in flight at once. Each carries its rows or makes an activation,
        /// and a call waiting its turn at its grain keeps them alive through the collections meanwhile: issued all at
        /// once, 10,000 of them promote their garbage to the older generations and the process holds it until a full
        /// collection.
        /// </summary>
        public const int MaxCallsInFlight = 1024;

        /// <summary>
        /// <paramref name="call"/> on every node, at most <see cref="MaxCallsInFlight"/> at a time, each made only when
        /// another has returned; the results in node order. The calls do not depend on each other, so neither do the
        /// results on the order they return in.
        /// </summary>
        public Task<T[]> CallNodesAsync<T>(Func<INodeGrain, int, Task<T>> call) => CallNodesAsync(Nodes, call);

        /// <summary><see cref="CallNodesAsync{T}(Func{INodeGrain, int, Task{T}})"/> on <paramref name="nodes"/>.</summary>
        public static async Task<T[]> CallNodesAsync<T>(INodeGrain[] nodes, Func<INodeGrain, int, Task<T>> call)
        {
            var results = new T[nodes.Length];
            var next = -1;
            async Task CallInTurn()
            {
                for (var i = Interlocked.Increment(ref next); i < results.Length; i = Interlocked.Increment(ref next))
                {
                    results[i] = await call(nodes[i], i).ConfigureAwait(false);
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Math.Min(MaxCallsInFlight, results.Length)).Select(_ => CallInTurn())).ConfigureAwait(false);
            return results;
        }

        /// <summary>Node <paramref name="node"/>'s rows with sequence numbers in [<paramref name="from"/>, <paramref name="to"/>).</summary>
        public DataRows RowsOf(int node, int from, int to)
        {
            var rows = _rowsOfNode[node];
            var start = LowerBound(rows, from);
            var end = LowerBound(rows, to);
            if (end <= start)
            {
                return DataRows.Empty;
            }

            // Views of the data set, which the driver keeps for the run: a node grain in this process keeps them in its
            // window instead of copies.
            var views = new ReadOnlyMemory<double>[end - start];
            for (var k = start; k < end; k++)
            {
                views[k - start] = Monitoring.RowMemory(rows[k]);
            }

            return DataRows.OfViews(views, ImmutableArray.Create(rows, start, end - start));
        }

        /// <summary>
        /// A paced node that lost its state rejoins where the run is: its rows up to sequence <paramref name="reached"/>
        /// (the last window's worth of them), the rows after, and the data updates it would have taken by then.
        /// </summary>
        public (DataRows Window, DataRows Upcoming, long DataUpdates) RejoinAt(int node, long reached)
        {
            var rows = _rowsOfNode[node];
            var fill = LowerBound(rows, FillRows);
            var taken = Math.Max(fill, LowerBound(rows, (int)Math.Min(int.MaxValue, reached + 1)));
            var first = Math.Max(0, taken - Config.WindowSize);
            var window = RowsOf(node, rows[first], rows[taken - 1] + 1);
            var upcoming = taken < rows.Length ? RowsOf(node, rows[taken], Monitoring.RowCount) : DataRows.Empty;

            // Round 0's check of the filled window, then one update per row taken since.
            return (window, upcoming, 1 + taken - fill);
        }

        public async Task<ExperimentResult> ResultAsync(double wallSeconds, IReadOnlyList<RoundValue>? rounds = null, PacedRecord? paced = null)
        {
            var report = await Coordinator.GetReport().ConfigureAwait(false);
            var statuses = await Task.WhenAll(Nodes.Select(n => n.GetStatus())).ConfigureAwait(false);
            long updates = 0, ticks = 0, timed = 0;
            foreach (var status in statuses)
            {
                updates += status.DataUpdates;
                ticks += status.CheckTicks;
                timed += status.TimedChecks;
            }

            // The same assembly of results as Simulator.Run, from the grains' statistics.
            var statistics = report.ToStatistics(rounds);
            var summary = Simulator.Summarize(
                statistics, Nodes.Length, Function.Dimension, updates,
                timed == 0 ? double.NaN : ticks * (1e9 / Stopwatch.Frequency) / timed,
                wallSeconds, report.IsHessianConstant, report.Tuning, report.NeighborhoodSize,
                Config.SingleSampleRounds, Config.ErrorBound, Config.PeriodicBaselinePeriod);
            return new ExperimentResult(Id, Config.Pacing, summary, report, statuses) { Paced = paced };
        }

        private static int LowerBound(int[] sorted, int value)
        {
            var index = Array.BinarySearch(sorted, value);
            return index >= 0 ? index : ~index;
        }
    }
}

/// <summary>
/// The rounds of a lockstep experiment, run from wherever this object lives (the launcher's process, or the coordinator's
/// silo through <see cref="ILockstepGrain"/>). Rounds follow the simulation (<c>Simulator.RunRounds</c>): after round 0, round k
/// closes after the k-th n data points (every point with single-sample rounds); its violations, in data order, are resolved
/// with the round's global vector before the next round's points are checked.
/// </summary>
internal sealed class LockstepRounds
{
    private readonly ExperimentDriver.ExperimentSetup _setup;
    private readonly int _maxLookahead;
    private readonly int _pointsPerRound;
    private readonly double[] _global;
    private int _committed;
    private int _probedThrough;
    private int? _violationAhead;
    private int _lookahead;
    private int _sentThrough;
    private bool _trailingCommitted;
    private readonly Stopwatch _clock = new();

    internal LockstepRounds(ExperimentDriver.ExperimentSetup setup, int maxLookahead)
    {
        _setup = setup;
        _maxLookahead = Math.Max(0, maxLookahead);
        _pointsPerRound = setup.Config.SingleSampleRounds ? 1 : setup.Nodes.Length;
        _global = new double[setup.Function.Dimension];
        TotalRounds = 1 + ((setup.Monitoring.RowCount - setup.FillRows) / _pointsPerRound);
        _sentThrough = setup.FillRows;
        _lookahead = Math.Min(1, _maxLookahead);
    }

    /// <summary>The experiment id.</summary>
    public string ExperimentId => _setup.Id;

    /// <summary>Rounds the data makes (round 0 included), as in the simulation.</summary>
    public int TotalRounds { get; }

    /// <summary>Rounds closed so far (round 0 included).</summary>
    public int RoundsClosed => _committed + 1;

    /// <summary>True when every round is closed.</summary>
    public bool IsComplete => RoundsClosed >= TotalRounds;

    /// <summary>Steps (one call per node each) taken so far.</summary>
    public int Steps { get; private set; }

    /// <summary>Time spent waiting for the nodes' steps.</summary>
    public TimeSpan NodeTime { get; private set; }

    /// <summary>Time spent waiting for the coordinator to close rounds (syncs included).</summary>
    public TimeSpan CoordinatorTime { get; private set; }

    internal async Task RoundZeroAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _clock.Start();
        var fills = await _setup.CallNodesAsync((node, i) => node.FillWindow(_setup.RowsOf(i, 0, _setup.FillRows))).ConfigureAwait(false);
        _setup.Feed.CopyGlobalVector(_global);
        var violations = fills.Where(v => v is not null).Select(v => v!).ToImmutableArray();
        var started = Stopwatch.GetTimestamp();
        await _setup.Coordinator.CloseRounds(new RoundBatch([], violations, [.. _global])).ConfigureAwait(false);
        CoordinatorTime += Stopwatch.GetElapsedTime(started);
        _clock.Stop();
    }

    /// <summary>Runs up to <paramref name="maxRounds"/> more rounds (fewer at the end of the data); returns the rounds closed.</summary>
    public Task<int> RunRoundsAsync(int maxRounds, CancellationToken cancellationToken = default) =>
        RunRoundsAsync(maxRounds, maxRounds, cancellationToken);

    /// <summary>
    /// Runs steps until at least <paramref name="minRounds"/> more rounds are closed, closing no more than
    /// <paramref name="maxRounds"/> (fewer at the end of the data); returns the rounds closed. A step commits every round
    /// its look-ahead found clean up to that cap, so a wide cap lets a caller that only watches progress ask for a slice
    /// without cutting the steps to it (a 10,000-node run in slices of one round took a step, 10,000 calls, per round).
    /// </summary>
    public async Task<int> RunRoundsAsync(int minRounds, int maxRounds, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minRounds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRounds, minRounds);
        var last = TotalRounds - 1;
        var target = (int)Math.Min(last, (long)_committed + minRounds);
        var stopAt = (int)Math.Min(last, (long)_committed + maxRounds);
        var before = _committed;
        _clock.Start();
        try
        {
            while (_committed < target)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await StepAsync(stopAt, last).ConfigureAwait(false);
            }

            if (_committed == last && !_trailingCommitted)
            {
                await CommitTrailingPointsAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _clock.Stop();
        }

        return _committed - before;
    }

    /// <summary>Time spent running rounds (round 0 included): the run's wall time.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Where the rounds stand.</summary>
    public LockstepProgress Progress => new(RoundsClosed, TotalRounds, Steps, NodeTime, CoordinatorTime, Elapsed);

    private long EndSequence(int round) => _setup.FillRows + ((long)round * _pointsPerRound) - 1;

    private int RoundOf(long sequence) => (int)((sequence - _setup.FillRows) / _pointsPerRound) + 1;

    // One call per node: commit through a round known to be clean or to hold the first violation (or, blind, the next
    // round), and look ahead with the same constraints. Then close the committed rounds at the coordinator.
    private async Task StepAsync(int stopAt, int last)
    {
        int commitTo, probeTo;
        var planned = _violationAhead;
        bool knownClean;
        if (planned is { } ahead && ahead <= stopAt)
        {
            // The first violation anywhere is in round `ahead`: commit through it; the look-ahead would be stale.
            commitTo = probeTo = ahead;
            knownClean = false;
        }
        else if (_probedThrough > _committed)
        {
            // Rounds already looked at and found clean (short of a known violation beyond stopAt).
            commitTo = Math.Min(Math.Min(_probedThrough, stopAt), planned is { } a ? a - 1 : int.MaxValue);
            probeTo = planned is null ? Math.Min(last, commitTo + _lookahead) : commitTo;
            knownClean = true;
        }
        else
        {
            // Nothing known: commit the next round as the simulation would, and look ahead if the last steps were quiet.
            commitTo = _committed + 1;
            probeTo = Math.Min(last, commitTo + _lookahead);
            knownClean = false;
        }

        var commitThrough = EndSequence(commitTo);
        var probeThrough = EndSequence(probeTo);
        var sendTo = (int)Math.Max(_sentThrough, probeThrough + 1);
        var started = Stopwatch.GetTimestamp();
        var sentThrough = _sentThrough;
        var results = await _setup.CallNodesAsync((node, i) =>
            node.Step(new NodeStepRequest(_setup.RowsOf(i, sentThrough, sendTo), commitThrough, probeThrough))).ConfigureAwait(false);
        NodeTime += Stopwatch.GetElapsedTime(started);
        _sentThrough = sendTo;
        Steps++;

        var violations = results.Where(r => r.Violation is not null).Select(r => r.Violation!).ToImmutableArray();
        foreach (var violation in violations)
        {
            if (RoundOf(violation.Sequence) != commitTo)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Experiment '{_setup.Id}': node {violation.Violation.NodeIndex} violated at data point {violation.Sequence} (round {RoundOf(violation.Sequence)}), inside rounds its look-ahead found clean."));
            }
        }

        if (knownClean && !violations.IsEmpty)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Experiment '{_setup.Id}': {violations.Length} violation(s) in round {commitTo}, which the look-ahead found clean."));
        }

        if (planned is { } expected && expected == commitTo && violations.IsEmpty)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Experiment '{_setup.Id}': the look-ahead found a violation in round {expected}, but no node reported one when it was committed."));
        }

        // Close the committed rounds with their global vectors (from the shadow feed, exactly as the simulation computes them).
        var d = _global.Length;
        var clean = new double[(commitTo - _committed - 1) * d];
        for (var round = _committed + 1; round <= commitTo; round++)
        {
            var end = EndSequence(round);
            while (_setup.Feed.Position <= end && _setup.Feed.TryAdvance(out _))
            {
            }

            if (round < commitTo)
            {
                _setup.Feed.CopyGlobalVector(clean.AsSpan((round - _committed - 1) * d, d));
            }
            else
            {
                _setup.Feed.CopyGlobalVector(_global);
            }
        }

        started = Stopwatch.GetTimestamp();
        await _setup.Coordinator.CloseRounds(new RoundBatch(ImmutableCollectionsMarshal.AsImmutableArray(clean), violations, [.. _global])).ConfigureAwait(false);
        CoordinatorTime += Stopwatch.GetElapsedTime(started);
        _committed = commitTo;

        if (!violations.IsEmpty)
        {
            // Constraints changed: whatever was looked ahead is stale (the rows already sent stay queued at the nodes).
            _violationAhead = null;
            _probedThrough = _committed;
            return;
        }

        if (planned is not null)
        {
            // Committed clean rounds short of a known violation (stopped early): the knowledge still holds.
            return;
        }

        var first = results.Select(r => r.FirstProbeViolation).Where(s => s != NodeStepResult.None).DefaultIfEmpty(NodeStepResult.None).Min();
        _probedThrough = Math.Max(_probedThrough, probeTo);
        // The look-ahead adapts to how far apart violations are: looking further than that only repeats checks.
        if (first != NodeStepResult.None)
        {
            _violationAhead = RoundOf(first);
            _lookahead = Math.Min(_maxLookahead, Math.Max(1, 2 * (_violationAhead.Value - _committed)));
        }
        else
        {
            _lookahead = Math.Min(_maxLookahead, Math.Max(1, _lookahead * 2));
        }
    }

    // The simulation still checks points after the last full round (they never close a round); so do the nodes.
    private async Task CommitTrailingPointsAsync()
    {
        var end = _setup.Monitoring.RowCount;
        if (EndSequence(TotalRounds - 1) + 1 < end)
        {
            var lastSequence = end - 1;
            var sentThrough = _sentThrough;
            await _setup.CallNodesAsync((node, i) =>
                node.Step(new NodeStepRequest(_setup.RowsOf(i, sentThrough, end), lastSequence, lastSequence))).ConfigureAwait(false);
            _sentThrough = end;
        }

        _trailingCommitted = true;
    }
}
