using AutoMon.Numerics;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Grains.Tests.Protocol;

/// <summary>
/// A node restored from its checkpoint is the node it was: a lockstep run in which nodes are replaced, between rounds, by
/// fresh nodes restored from their checkpoints ends exactly where the run without replacements ends (ADCD-E, whose later
/// syncs only refer to the first sync's matrix, and ADCD-X with a neighbourhood box). The same holds for a window's
/// running average.
/// </summary>
public sealed class NodeCheckpointTests
{
    private const int Nodes = 4;
    private const int Rounds = 60;

    [Property(MaxTest = 60)]
    public Property Nodes_replaced_by_their_restored_checkpoints_change_nothing()
    {
        var gen =
            from seed in Gen.Choose(1, 10_000)
            from sync in Gen.Elements(SyncType.Eager, SyncType.LazyLRU, SyncType.LazyRandom)
            from function in Gen.Elements("inner_product", "sine")
            from replacements in Gen.ListOf(Gen.Choose(0, (Rounds * Nodes) - 1)).Select(l => l.ToHashSet())
            select (seed, sync, function, replacements);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (seed, sync, function, replacements) = t;
            return Outcome.Of(() => Run(seed, sync, function, [])) == Outcome.Of(() => Run(seed, sync, function, replacements));
        });
    }

    [Fact]
    public void A_checkpoint_before_the_first_sync_restores_a_node_whose_next_update_is_a_violation()
    {
        var node = new Node(0, TestFunctions.Sum(), checkpoints: true);
        var restored = new Node(0, TestFunctions.Sum(), checkpoints: true);
        restored.Restore(node.Checkpoint());

        Assert.True(restored.IsBeforeFirstSync);
        Assert.NotNull(restored.UpdateData([1.0, 2.0]));
    }

    [Fact]
    public void Restart_forgets_the_constraints_but_keeps_the_vector_and_what_was_sent()
    {
        var node = new Node(0, TestFunctions.Sum(), checkpoints: true);
        Assert.NotNull(node.UpdateData([1.0, 2.0]));
        Assert.Null(node.Handle(new Sync(0, 3, [1, 2], [0, 0], 0, 10, 0, DcType.Convex, [0, 0, 0, 0])));

        node.Restart();

        Assert.True(node.IsBeforeFirstSync);
        Assert.Equal(0, node.ConstraintVersion);
        Assert.Equal([1.0, 2.0], node.LocalVector.ToArray());
        Assert.Equal(1, node.Statistics.MessagesSent);
        Assert.NotNull(node.UpdateData([1.0, 2.0]));
    }

    [Property(MaxTest = 100)]
    public Property A_window_restored_from_its_points_and_average_goes_on_bit_for_bit()
    {
        var gen =
            from window in Gen.Choose(2, 6)
            from before in Gen.Choose(0, 15)
            from seed in Gen.Choose(1, 10_000)
            select (window, before, seed);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (window, before, seed) = t;
            var random = new Random(seed);
            var points = Enumerable.Range(0, before + 10).Select(_ => new[] { random.NextDouble(), random.NextDouble() - 3 }).ToArray();
            var original = new WindowedAverageStream(2, window);
            foreach (var point in points.Take(before))
            {
                original.Update(point);
            }

            var restored = new WindowedAverageStream(2, window);
            restored.Restore(original.CopyWindow(), original.LocalVector);
            var same = restored.Count == original.Count;
            foreach (var point in points.Skip(before))
            {
                original.Update(point);
                restored.Update(point);
                same &= original.LocalVector.SequenceEqual(restored.LocalVector);
            }

            return same;
        });
    }

    private sealed record Outcome(double Estimate, long FullSyncs, long LazySyncs, string Nodes)
    {
        // A run that the coordinator's own consistency check stops (this loop has no neighbourhood tuning) must stop the
        // same way with restored nodes: the outcome is then the error.
        public static Outcome Of(Func<Outcome> run)
        {
            try
            {
                return run();
            }
            catch (InvalidOperationException exception)
            {
                return new Outcome(double.NaN, -1, -1, exception.Message);
            }
        }
    }

    // The simulator's lockstep loop over seeded random walks; before node i's update in round r, when r·n + i is in
    // `replacements`, node i is replaced by a fresh node restored from its checkpoint.
    private static Outcome Run(int seed, SyncType sync, string functionName, HashSet<int> replacements)
    {
        var walk = new LockstepWalk(seed, sync, functionName, Nodes, checkpoints: true);
        var (coordinator, nodes) = (walk.Coordinator, walk.Nodes);
        for (var round = 0; round < Rounds; round++)
        {
            var violations = new List<INodeMessage>();
            for (var i = 0; i < Nodes; i++)
            {
                if (replacements.Contains((round * Nodes) + i))
                {
                    var restored = new Node(i, walk.Function, checkpoints: true);
                    restored.Restore(nodes[i].Checkpoint());
                    nodes[i] = restored;
                }

                if (walk.Step(i) is { } violation)
                {
                    violations.Add(violation);
                }
            }

            walk.CloseRound(violations);
        }

        var state = string.Join(" | ", nodes.Select(n =>
            $"{n.State} v{n.ConstraintVersion} x0 {string.Join(",", n.SafeZone.ReferencePoint.ToArray())} s {string.Join(",", n.Slack.ToArray())} sent {n.Statistics.MessagesSent}"));
        return new Outcome(coordinator.Estimate, coordinator.Statistics.FullSyncs.Count, coordinator.Statistics.LazySyncs, state);
    }
}
