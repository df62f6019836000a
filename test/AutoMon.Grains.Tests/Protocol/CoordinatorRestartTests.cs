using AutoMon.Numerics;
using AutoMon.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Grains.Tests.Protocol;

/// <summary>
/// A protocol restarted after nodes lost their state (a paced run's silo loss): every node restarts (those that were lost
/// as fresh nodes), their reports are resolved with exactly one full sync at x̄, newer than any constraint handed out
/// before, the counts go on, a report from before the restart is ignored, and the run then keeps the guarantee: no round
/// ends with f(x̄) outside [L, U] unreported.
/// </summary>
public sealed class CoordinatorRestartTests
{
    private const int Nodes = 4;
    private const int Rounds = 60;

    [Property(MaxTest = 60)]
    public Property A_restart_is_one_full_sync_after_which_the_run_keeps_its_guarantee()
    {
        var gen =
            from seed in Gen.Choose(1, 10_000)
            from sync in Gen.Elements(SyncType.Eager, SyncType.LazyLRU, SyncType.LazyRandom)
            from function in Gen.Elements("inner_product", "sine")
            from restartRound in Gen.Choose(1, Rounds - 2)
            from lost in Gen.ListOf(Gen.Choose(0, Nodes - 1)).Select(l => l.ToHashSet())
            select (seed, sync, function, restartRound, lost);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (seed, sync, function, restartRound, lost) = t;
            Run(seed, sync, function, restartRound, lost);
            return true;
        });
    }

    [Fact]
    public void Restart_keeps_the_statistics_and_only_raises_the_iteration()
    {
        var walk = new LockstepWalk(7, SyncType.LazyLRU, "inner_product", Nodes);
        RunRounds(walk, 0, 20);
        var before = walk.Coordinator.Statistics;
        var iteration = walk.Coordinator.Iteration;

        walk.Coordinator.Restart(0);

        Assert.Same(before, walk.Coordinator.Statistics);
        Assert.Equal(iteration, walk.Coordinator.Iteration);
        walk.Coordinator.Restart(iteration + 5);
        Assert.Equal(iteration + 5, walk.Coordinator.Iteration);
    }

    private static void Run(int seed, SyncType sync, string functionName, int restartRound, HashSet<int> lost)
    {
        var walk = new LockstepWalk(seed, sync, functionName, Nodes);
        var coordinator = walk.Coordinator;
        var lastBeforeRestart = new List<Violation>();
        RunRounds(walk, 0, restartRound, lastBeforeRestart);

        var fullSyncs = coordinator.Statistics.FullSyncs.Count;
        var violations = coordinator.Statistics.TotalViolationMessages;
        var versionsBefore = walk.Nodes.Max(n => n.ConstraintVersion);
        foreach (var i in lost)
        {
            // A node whose silo died: a fresh node that has taken the same data.
            var vector = walk.Nodes[i].LocalVector.ToArray();
            walk.Nodes[i] = new Node(i, walk.Function);
            walk.Nodes[i].UpdateData(vector);
        }

        coordinator.Restart(coordinator.Iteration);
        var reports = new List<INodeMessage>();
        foreach (var node in walk.Nodes)
        {
            node.Restart();
            reports.Add(node.UpdateData(node.LocalVector) ?? throw new InvalidOperationException($"restarted node {node.Index} did not report"));
        }

        walk.SetGlobalVector();
        var output = coordinator.Handle(reports);

        Assert.Equal(Nodes, output.Count);
        Assert.All(output, m => Assert.True(m is Sync sync && sync.ConstraintVersion > versionsBefore, $"{m.Type} v{m.ConstraintVersion} after v{versionsBefore}"));
        foreach (var message in output)
        {
            Assert.Null(walk.Nodes[message.NodeIndex].Handle(message));
        }

        coordinator.EndRound();
        Assert.Equal(fullSyncs + 1, coordinator.Statistics.FullSyncs.Count);
        Assert.Equal(violations + Nodes, coordinator.Statistics.TotalViolationMessages);
        var mean = Enumerable.Range(0, walk.Function.Dimension).Select(k => walk.Nodes.Average(n => n.LocalVector[k])).ToArray();
        Assert.Equal(mean, coordinator.ReferencePoint.ToArray());

        // A report sent before the restart and delivered after it is stale.
        var stale = coordinator.Statistics.StaleMessages;
        foreach (var late in lastBeforeRestart)
        {
            Assert.Empty(coordinator.Handle(late));
        }

        Assert.Equal(stale + lastBeforeRestart.Count, coordinator.Statistics.StaleMessages);

        var missed = coordinator.Statistics.MissedViolations;
        RunRounds(walk, restartRound, Rounds);
        Assert.Equal(missed, coordinator.Statistics.MissedViolations);
    }

    // The simulator's loop: every node's update, then the round closes (its violations resolved).
    private static void RunRounds(LockstepWalk walk, int from, int to, List<Violation>? reports = null)
    {
        for (var round = from; round < to; round++)
        {
            var batch = new List<INodeMessage>();
            for (var i = 0; i < walk.Nodes.Length; i++)
            {
                if (walk.Step(i) is { } violation)
                {
                    batch.Add(violation);
                    reports?.Add(violation);
                }
            }

            walk.CloseRound(batch);
        }
    }
}
