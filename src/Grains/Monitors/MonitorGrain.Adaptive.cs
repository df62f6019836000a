using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Protocol;
using Microsoft.Extensions.Logging;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// The monitor's adaptive fallback (docs/design.md "Adaptive fallback", Monitors): the budget against centralisation's one
/// message per point, the switch, and the centralised nodes' reports.
/// </summary>
internal sealed partial class MonitorGrain
{
    public async Task<ResolveOutcome> Report(int node, ImmutableArray<double> localVector, long updates, int epoch)
    {
        if (_config is not { } config)
        {
            return ResolveOutcome.UnknownMonitor;
        }

        if (_lost is not null)
        {
            // The recovery restarts the node: its restart report carries its current vector.
            return await RecoverAsync().ConfigureAwait(true) ? ResolveOutcome.Superseded : ResolveOutcome.Unavailable;
        }

        var coordinator = _coordinator!;
        if (epoch != _epoch || !coordinator.IsCentralized)
        {
            return ResolveOutcome.Superseded;
        }

        var d = coordinator.Function.Dimension;
        var length = localVector.IsDefault ? 0 : localVector.Length;
        if ((uint)node >= (uint)_nodes.Length || length != d || localVector.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Monitor '{config.Id}' has nodes 0..{_nodes.Length - 1} and dimension {d}; a report from node {node} carries {length} components or a non-finite one."));
        }

        // A node replaying points it lost with its silo reports what the coordinator has had: nothing new to count.
        var count = updates - _reported[node];
        if (count < 1)
        {
            return ResolveOutcome.Resolved;
        }

        _reported[node] = updates;
        Heard(node, updates);
        coordinator.ReportUpdates(node, localVector.AsSpan(), count);
        Count(count, violations: 0);
        await PublishAsync(false, false).ConfigureAwait(true);
        if (storage.Value.WriteCheckpoints)
        {
            await WriteAsync().ConfigureAwait(true);
        }

        return ResolveOutcome.Resolved;
    }

    // The adaptive fallback (docs/design.md "Adaptive fallback"): resolves nothing and returns true when even the costliest
    // resolution of the violation would take the monitor over what centralisation would have sent for its points; every
    // node then reports each point. The points heard of (in violations and status reads) are a lower bound of the count:
    // before switching, the monitor reads every node's count (not protocol messages: the counters a snapshot reads).
    private async Task<bool> CentralizeIfOverBudgetAsync(Violation violation)
    {
        var coordinator = _coordinator!;
        List<INodeMessage> violations = [violation];
        if (coordinator.AffordsResolving(violations, KnownUpdates()))
        {
            return false;
        }

        await Task.WhenAll(_nodes.Select(StatusOf)).ConfigureAwait(true);
        if (!coordinator.CentralizeIfOverBudget(violations, KnownUpdates()))
        {
            return false;
        }

        Count(1 + _nodes.Length, violations: 1);
        LogCentralized(logger, _config!.Id, KnownUpdates(), _messages);
        _reported[violation.NodeIndex] = _knownUpdates[violation.NodeIndex];
        await CentralizeAsync(Enumerable.Range(0, _nodes.Length)).ConfigureAwait(true);
        await PublishAsync(false, false).ConfigureAwait(true);
        return true;
    }

    // Tells the nodes of the switch; a node whose vector the coordinator does not have yet reports it (one message each).
    private async Task CentralizeAsync(IEnumerable<int> nodes)
    {
        var coordinator = _coordinator!;
        var epoch = _epoch;
        var indexes = nodes.ToArray();
        var answers = await Task.WhenAll(indexes.Select(i => _nodes[i].Centralize(epoch))).ConfigureAwait(true);
        for (var k = 0; k < indexes.Length; k++)
        {
            if (answers[k] is not { } answer)
            {
                continue;
            }

            _reported[indexes[k]] = Math.Max(_reported[indexes[k]], answer.Updates);
            Heard(indexes[k], answer.Updates);
            if (answer.LocalVector is { } vector)
            {
                coordinator.ReportUpdates(indexes[k], vector.AsSpan(), 1);
                Count(1, violations: 0);
            }
        }

        coordinator.EstimateCentrally();
    }

    private void Heard(int node, long updates)
    {
        if ((uint)node < (uint)_knownUpdates.Length && updates > _knownUpdates[node])
        {
            _knownUpdates[node] = updates;
        }
    }

    // Points since the coordinator started, as far as the monitor has heard.
    private long KnownUpdates() => _knownUpdates.Sum() - _updatesAtStart;

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor {Monitor} switched to centralisation (adaptive fallback): {Updates} points, {Messages} messages")]
    private static partial void LogCentralized(ILogger logger, string monitor, long updates, long messages);
}
