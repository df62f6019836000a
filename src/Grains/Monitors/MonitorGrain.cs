using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Placement;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// Hosts a monitor's protocol <see cref="Coordinator"/> (completed syncs as its clock, as in paced experiments) and resolves
/// each violation a node grain reports before the report returns: it hands the coordinator's messages to the node grains
/// and their replies back until the coordinator has nothing more to send. It publishes each sync and estimate change to the
/// subscribed <see cref="IMonitorObserver"/>s and counts on the <see cref="MonitorMetrics"/> instruments.
/// </summary>
[CoordinatorPlacement]
internal sealed partial class MonitorGrain(ILogger<MonitorGrain> logger) : Grain, IMonitorGrain
{
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

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var clock = ServiceProvider.GetKeyedService<TimeProvider>(MonitorSubscription.ClockKey) ?? TimeProvider.System;
        _observers.GetDateTime = () => clock.GetUtcNow().UtcDateTime;
        return base.OnActivateAsync(cancellationToken);
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

        _config = config;
        _coordinator = coordinator;
        _nodes = nodes;
        _tag = MonitorMetrics.Tag(id);
        await GrainFactory.GetGrain<IMonitorRegistryGrain>(MonitorKeys.Registry).Add(id).ConfigureAwait(true);
        DelayDeactivation(TimeSpan.FromDays(7));
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
        _messages = _fullSyncs = _lazySyncs = _violations = 0;
        _publishedEstimate = null;
        _lastEvent = 0;
        DeactivateOnIdle();
        LogDeleted(logger, config.Id);
        return true;
    }

    public Task<MonitorConfig?> GetConfig() => Task.FromResult(_config);

    public async Task<MonitorSnapshot?> GetSnapshot()
    {
        if (_config is not { } config || _coordinator is not { } coordinator)
        {
            return null;
        }

        var nodes = await Task.WhenAll(_nodes.Select(node => node.GetStatus())).ConfigureAwait(true);
        return new MonitorSnapshot
        {
            Id = config.Id,
            Estimate = _fullSyncs > 0 ? coordinator.Estimate : null,
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
        };
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

    public async Task Resolve(Violation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        if (_coordinator is null)
        {
            LogDropped(logger, this.GetPrimaryKeyString(), violation.NodeIndex);
            return;
        }

        var d = _coordinator.Function.Dimension;
        var length = violation.LocalVector.IsDefault ? 0 : violation.LocalVector.Length;
        if ((uint)violation.NodeIndex >= (uint)_nodes.Length || length != d || violation.LocalVector.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Monitor '{_config!.Id}' has nodes 0..{_nodes.Length - 1} and dimension {d}; a violation from node {violation.NodeIndex} carries {length} components or a non-finite one."));
        }

        await ExchangeAsync([violation]).ConfigureAwait(true);
    }

    // As the experiments' coordinator grain: messages to the coordinator until it has nothing more to send. A node's reply
    // may be a violation its re-check after a sync found; the coordinator resolves it in the same exchange.
    private async Task ExchangeAsync(List<INodeMessage> batch)
    {
        var coordinator = _coordinator!;
        while (batch.Count > 0)
        {
            var violations = batch.Count(m => m is Violation);
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
                replies[k] = await _nodes[output[k].NodeIndex].Deliver(output[k]).ConfigureAwait(true);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, output.Count).GroupBy(k => output[k].NodeIndex).Select(DeliverInOrder)).ConfigureAwait(true);
        return replies;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor {Monitor} created: {Function}, {Nodes} nodes, error bound {ErrorBound}")]
    private static partial void LogCreated(ILogger logger, string monitor, string function, int nodes, double errorBound);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor {Monitor} deleted")]
    private static partial void LogDeleted(ILogger logger, string monitor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitor {Monitor}: dropped a violation of node {Node}: the monitor does not exist (deleted?)")]
    private static partial void LogDropped(ILogger logger, string monitor, int node);
}

/// <summary>The cluster's list of monitor ids (in memory: the embedded silo's monitors live as long as the silo).</summary>
internal sealed class MonitorRegistryGrain : Grain, IMonitorRegistryGrain
{
    private readonly SortedSet<string> _ids = new(StringComparer.Ordinal);

    public Task Add(string id)
    {
        _ids.Add(id);
        DelayDeactivation(TimeSpan.FromDays(7));
        return Task.CompletedTask;
    }

    public Task Remove(string id)
    {
        _ids.Remove(id);
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<string>> List() => Task.FromResult(_ids.ToImmutableArray());
}
