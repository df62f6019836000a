using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using AutoMon.Numerics.Functions;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// Hosts one protocol <see cref="Coordinator"/>: closes lockstep rounds exactly as the simulation does, resolves paced
/// violations as they arrive, and exchanges Sync/LazySync/GetLocalVector messages with the node grains (awaited calls;
/// nodes never call back synchronously, so the non-reentrant grains cannot deadlock).
/// </summary>
[CoordinatorPlacement]
internal sealed partial class CoordinatorGrain(
    [PersistentState("coordinator", AutoMonGrainStorage.Name)] IPersistentState<ExperimentCoordinatorState> state,
    IOptions<AutoMonGrainStorageOptions> storage,
    ILocalSiloDetails silo, ExperimentRegistry registry, WireSizer sizer, ILogger<CoordinatorGrain> logger) : Grain, ICoordinatorGrain
{
    private string _experiment = string.Empty;
    private ExperimentConfig? _config;
    private MonitoredFunction? _function;
    private Coordinator? _coordinator;
    private INodeGrain[] _nodes = [];
    private NeighborhoodTuningResult? _tuning;
    private bool _busy;
    private bool _restored;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _experiment = this.GetPrimaryKeyString();
        if (state.RecordExists)
        {
            Restore(state.State);
        }

        return Task.CompletedTask;
    }

    // A paced run's coordinator whose silo died: its counts continue from the last write; the protocol waits for Restart.
    private void Restore(ExperimentCoordinatorState stored)
    {
        var config = stored.Config;
        var function = config.Function.Create();
        var coordinator = new Coordinator(function, config.ToCoordinatorOptions(function), new NumpyLegacyRandom(config.RandomSeed));
        if (!coordinator.IsHessianConstant && stored.Report.NeighborhoodSize > 0)
        {
            coordinator.SetNeighborhoodSize(stored.Report.NeighborhoodSize);
        }

        // One past the stored iteration: a sync that was in flight when the silo died may have carried the next version.
        coordinator.Restart(stored.Iteration + 1, stored.Report.ToStatistics());
        registry.Wire(_experiment).Add(stored.Report.Wire);
        Adopt(config, function, coordinator, stored.Report.Tuning);
        _restored = true;
        LogRestored(logger, _experiment, silo.SiloAddress, coordinator.Statistics.TotalMessagesBroadcastDisabled);
    }

    private void Adopt(ExperimentConfig config, MonitoredFunction function, Coordinator coordinator, NeighborhoodTuningResult? tuning)
    {
        _tuning = tuning;
        _nodes = new INodeGrain[config.NodeCount];
        for (var i = 0; i < _nodes.Length; i++)
        {
            _nodes[i] = GrainFactory.GetGrain<INodeGrain>(ExperimentKeys.Node(_experiment, i));
        }

        _function = function;
        _coordinator = coordinator;
        _config = config;
        registry.Register(_experiment, config);
        DelayDeactivation(TimeSpan.FromDays(7));
    }

    public async Task Start(ExperimentConfig config, TuningData? tuning)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (_coordinator is not null)
        {
            throw new InvalidOperationException($"Experiment '{_experiment}' has already been started; start it once (or use a new experiment id).");
        }

        config.ThrowIfInvalid();
        var function = config.Function.Create();
        var coordinator = new Coordinator(function, config.ToCoordinatorOptions(function), new NumpyLegacyRandom(config.RandomSeed));
        NeighborhoodTuningResult? tuned = null;
        if (tuning is { Values.IsDefaultOrEmpty: false } && !coordinator.IsHessianConstant)
        {
            // The simulation tunes the neighbourhood on the prefix before monitoring (reference tune_neighborhood_size); it is
            // an offline step on data the coordinator holds, so it runs here with local protocol nodes.
            var nodes = new Node[config.NodeCount];
            for (var i = 0; i < nodes.Length; i++)
            {
                nodes[i] = new Node(i, function);
            }

            var data = new DataSet([.. tuning.Values], tuning.PointLength, [.. tuning.Schedule], config.NodeCount);
            tuned = NeighborhoodTuner.Tune(coordinator, nodes, data, config.ToSimulationOptions(function));
        }

        Adopt(config, function, coordinator, tuned);
        LogStarted(logger, _experiment, config.Function.Name, config.NodeCount, config.Pacing, silo.SiloAddress);
        await CheckpointAsync().ConfigureAwait(true);
    }

    public async Task CloseRounds(RoundBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var coordinator = Started();
        if (_config!.Pacing != Pacing.Lockstep)
        {
            throw new InvalidOperationException($"Experiment '{_experiment}' is paced; rounds are closed only in lockstep experiments.");
        }

        var d = _function!.Dimension;
        var clean = batch.CleanRoundGlobalVectors.IsDefault ? [] : batch.CleanRoundGlobalVectors;
        var last = batch.ViolationRoundGlobalVector.IsDefault ? [] : batch.ViolationRoundGlobalVector;
        var violations = batch.Violations.IsDefault ? [] : batch.Violations;
        if (clean.Length % d != 0)
        {
            throw new ArgumentException(Invariant($"Experiment '{_experiment}' has dimension {d}; {clean.Length} global-vector values are not whole rounds."));
        }

        if ((last.Length != 0 && last.Length != d) || (violations.Length > 0 && last.Length == 0))
        {
            throw new ArgumentException(Invariant($"Experiment '{_experiment}' has dimension {d}; the violation round's global vector has {last.Length} components."));
        }

        RequireFinite(clean, "a global vector");
        RequireFinite(last, "the violation round's global vector");
        ValidateViolations(violations.Select(v => v.Violation));

        for (var k = 0; k < clean.Length; k += d)
        {
            coordinator.SetGlobalVector(clean.AsSpan(k, d));
            coordinator.EndRound();
        }

        if (last.Length == 0)
        {
            return;
        }

        coordinator.SetGlobalVector(last.AsSpan());
        if (violations.Length > 0)
        {
            // In lockstep a violation rides in the node's step reply; count it as the one-way report it stands for.
            var wire = registry.Wire(_experiment);
            foreach (var v in violations)
            {
                wire.Add(sizer.RequestHeaderBytes(null, this.GetGrainId(), default), sizer.BodyBytes(v.Violation));
            }

            await ExchangeAsync(InDataOrder(violations)).ConfigureAwait(true);
        }

        coordinator.EndRound();
    }

    public async Task ResolveViolations(ImmutableArray<SequencedViolation> violations)
    {
        Started();
        var list = violations.IsDefault ? [] : violations;
        ValidateViolations(list.Select(v => v.Violation));
        await ExchangeAsync(InDataOrder(list)).ConfigureAwait(true);
        await CheckpointAsync().ConfigureAwait(true);
    }

    public async Task Restart(ImmutableArray<SequencedViolation> reports)
    {
        var coordinator = Started();
        if (_config!.Pacing != Pacing.Paced)
        {
            throw new InvalidOperationException($"Experiment '{_experiment}' runs in lockstep; only a paced run restarts (a lockstep run replays).");
        }

        var list = reports.IsDefault ? [] : reports;
        ValidateViolations(list.Select(v => v.Violation));
        if (list.Length != _nodes.Length || list.Select(r => r.Violation.NodeIndex).Distinct().Count() != _nodes.Length
            || list.Any(r => r.Violation.ConstraintVersion != 0))
        {
            throw new ArgumentException(Invariant($"Experiment '{_experiment}': a restart resolves one report of every restarted node (constraint version 0), {_nodes.Length} in all; got {list.Length}."));
        }

        var before = coordinator.Statistics.TotalMessagesBroadcastDisabled;
        coordinator.Restart(coordinator.Iteration);
        await ExchangeAsync(InDataOrder(list)).ConfigureAwait(true);
        _restored = false;
        LogRestarted(logger, _experiment, silo.SiloAddress, coordinator.Statistics.TotalMessagesBroadcastDisabled - before);
        await CheckpointAsync().ConfigureAwait(true);
    }

    public Task<CoordinatorLiveness> GetLiveness() => Task.FromResult(
        _coordinator is null ? CoordinatorLiveness.Unknown : _restored ? CoordinatorLiveness.Restored : CoordinatorLiveness.Running);

    public async Task ReportViolation(Violation violation)
    {
        // One-way: a problem cannot go back to the node, so it is logged and the report dropped.
        if (_coordinator is null || violation is null)
        {
            LogDropped(logger, _experiment, violation?.NodeIndex ?? -1, "the experiment has not been started");
            return;
        }

        if (_restored)
        {
            LogDropped(logger, _experiment, violation.NodeIndex, "the coordinator lost its silo and waits for the run's restart");
            return;
        }

        try
        {
            ValidateViolations([violation]);
        }
        catch (ArgumentException exception)
        {
            LogDropped(logger, _experiment, violation.NodeIndex, exception.Message);
            return;
        }

        try
        {
            await ExchangeAsync([violation]).ConfigureAwait(true);
        }
        catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception))
        {
            // A node's silo died under the exchange: the driver restarts the protocol once the cluster has replaced it.
            LogExchangeFailed(logger, _experiment, violation.NodeIndex, exception.Message);
            return;
        }

        await CheckpointAsync().ConfigureAwait(true);
    }

    // Paced runs on a silo that writes checkpoints: after every exchange, so a successor continues the counts.
    private async Task CheckpointAsync()
    {
        if (_config is not { Pacing: Pacing.Paced } || !storage.Value.WriteCheckpoints)
        {
            return;
        }

        state.State = new ExperimentCoordinatorState
        {
            Config = _config,
            Report = CoordinatorReport.From(_coordinator!, silo.SiloAddress.ToString(), busy: false, _tuning, registry.Wire(_experiment).Snapshot()),
            Iteration = _coordinator!.Iteration,
        };
        try
        {
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The run goes on; only a recovery after this silo's loss would then count from the previous write.
            LogCheckpointFailed(logger, _experiment, exception.Message);
        }
    }

    public Task<CoordinatorReport> GetReport()
    {
        var coordinator = Started();
        return Task.FromResult(CoordinatorReport.From(coordinator, silo.SiloAddress.ToString(), _busy, _tuning, registry.Wire(_experiment).Snapshot()));
    }

    public Task Release()
    {
        registry.Forget(_experiment);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    // Reference _from_violation_to_sync: hand messages to the coordinator until it has nothing more to send.
    private async Task ExchangeAsync(List<INodeMessage> batch)
    {
        var coordinator = _coordinator!;
        _busy = true;
        try
        {
            while (batch.Count > 0)
            {
                var output = coordinator.Handle(batch);
                if (output.Count == 0)
                {
                    break;
                }

                await SyncLatencyAsync(output).ConfigureAwait(true);
                var replies = await DeliverAsync(output).ConfigureAwait(true);
                batch = [];
                foreach (var reply in replies)
                {
                    if (reply is not null)
                    {
                        batch.Add(reply);
                    }
                }
            }
        }
        finally
        {
            _busy = false;
        }
    }

    // The paper's measured time to compute and send a sync (paced experiments).
    private Task SyncLatencyAsync(IReadOnlyList<ICoordinatorMessage> output)
    {
        var config = _config!;
        var latency = TimeSpan.Zero;
        foreach (var message in output)
        {
            latency = message switch
            {
                Sync => config.FullSyncLatency > latency ? config.FullSyncLatency : latency,
                LazySync => config.LazySyncLatency > latency ? config.LazySyncLatency : latency,
                _ => latency,
            };
        }

        return latency > TimeSpan.Zero ? Task.Delay(latency) : Task.CompletedTask;
    }

    // All nodes at once; a node's own messages in order. Replies come back in the order of the output, as in the simulation.
    private async Task<LocalVectorInfo?[]> DeliverAsync(IReadOnlyList<ICoordinatorMessage> output)
    {
        var replies = new LocalVectorInfo?[output.Count];
        var byNode = new Dictionary<int, List<int>>();
        for (var k = 0; k < output.Count; k++)
        {
            var node = output[k].NodeIndex;
            if (!byNode.TryGetValue(node, out var positions))
            {
                byNode[node] = positions = [];
            }

            positions.Add(k);
        }

        async Task DeliverInOrder(int node, List<int> positions)
        {
            foreach (var k in positions)
            {
                replies[k] = await _nodes[node].Deliver(output[k]).ConfigureAwait(true);
            }
        }

        await Task.WhenAll(byNode.Select(entry => DeliverInOrder(entry.Key, entry.Value))).ConfigureAwait(true);
        return replies;
    }

    private static List<INodeMessage> InDataOrder(ImmutableArray<SequencedViolation> violations) =>
        [.. violations.OrderBy(v => v.Sequence).Select(v => (INodeMessage)v.Violation)];

    private void ValidateViolations(IEnumerable<Violation> violations)
    {
        var d = _function!.Dimension;
        foreach (var violation in violations)
        {
            if (violation is null)
            {
                throw new ArgumentException($"Experiment '{_experiment}': a violation is missing.");
            }

            if ((uint)violation.NodeIndex >= (uint)_nodes.Length)
            {
                throw new ArgumentException(Invariant($"Experiment '{_experiment}' has nodes 0..{_nodes.Length - 1}; a violation comes from node {violation.NodeIndex}."));
            }

            var length = violation.LocalVector.IsDefault ? 0 : violation.LocalVector.Length;
            if (length != d)
            {
                throw new ArgumentException(Invariant($"Experiment '{_experiment}' has dimension {d}; node {violation.NodeIndex}'s violation carries a local vector of {length} components."));
            }

            RequireFinite(violation.LocalVector, Invariant($"node {violation.NodeIndex}'s local vector"));
        }
    }

    private void RequireFinite(ImmutableArray<double> values, string what)
    {
        for (var k = 0; k < values.Length; k++)
        {
            if (!double.IsFinite(values[k]))
            {
                throw new ArgumentException(Invariant($"Experiment '{_experiment}': {what} has {values[k]} at component {k}; values must be finite."));
            }
        }
    }

    private Coordinator Started() =>
        _coordinator ?? throw new InvalidOperationException($"Unknown experiment '{_experiment}': it has not been started.");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Experiment {Experiment} started: {Function}, {Nodes} nodes, {Pacing}, coordinator on {Silo}")]
    private static partial void LogStarted(ILogger logger, string experiment, string function, int nodes, Pacing pacing, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: restored on {Silo} from its last write ({Messages} messages so far); waiting for the run's restart")]
    private static partial void LogRestored(ILogger logger, string experiment, SiloAddress silo, long messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: protocol restarted on {Silo} with one full sync ({Messages} messages)")]
    private static partial void LogRestarted(ILogger logger, string experiment, SiloAddress silo, long messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: resolving node {Node}'s violation failed, a silo is unreachable: {Reason}")]
    private static partial void LogExchangeFailed(ILogger logger, string experiment, int node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: writing the coordinator's state failed: {Reason}")]
    private static partial void LogCheckpointFailed(ILogger logger, string experiment, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: dropped a violation report of node {Node}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string experiment, int node, string reason);
}
