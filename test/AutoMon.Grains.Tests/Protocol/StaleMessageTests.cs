using AutoMon.Numerics;
using AutoMon.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Grains.Tests.Protocol;

/// <summary>
/// Stale, duplicate and reordered protocol messages are harmless: a network that delivers again, late, messages it already
/// delivered (a Sync or LazySync an older constraint version, a violation report twice, a GetLocalVector reply after a newer
/// sync) leaves every node and the coordinator exactly where the clean run leaves them; each such message is ignored and
/// counted.
/// </summary>
public sealed class StaleMessageTests
{
    private const int Nodes = 4;
    private const int Rounds = 60;

    /// <summary>A run's end state: the coordinator's estimate and syncs, and each node's constraints.</summary>
    private sealed record Outcome(
        double Estimate, long FullSyncs, long LazySyncs, long RoundsWithViolation, int[] Versions, double[][] Slacks, double[] ReferencePoint,
        long IgnoredByNodes, long StaleAtCoordinator, long Replayed);

    [Property(MaxTest = 60)]
    public Property Replaying_delivered_messages_at_random_changes_nothing_and_is_counted()
    {
        var gen =
            from seed in Gen.Choose(1, 10_000)
            from sync in Gen.Elements(SyncType.Eager, SyncType.LazyLRU, SyncType.LazyRandom)
            from function in Gen.Elements("inner_product", "sine")
            from replays in Gen.ListOf(Gen.Choose(0, 1_000_000)).Select(l => l.ToArray())
            select (seed, sync, function, replays);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (seed, sync, function, replays) = t;
            var clean = Run(seed, sync, function, []);
            var noisy = Run(seed, sync, function, replays);

            return clean.Estimate.Equals(noisy.Estimate)
                   && clean.FullSyncs == noisy.FullSyncs && clean.LazySyncs == noisy.LazySyncs && clean.RoundsWithViolation == noisy.RoundsWithViolation
                   && clean.Versions.SequenceEqual(noisy.Versions)
                   && clean.Slacks.Zip(noisy.Slacks).All(p => p.First.SequenceEqual(p.Second))
                   && clean.ReferencePoint.SequenceEqual(noisy.ReferencePoint)
                   // Every replayed message was ignored by its receiver, and counted there.
                   && noisy.IgnoredByNodes + noisy.StaleAtCoordinator - (clean.IgnoredByNodes + clean.StaleAtCoordinator) == noisy.Replayed;
        });
    }

    [Fact]
    public void A_sync_of_an_older_version_than_the_nodes_is_ignored_and_counted()
    {
        var node = new Node(0, TestFunctions.Sum());
        Sync SyncOf(int version, double x) => new(0, version, [x, x], [0, 0], 0, 2 * x + 1, 0, DcType.Convex, [0, 0, 0, 0]);

        Assert.Null(node.Handle(SyncOf(2, 0.5)));
        Assert.Null(node.Handle(SyncOf(1, 9)));
        Assert.Null(node.Handle(new LazySync(0, 2, [1, 1])));

        Assert.Equal(2, node.ConstraintVersion);
        Assert.Equal([0.5, 0.5], node.SafeZone.ReferencePoint.ToArray());
        Assert.Equal([0.0, 0.0], node.Slack.ToArray());
        Assert.Equal(2, node.Statistics.StaleSyncs);
        Assert.Equal(1, node.Statistics.FullSyncs);
    }

    // A lockstep run (the simulator's loop: each round every node's update, then the round's violations resolved) over
    // seeded random-walk local vectors. After exchange k, the k-th entry of `replays` (when there is one) picks a message
    // delivered earlier and delivers it again to its receiver.
    private static Outcome Run(int seed, SyncType sync, string functionName, int[] replays)
    {
        var walk = new LockstepWalk(seed, sync, functionName, Nodes);
        var (coordinator, nodes) = (walk.Coordinator, walk.Nodes);
        var toNodes = new List<ICoordinatorMessage>();
        var toCoordinator = new List<INodeMessage>();
        var exchanges = 0;
        long replayed = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var violations = new List<INodeMessage>();
            for (var i = 0; i < Nodes; i++)
            {
                if (walk.Step(i) is { } violation)
                {
                    violations.Add(violation);
                }
            }

            walk.SetGlobalVector();
            var batch = violations;
            while (batch.Count > 0)
            {
                toCoordinator.AddRange(batch);
                var output = coordinator.Handle(batch);
                toNodes.AddRange(output);
                batch = [.. output.Select(m => nodes[m.NodeIndex].Handle(m)).OfType<INodeMessage>()];
            }

            coordinator.EndRound();
            if (exchanges < replays.Length && toNodes.Count + toCoordinator.Count > 0)
            {
                var pick = replays[exchanges] % (toNodes.Count + toCoordinator.Count);
                replayed++;
                if (pick < toNodes.Count)
                {
                    // A late or duplicate coordinator message: the node answers nothing.
                    var message = toNodes[pick];
                    var reply = nodes[message.NodeIndex].Handle(message);
                    if (reply is not null)
                    {
                        throw new InvalidOperationException($"node {message.NodeIndex} answered a replayed {message.Type} of version {message.ConstraintVersion}");
                    }
                }
                else
                {
                    var output = coordinator.Handle(toCoordinator[pick - toNodes.Count]);
                    if (output.Count > 0)
                    {
                        throw new InvalidOperationException($"the coordinator acted on a replayed {toCoordinator[pick - toNodes.Count].Type}");
                    }
                }
            }

            exchanges++;
        }

        return new Outcome(
            coordinator.Estimate, coordinator.Statistics.FullSyncs.Count, coordinator.Statistics.LazySyncs, coordinator.Statistics.RoundsWithViolation,
            [.. nodes.Select(n => n.ConstraintVersion)], [.. nodes.Select(n => n.Slack.ToArray())], coordinator.ReferencePoint.ToArray(),
            nodes.Sum(n => n.Statistics.StaleSyncs + n.Statistics.IgnoredRequests), coordinator.Statistics.StaleMessages + coordinator.Statistics.UnaskedReplies,
            replayed);
    }
}
