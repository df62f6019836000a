using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// Hosts a monitor's protocol <see cref="Coordinator"/> (completed syncs as its clock, as in paced experiments) and resolves
/// each violation a node grain reports before the report returns: it hands the coordinator's messages to the node grains
/// and their replies back until the coordinator has nothing more to send. It publishes each sync and estimate change to the
/// subscribed <see cref="IMonitorObserver"/>s and counts on the <see cref="MonitorMetrics"/> instruments.
/// </summary>
/// <remarks>
/// The definition and counters are stored (<see cref="MonitorState"/>), the protocol coordinator is not: a grain that
/// activates from storage (its silo died, or shut down) or whose exchange with a node failed has lost it, and recovers
/// before resolving anything else (<see cref="MonitorRecovery"/>): every node grain restarts under a new epoch and
/// reports its current vector, and a fresh coordinator runs the full sync. A recovery that cannot reach every node yet
/// is tried again every second until it can.
/// </remarks>
[CoordinatorPlacement]
internal sealed partial class MonitorGrain(
    [PersistentState("monitor", AutoMonGrainStorage.Name)] IPersistentState<MonitorState> state,
    IOptions<AutoMonGrainStorageOptions> storage,
    ILogger<MonitorGrain> logger) : Grain, IMonitorGrain
{
    private static readonly TimeSpan RecoveryRetry = TimeSpan.FromSeconds(1);

    // Long enough for Orleans' default failure detection (about 15 s) to declare a crashed silo dead.
    private static readonly TimeSpan RedeliveryTimeout = TimeSpan.FromSeconds(30);

    private MonitorConfig? _config;
    private Coordinator? _coordinator;
    private IMonitorNodeGrain[] _nodes = [];
    private long _messages;
    private long _fullSyncs;
    private long _lazySyncs;
    private long _violations;
    private double? _publishedEstimate; // the estimate after the last exchange, published or not
    private long _lastEvent; // the sequence number of the last event published
    private KeyValuePair<string, object?> _tag;
    private readonly ObserverManager<IMonitorObserver> _observers = new(MonitorSubscription.Lifetime, logger);
    private int _epoch;
    private long _recoveries;
    private MonitorRecovery? _lastRecovery;
    private (DateTimeOffset Since, string Reason)? _lost; // set while the coordinator's state is lost
    private IGrainTimer? _recoveryTimer;
    private MonitorNodeSnapshot?[] _nodeStatus = [];
    private long[] _knownUpdates = []; // per node, the most points the monitor has heard of (a lower bound of its count)
    private long _updatesAtStart; // of all nodes when the coordinator started (a recovery's base for the budget)
    private long[] _reported = []; // centralised: per node, the points whose reports the coordinator has

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var clock = ServiceProvider.GetKeyedService<TimeProvider>(MonitorSubscription.ClockKey) ?? TimeProvider.System;
        _observers.GetDateTime = () => clock.GetUtcNow().UtcDateTime;
        if (state.State.Config is { } config)
        {
            var stored = state.State;
            Open(config);
            (_epoch, _messages, _fullSyncs, _lazySyncs, _violations, _lastEvent, _recoveries, _lastRecovery) =
                (stored.Epoch, stored.Messages, stored.FullSyncs, stored.LazySyncs, stored.Violations, stored.LastEvent, stored.Recoveries, stored.LastRecovery);
            Lost($"the monitor was activated again (on {RuntimeIdentity}) and its coordinator state is gone");
        }

        return base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_config is not null && state.RecordExists && storage.Value.WriteOnDeactivation)
        {
            await WriteAsync().ConfigureAwait(true);
        }

        await base.OnDeactivateAsync(reason, cancellationToken).ConfigureAwait(true);
    }

    public async Task<bool> Create(MonitorConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var id = this.GetPrimaryKeyString();
        if (_config is not null)
        {
            return false;
        }

        if (config.Id != id)
        {
            throw new ArgumentException($"Monitor grain '{id}' cannot create monitor '{config.Id}'.", nameof(config));
        }

        config.Run.ThrowIfInvalid();
        var function = config.Run.Function.Create();
        var coordinator = new Coordinator(function, config.Run.ToCoordinatorOptions(function), new NumpyLegacyRandom(config.Run.RandomSeed));
        var nodes = config.Nodes.Select(name => GrainFactory.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(id, name))).ToArray();
        try
        {
            await Task.WhenAll(nodes.Select((node, index) => node.Configure(config, index))).ConfigureAwait(true);
        }
        catch
        {
            await Task.WhenAll(nodes.Select(node => node.Reset())).ConfigureAwait(true);
            throw;
        }

        Open(config);
        _coordinator = coordinator;
        await WriteAsync().ConfigureAwait(true);
        await GrainFactory.GetGrain<IMonitorRegistryGrain>(MonitorKeys.Registry).Add(id).ConfigureAwait(true);
        LogCreated(logger, id, config.Run.Function.Name, config.Nodes.Length, config.Run.ErrorBound);
        return true;
    }

    public async Task<bool> Delete()
    {
        if (_config is not { } config)
        {
            return false;
        }

        var last = await GetSnapshot().ConfigureAwait(true);
        await Task.WhenAll(_nodes.Select(node => node.Reset())).ConfigureAwait(true);
        var deleted = new MonitorEvent(MonitorEventKind.Deleted, last!, ++_lastEvent);
        _observers.Notify(observer => observer.OnEvent(deleted));
        _observers.Clear();
        await GrainFactory.GetGrain<IMonitorRegistryGrain>(MonitorKeys.Registry).Remove(config.Id).ConfigureAwait(true);
        _config = null;
        _coordinator = null;
        _nodes = [];
        _messages = _fullSyncs = _lazySyncs = _violations = _recoveries = 0;
        _publishedEstimate = null;
        _lastEvent = 0;
        _lastRecovery = null;
        _lost = null;
        _recoveryTimer?.Dispose();
        await state.ClearStateAsync().ConfigureAwait(true);
        DeactivateOnIdle();
        LogDeleted(logger, config.Id);
        return true;
    }

    public Task<MonitorConfig?> GetConfig() => Task.FromResult(_config);

    public async Task<MonitorSnapshot?> GetSnapshot()
    {
        if (_config is not { } config)
        {
            return null;
        }

        var coordinator = _lost is null ? _coordinator : null;
        var nodes = await Task.WhenAll(_nodes.Select(StatusOf)).ConfigureAwait(true);
        return new MonitorSnapshot
        {
            Id = config.Id,
            Estimate = _fullSyncs > 0 && coordinator is not null ? coordinator.Estimate : null,
            ErrorBound = config.Run.ErrorBound,
            Updates = nodes.Sum(n => n.Updates),
            Messages = _messages,
            FullSyncs = _fullSyncs,
            LazySyncs = _lazySyncs,
            Violations = _violations,
            Nodes = [.. nodes],
            Function = config.Run.Function.Name,
            Dimension = config.Dimension,
            Window = config.Run.WindowSize,
            LastEvent = _lastEvent,
            Recovering = _lost is not null,
            Recoveries = _recoveries,
            LastRecovery = _lastRecovery,
            Centralized = coordinator?.IsCentralized ?? false,
        };
    }

    // A node's counters; while its silo is being replaced, the last ones read.
    private async Task<MonitorNodeSnapshot> StatusOf(IMonitorNodeGrain node, int index)
    {
        try
        {
            var status = _nodeStatus[index] = await node.GetStatus().ConfigureAwait(true);
            Heard(index, status.Updates);
            return status;
        }
        catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception))
        {
            return _nodeStatus[index] ?? new MonitorNodeSnapshot(_config!.Nodes[index], 0, 0, 0, false);
        }
    }

    public async Task<MonitorSnapshot?> Subscribe(IMonitorObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var snapshot = await GetSnapshot().ConfigureAwait(true);
        if (snapshot is not null)
        {
            _observers.Subscribe(observer, observer);
        }

        return snapshot;
    }

    public Task Unsubscribe(IMonitorObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task<int> GetSubscriberCount() => Task.FromResult(_observers.Count);

    public async Task<ResolveOutcome> Resolve(Violation violation, int epoch, long updates)
    {
        ArgumentNullException.ThrowIfNull(violation);
        if (_config is not { } config)
        {
            LogDropped(logger, this.GetPrimaryKeyString(), violation.NodeIndex);
            return ResolveOutcome.UnknownMonitor;
        }

        if (_lost is not null)
        {
            // The recovery restarts the reporting node too: its current vector goes into the full sync.
            return await RecoverAsync().ConfigureAwait(true) ? ResolveOutcome.Superseded : ResolveOutcome.Unavailable;
        }

        if (epoch != _epoch)
        {
            // Reported before the node's last restart; the node re-checks its vector against the recovery's constraints.
            return ResolveOutcome.Superseded;
        }

        var d = _coordinator!.Function.Dimension;
        var length = violation.LocalVector.IsDefault ? 0 : violation.LocalVector.Length;
        if ((uint)violation.NodeIndex >= (uint)_nodes.Length || length != d || violation.LocalVector.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Monitor '{_config!.Id}' has nodes 0..{_nodes.Length - 1} and dimension {d}; a violation from node {violation.NodeIndex} carries {length} components or a non-finite one."));
        }

        Heard(violation.NodeIndex, updates);
        try
        {
            if (_coordinator.IsCentralized)
            {
                // Sent before the node learnt of the switch (or by a node restored from before it): its vector is a report.
                Count(1, violations: 1);
                _reported[violation.NodeIndex] = Math.Max(_reported[violation.NodeIndex], updates);
                _coordinator.ReportUpdates(violation.NodeIndex, violation.LocalVector.AsSpan(), 1);
                await CentralizeAsync([violation.NodeIndex]).ConfigureAwait(true);
                await PublishAsync(false, false).ConfigureAwait(true);
            }
            else if (!config.Run.Adaptive || !await CentralizeIfOverBudgetAsync(violation).ConfigureAwait(true))
            {
                await ExchangeAsync([violation]).ConfigureAwait(true);
            }
        }
        catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception))
        {
            // A node did not answer mid-exchange: which messages it applied is unknown, so start over from a full sync.
            Lost($"a node could not be reached while a violation was resolved: {exception.Message}");
            return await RecoverAsync().ConfigureAwait(true) ? ResolveOutcome.Superseded : ResolveOutcome.Unavailable;
        }

        if (storage.Value.WriteCheckpoints)
        {
            await WriteAsync().ConfigureAwait(true);
        }

        return ResolveOutcome.Resolved;
    }

    private void Count(long messages, long violations)
    {
        _messages += messages;
        _violations += violations;
        MonitorMetrics.Messages.Add(messages, _tag);
        MonitorMetrics.Violations.Add(violations, _tag);
    }

    // As the experiments' coordinator grain: messages to the coordinator until it has nothing more to send. A node's reply
    // may be a violation its re-check after a sync found; the coordinator resolves it in the same exchange.
    // With restartReports the first batch is a recovery's reports: messages, not violations of the data.
    private async Task ExchangeAsync(List<INodeMessage> batch, bool restartReports = false)
    {
        var coordinator = _coordinator!;
        for (var first = true; batch.Count > 0; first = false)
        {
            var violations = first && restartReports ? 0 : batch.Count(m => m is Violation);
            _messages += batch.Count;
            _violations += violations;
            MonitorMetrics.Messages.Add(batch.Count, _tag);
            MonitorMetrics.Violations.Add(violations, _tag);
            var output = coordinator.Handle(batch);
            if (output.Count == 0)
            {
                break;
            }

            var fullSync = output.Any(m => m is Sync);
            var lazySync = output.Any(m => m is LazySync);
            _messages += output.Count;
            _fullSyncs += fullSync ? 1 : 0;
            _lazySyncs += lazySync ? 1 : 0;
            MonitorMetrics.Messages.Add(output.Count, _tag);
            if (fullSync)
            {
                MonitorMetrics.FullSyncs.Add(1, _tag);
            }

            if (lazySync)
            {
                MonitorMetrics.LazySyncs.Add(1, _tag);
            }
            var replies = await DeliverAsync(output).ConfigureAwait(true);
            await PublishAsync(fullSync, lazySync).ConfigureAwait(true);
            batch = [.. replies.OfType<INodeMessage>()];
        }
    }

    private void Open(MonitorConfig config)
    {
        _config = config;
        _nodes = config.Nodes.Select(name => GrainFactory.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(config.Id, name))).ToArray();
        _nodeStatus = new MonitorNodeSnapshot?[_nodes.Length];
        _knownUpdates = new long[_nodes.Length];
        _reported = new long[_nodes.Length];
        _updatesAtStart = 0;
        _tag = MonitorMetrics.Tag(config.Id);
        DelayDeactivation(TimeSpan.FromDays(7));
    }

    private void Lost(string reason)
    {
        _lost ??= (TimeProvider.System.GetUtcNow(), reason);
        LogLost(logger, _config!.Id, reason);
        _recoveryTimer ??= this.RegisterGrainTimer(async _ =>
        {
            if (_lost is null || await RecoverAsync().ConfigureAwait(true))
            {
                _recoveryTimer?.Dispose();
                _recoveryTimer = null;
            }
        }, RecoveryRetry, RecoveryRetry);
    }

    // Every node restarts under a new epoch and reports its vector; a fresh coordinator resolves the reports with a full
    // sync. False when a node cannot be reached yet (its silo is not declared dead yet): tried again later.
    private async Task<bool> RecoverAsync()
    {
        var (since, reason) = _lost!.Value;
        var config = _config!;
        var function = config.Run.Function.Create();
        var coordinator = new Coordinator(function, config.Run.ToCoordinatorOptions(function), new NumpyLegacyRandom(config.Run.RandomSeed));
        var epoch = _epoch + 1;
        var messagesBefore = _messages;
        try
        {
            var reports = await Task.WhenAll(_nodes.Select(node => node.Restart(epoch))).ConfigureAwait(true);

            // The new coordinator's budget counts the points from here on.
            await Task.WhenAll(_nodes.Select(StatusOf)).ConfigureAwait(true);
            _updatesAtStart = _knownUpdates.Sum();
            _epoch = epoch;
            _coordinator = coordinator;
            await ExchangeAsync(reports.OfType<Violation>().ToList<INodeMessage>(), restartReports: true).ConfigureAwait(true);
        }
        catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception))
        {
            LogRecoveryFailed(logger, config.Id, exception.Message);
            return false;
        }

        _lost = null;
        _recoveries++;
        _lastRecovery = new MonitorRecovery(since, reason, (TimeProvider.System.GetUtcNow() - since).TotalSeconds, _messages - messagesBefore);
        MonitorMetrics.Recoveries.Add(1, _tag);
        await WriteAsync().ConfigureAwait(true);
        LogRecovered(logger, config.Id, _lastRecovery.UnguardedSeconds, _lastRecovery.Messages);
        if (_observers.Count > 0)
        {
            var recovered = new MonitorEvent(MonitorEventKind.Recovered, (await GetSnapshot().ConfigureAwait(true))!, ++_lastEvent);
            _observers.Notify(observer => observer.OnEvent(recovered));
        }

        return true;
    }

    private async Task WriteAsync()
    {
        state.State = new MonitorState
        {
            Config = _config,
            Epoch = _epoch,
            Messages = _messages,
            FullSyncs = _fullSyncs,
            LazySyncs = _lazySyncs,
            Violations = _violations,
            LastEvent = _lastEvent,
            Recoveries = _recoveries,
            LastRecovery = _lastRecovery,
        };
        await state.WriteStateAsync().ConfigureAwait(true);
        MonitorMetrics.StateWrites.Add(1, _tag);
    }

    // After a sync has reached the nodes: the sync, then the estimate when it moved; nothing to do without observers.
    private async Task PublishAsync(bool fullSync, bool lazySync)
    {
        double? estimate = _fullSyncs > 0 ? _coordinator!.Estimate : null;
        var moved = estimate != _publishedEstimate;
        _publishedEstimate = estimate;
        if (_observers.Count == 0 || !(fullSync || lazySync || moved))
        {
            return;
        }

        var snapshot = (await GetSnapshot().ConfigureAwait(true))!;
        void Notify(MonitorEventKind kind)
        {
            var monitorEvent = new MonitorEvent(kind, snapshot, ++_lastEvent);
            _observers.Notify(observer => observer.OnEvent(monitorEvent));
        }

        if (fullSync)
        {
            Notify(MonitorEventKind.FullSync);
        }

        if (lazySync)
        {
            Notify(MonitorEventKind.LazySync);
        }

        if (moved)
        {
            Notify(MonitorEventKind.Estimate);
        }
    }

    // All nodes at once; a node's own messages in order; replies in the order of the output.
    private async Task<INodeMessage?[]> DeliverAsync(IReadOnlyList<ICoordinatorMessage> output)
    {
        var replies = new INodeMessage?[output.Count];
        async Task DeliverInOrder(IGrouping<int, int> positions)
        {
            foreach (var k in positions)
            {
                replies[k] = await DeliverAsync(_nodes[output[k].NodeIndex], output[k]).ConfigureAwait(true);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, output.Count).GroupBy(k => output[k].NodeIndex).Select(DeliverInOrder)).ConfigureAwait(true);
        return replies;
    }

    // A message the runtime rejected never reached the node: its silo is gone (crashed, or stopped and the route is
    // stale), and with it the activation's unwritten state. Sent again, it activates the node grain elsewhere from its
    // last write, which the coordinator can go on with (the producer replays the node's later points), so a lost node
    // silo costs no recovery. Other failures may have reached the node: the caller recovers from those.
    private async Task<INodeMessage?> DeliverAsync(IMonitorNodeGrain node, ICoordinatorMessage message)
    {
        var deadline = TimeProvider.System.GetUtcNow() + RedeliveryTimeout;
        while (true)
        {
            try
            {
                return await node.Deliver(message).ConfigureAwait(true);
            }
            catch (OrleansMessageRejectionException exception) when (TimeProvider.System.GetUtcNow() < deadline)
            {
                LogRedelivering(logger, _config!.Id, message.Type.ToString(), message.NodeIndex, exception.Message);
                await Task.Delay(RecoveryRetry / 4).ConfigureAwait(true);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor {Monitor}: {Message} for node {Node} was rejected, sending it again: {Reason}")]
    private static partial void LogRedelivering(ILogger logger, string monitor, string message, int node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor {Monitor} created: {Function}, {Nodes} nodes, error bound {ErrorBound}")]
    private static partial void LogCreated(ILogger logger, string monitor, string function, int nodes, double errorBound);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor {Monitor} deleted")]
    private static partial void LogDeleted(ILogger logger, string monitor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitor {Monitor} lost its coordinator state and recovers with a full sync: {Reason}")]
    private static partial void LogLost(ILogger logger, string monitor, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor {Monitor} cannot recover yet (retrying every second): {Reason}")]
    private static partial void LogRecoveryFailed(ILogger logger, string monitor, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitor {Monitor} recovered: {Seconds:F1} s without the guarantee, {Messages} messages for the full sync")]
    private static partial void LogRecovered(ILogger logger, string monitor, double seconds, long messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitor {Monitor}: dropped a violation of node {Node}: the monitor does not exist (deleted?)")]
    private static partial void LogDropped(ILogger logger, string monitor, int node);
}

/// <summary>The cluster's list of monitor ids, stored in the silo's grain storage.</summary>
internal sealed class MonitorRegistryGrain(
    [PersistentState("registry", AutoMonGrainStorage.Name)] IPersistentState<MonitorRegistryState> state) : Grain, IMonitorRegistryGrain
{
    public async Task Add(string id)
    {
        if (!state.State.Ids.Contains(id))
        {
            state.State.Ids = [.. state.State.Ids.Append(id).Order(StringComparer.Ordinal)];
            await state.WriteStateAsync().ConfigureAwait(true);
        }
    }

    public async Task Remove(string id)
    {
        if (state.State.Ids.Contains(id))
        {
            state.State.Ids = state.State.Ids.Remove(id);
            await state.WriteStateAsync().ConfigureAwait(true);
        }
    }

    public Task<ImmutableArray<string>> List() => Task.FromResult(state.State.Ids);
}
