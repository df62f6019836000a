using System.Collections.Immutable;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// The grains' side of a paced run's restart after a silo loss (the driver's <c>PacedRecovery</c>): a node that lost its
/// state rejoins where the run is, every node restarts its protocol node and reports, and the coordinator resolves the
/// reports with one full sync of newer constraints, keeping its counts. Restarts that do not fit are refused.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PacedRestartTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Restarted_nodes_are_resolved_with_one_full_sync_of_newer_constraints()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 4, iterations: 30, errorBound: 0.1);
        config = config with { Pacing = Pacing.Paced, RoundInterval = TimeSpan.FromHours(1) };
        var (coordinator, nodes) = await StartAsync(NewId("restart"), config, data);
        var before = await coordinator.GetReport();
        var versionBefore = (await Task.WhenAll(nodes.Select(n => n.GetStatus()))).Max(s => s.ConstraintVersion);
        var updatesBefore = (await Task.WhenAll(nodes.Select(n => n.GetStatus()))).Select(s => s.DataUpdates).ToArray();

        var reports = await Task.WhenAll(nodes.Select(n => n.Restart()));
        Assert.All(reports, r => Assert.Equal(0, r.Violation.ConstraintVersion));
        await coordinator.Restart([.. reports]);

        var after = await coordinator.GetReport();
        var statuses = await Task.WhenAll(nodes.Select(n => n.GetStatus()));
        Assert.All(statuses, s => Assert.Equal(NodeState.Monitoring, s.State));
        Assert.All(statuses, s => Assert.True(s.ConstraintVersion > versionBefore, $"version {s.ConstraintVersion} after {versionBefore}"));
        Assert.Equal(updatesBefore, statuses.Select(s => s.DataUpdates));
        Assert.Equal(before.ToStatistics().FullSyncs.Count + 1, after.ToStatistics().FullSyncs.Count);
        Assert.Equal(before.ToStatistics().TotalMessagesBroadcastDisabled + (2 * nodes.Length), after.ToStatistics().TotalMessagesBroadcastDisabled);
        Assert.Equal(CoordinatorLiveness.Running, await coordinator.GetLiveness());
    }

    [Fact]
    public async Task A_node_rejoins_with_the_window_the_driver_gives_it_and_the_updates_it_had_taken()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 4, iterations: 30, errorBound: 0.1);
        config = config with { Pacing = Pacing.Paced, RoundInterval = TimeSpan.FromHours(1) };
        var id = NewId("rejoin");
        await StartAsync(id, config, data);

        // A fresh activation of node 2's key stands for the node whose silo died: it knows nothing until it rejoins.
        var lost = fixture.Client.GetGrain<INodeGrain>(ExperimentKeys.Node(id + "-lost", 2));
        Assert.False((await lost.GetStatus()).Configured);
        var rows = Enumerable.Range(0, 10).ToArray();
        var window = new DataRows([.. rows.SelectMany(r => Enumerable.Repeat((double)r, config.Function.Create().Dimension))], [.. rows.Select(r => 100 + (4 * r))]);
        await lost.Rejoin(config, window, DataRows.Empty, dataUpdates: 17);

        var status = await lost.GetStatus();
        Assert.True(status.Configured);
        Assert.Equal(17, status.DataUpdates);
        Assert.Equal(136, status.ConsumedSequence);
        var report = await lost.Restart();
        Assert.Equal(136, report.Sequence);
        Assert.Equal(17, (await lost.GetStatus()).DataUpdates);
    }

    [Fact]
    public async Task A_restart_without_every_nodes_report_or_of_a_lockstep_run_is_refused()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 4, iterations: 30, errorBound: 0.1);
        var (paced, nodes) = await StartAsync(NewId("partial"), config with { Pacing = Pacing.Paced, RoundInterval = TimeSpan.FromHours(1) }, data);
        var reports = await Task.WhenAll(nodes.Select(n => n.Restart()));

        var partial = await Assert.ThrowsAsync<ArgumentException>(() => paced.Restart([.. reports.Skip(1)]));
        Assert.Contains("one report of every restarted node", partial.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => paced.Restart([.. reports, reports[0]]));

        var (lockstep, _) = await StartAsync(NewId("lockstep-restart"), config, data);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => lockstep.Restart(ImmutableArray<SequencedViolation>.Empty));
        Assert.Contains("only a paced run restarts", refused.Message, StringComparison.Ordinal);
    }

    // The experiment's grains, configured, windows filled and round 0 resolved (the paced start, without the timers).
    private async Task<(ICoordinatorGrain Coordinator, INodeGrain[] Nodes)> StartAsync(string id, ExperimentConfig config, DataSet data)
    {
        var coordinator = fixture.Client.GetGrain<ICoordinatorGrain>(ExperimentKeys.Coordinator(id));
        await coordinator.Start(config, null);
        var nodes = Enumerable.Range(0, config.NodeCount).Select(i => fixture.Client.GetGrain<INodeGrain>(ExperimentKeys.Node(id, i))).ToArray();
        await Task.WhenAll(nodes.Select(n => n.Configure(config)));
        var d = config.Function.Create().Dimension;
        var feed = new DataFeed(data, config.StreamKind, d, config.WindowSize);
        feed.FillAllWindows();
        DataRows Fill(int node)
        {
            var rows = Enumerable.Range(0, feed.Position).Where(r => data.NodeSchedule[r] == node).ToArray();
            return new DataRows([.. rows.SelectMany(r => data.Row(r).ToArray())], [.. rows]);
        }

        var violations = await Task.WhenAll(nodes.Select((n, i) => n.FillWindow(Fill(i))));
        if (config.Pacing == Pacing.Paced)
        {
            await coordinator.ResolveViolations([.. violations.Where(v => v is not null).Select(v => v!)]);
        }

        return (coordinator, nodes);
    }
}
