using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol;

namespace AutoMon.Grains.Tests.Protocol;

/// <summary>
/// The coordinator's state machine on f = x0 + x1 (a zero Hessian: the safe zone is exactly L ≤ f ≤ U), 4 nodes, ε = 1.
/// The first sync puts x0 at (0.5, 0.5): L = 0, U = 2, and node i's slack is x_i − x0.
/// </summary>
public class CoordinatorTests
{
    private static readonly double[][] Start = [[0, 0], [1, 0], [0, 1], [1, 1]];

    private sealed class System
    {
        public System(SyncType sync, SlackType slack = SlackType.Drift, MonitoredFunction? function = null, int nodes = 4, double errorBound = 1,
            double? neighborhood = null, IterationClock clock = IterationClock.Rounds)
        {
            function ??= TestFunctions.Sum();
            Coordinator = new Coordinator(function, new CoordinatorOptions
            {
                NodeCount = nodes, ErrorBound = errorBound, SyncType = sync, SlackType = slack, NeighborhoodSize = neighborhood, IterationClock = clock,
            }, new NumpyLegacyRandom(1));
            Nodes = [.. Enumerable.Range(0, nodes).Select(i => new Node(i, function))];
        }

        public Coordinator Coordinator { get; }

        public Node[] Nodes { get; }

        // Round 0: every node reports its vector, the first full sync follows.
        public IReadOnlyList<ICoordinatorMessage> FirstSync(double[][]? vectors = null)
        {
            vectors ??= Start;
            var violations = Nodes.Select((node, i) => (INodeMessage)node.UpdateData(vectors[i])!).ToList();
            var output = Coordinator.Handle(violations);
            Deliver(output);
            return output;
        }

        public List<INodeMessage> Deliver(IEnumerable<ICoordinatorMessage> messages) =>
            [.. messages.Select(m => Nodes[m.NodeIndex].Handle(m)).OfType<INodeMessage>()];

        public void EndRound(params double[] global)
        {
            Coordinator.SetGlobalVector(global);
            Coordinator.EndRound();
        }

        public Violation Violate(int node, params double[] x) => Nodes[node].UpdateData(x) ?? throw new InvalidOperationException("no violation");
    }

    [Fact]
    public void The_violations_of_round_0_start_a_full_sync_of_every_node()
    {
        var system = new System(SyncType.LazyLRU);

        var output = system.FirstSync();

        Assert.Equal(4, output.Count);
        var syncs = output.Cast<Sync>().ToList();
        Assert.All(syncs, s => Assert.Equal(1, s.ConstraintVersion));
        Assert.All(syncs, s => Assert.Equal([0.5, 0.5], s.ReferencePoint.ToArray()));
        Assert.All(syncs, s => Assert.Equal(DcArgumentKind.SignedHessian, s.DcArgumentKind));
        Assert.Equal([-0.5, -0.5], syncs[0].Slack.ToArray());
        Assert.Equal(0, syncs[0].LowerThreshold);
        Assert.Equal(2, syncs[0].UpperThreshold);
        Assert.Equal(CoordinatorState.Idle, system.Coordinator.State);
        Assert.Single(system.Coordinator.Statistics.FullSyncs);
    }

    [Fact]
    public void The_first_full_sync_clears_the_violation_counters_but_not_the_bytes()
    {
        var system = new System(SyncType.Eager);

        system.FirstSync();

        Assert.Equal(0, system.Coordinator.Statistics.TotalViolationMessages);
        Assert.Equal(0, system.Coordinator.Statistics.SafeZoneViolations);
        Assert.Equal(4 * (12 + 8 + 16), system.Coordinator.Statistics.BytesReceived);
    }

    [Fact]
    public void Eager_sync_asks_only_the_nodes_whose_vector_it_lacks_and_waits_in_FullSync()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        var output = system.Coordinator.Handle(system.Violate(2, 0, 3));

        Assert.Equal([0, 1, 3], output.Select(m => m.NodeIndex));
        Assert.All(output, m => Assert.IsType<GetLocalVector>(m));
        Assert.All(output, m => Assert.Equal(1, m.ConstraintVersion));
        Assert.Equal(CoordinatorState.FullSync, system.Coordinator.State);
        Assert.Equal([0, 1, 3], system.Coordinator.AwaitedLocalVectors);
    }

    [Fact]
    public void Eager_sync_completes_when_the_last_local_vector_arrives()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        var replies = system.Deliver(system.Coordinator.Handle(system.Violate(2, 0, 3)));

        Assert.Empty(system.Coordinator.Handle(replies[0]));
        Assert.Equal(CoordinatorState.FullSync, system.Coordinator.State);
        var output = system.Coordinator.Handle(replies.Skip(1).ToList());

        Assert.Equal(4, output.Count);
        var sync = Assert.IsType<Sync>(output[0]);
        Assert.Equal(2, sync.ConstraintVersion);
        Assert.Equal([0.5, 1.0], sync.ReferencePoint.ToArray());
        Assert.Equal(CoordinatorState.Idle, system.Coordinator.State);
    }

    [Fact]
    public void The_ADCD_E_matrix_goes_only_in_a_nodes_first_sync()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        var replies = system.Deliver(system.Coordinator.Handle(system.Violate(2, 0, 3)));

        var output = system.Coordinator.Handle(replies);

        Assert.All(output.Cast<Sync>(), s => Assert.Equal(DcArgumentKind.None, s.DcArgumentKind));
        Assert.All(output, m => Assert.Equal(12 + 4 + 16 + 16 + 24 + 4, m.WireSize));
    }

    [Fact]
    public void A_violation_with_a_stale_constraint_version_is_counted_and_ignored()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        var output = system.Coordinator.Handle(new Violation(1, 0, ViolationOrigin.SafeZone, [5, 5]));

        Assert.Empty(output);
        Assert.Equal(1, system.Coordinator.Statistics.StaleMessages);
        Assert.Equal(1, system.Coordinator.Statistics.TotalViolationMessages);
        Assert.Equal(CoordinatorState.Idle, system.Coordinator.State);
    }

    [Fact]
    public void A_second_report_from_a_node_already_being_synced_updates_its_vector()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        system.Coordinator.Handle(new Violation(2, 1, ViolationOrigin.SafeZone, [0, 3]));

        system.Coordinator.Handle(new Violation(2, 1, ViolationOrigin.SafeZone, [0, 5]));
        var output = system.Coordinator.Handle([new LocalVectorInfo(0, 1, [0, 0]), new LocalVectorInfo(1, 1, [1, 0]), new LocalVectorInfo(3, 1, [1, 1])]);

        Assert.Equal([0.5, 1.5], Assert.IsType<Sync>(output[0]).ReferencePoint.ToArray());
    }

    [Fact]
    public void A_local_vector_with_a_stale_constraint_version_is_ignored()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        system.Coordinator.Handle(system.Violate(2, 0, 3));

        Assert.Empty(system.Coordinator.Handle(new LocalVectorInfo(0, 0, [0, 0])));
        Assert.Equal([0, 1, 3], system.Coordinator.AwaitedLocalVectors);
    }

    [Fact]
    public void A_local_vector_nobody_asked_for_is_ignored()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        system.Coordinator.Handle(system.Violate(2, 0, 3));

        Assert.Empty(system.Coordinator.Handle(new LocalVectorInfo(2, 1, [0, 3])));
        Assert.Equal(CoordinatorState.FullSync, system.Coordinator.State);
    }

    [Fact]
    public void Lazy_sync_resolves_with_the_violating_nodes_alone_when_their_mean_is_safe()
    {
        var system = new System(SyncType.LazyLRU);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        // Node 0: x − s = (2, 0.5), f = 2.5 > U. Node 1: x − s = (−1, 0.5), f = −0.5 < L. Their mean (0.5, 0.5) is safe.
        var output = system.Coordinator.Handle([system.Violate(0, 1.5, 0), system.Violate(1, -0.5, 0)]);

        Assert.Equal([0, 1], output.Select(m => m.NodeIndex));
        var lazy = output.Cast<LazySync>().ToList();
        Assert.All(lazy, m => Assert.Equal(2, m.ConstraintVersion));
        Assert.Equal([1, -0.5], lazy[0].Slack.ToArray());
        Assert.Equal([-1, -0.5], lazy[1].Slack.ToArray());
        Assert.Equal(1, system.Coordinator.LruCounterOf(0));
        Assert.Equal(0, system.Coordinator.LruCounterOf(2));
        Assert.Equal(CoordinatorState.Idle, system.Coordinator.State);
        Assert.Equal(0, system.Coordinator.Statistics.GetLocalVectorMessages);
    }

    [Fact]
    public void Lazy_LRU_asks_the_least_recently_lazy_synced_node_next()
    {
        var system = new System(SyncType.LazyLRU);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        system.Deliver(system.Coordinator.Handle([system.Violate(0, 1.5, 0), system.Violate(1, -0.5, 0)]));
        system.EndRound(0.5, 0.5);

        // Node 2 alone: x − s = (0.5, 1.7), f = 2.2 > U; nodes 0 and 1 were lazy-synced once, node 3 never.
        var output = system.Coordinator.Handle(system.Violate(2, 0, 2.2));

        var request = Assert.IsType<GetLocalVector>(Assert.Single(output));
        Assert.Equal(3, request.NodeIndex);
        Assert.Equal(CoordinatorState.LazySync, system.Coordinator.State);
    }

    [Fact]
    public void Lazy_sync_finishes_once_the_added_node_makes_the_mean_safe()
    {
        var system = new System(SyncType.LazyLRU);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        var reply = system.Deliver(system.Coordinator.Handle(system.Violate(2, 0, 2.2)));

        var output = system.Coordinator.Handle(reply);

        Assert.Equal([0, 2], output.Select(m => m.NodeIndex));
        Assert.All(output, m => Assert.IsType<LazySync>(m));
        Assert.Equal(CoordinatorState.Idle, system.Coordinator.State);
        Assert.Equal(1, system.Coordinator.Statistics.LazySyncs);
        Assert.Single(system.Coordinator.Statistics.FullSyncs);
    }

    [Fact]
    public void Lazy_LRU_breaks_ties_in_node_order()
    {
        var system = new System(SyncType.LazyLRU);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        var output = system.Coordinator.Handle(system.Violate(2, 0, 2.2));

        Assert.Equal(0, Assert.Single(output).NodeIndex);
    }

    [Fact]
    public void Lazy_random_asks_nodes_in_numpys_shuffled_order()
    {
        // np.random.seed(1); uniform(-10, 10, (3, 2)) for the Hessian test; shuffle([0, 1, 3]) gives [3, 1, 0].
        var system = new System(SyncType.LazyRandom);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        var output = system.Coordinator.Handle(system.Violate(2, 0, 2.2));

        Assert.Equal(3, Assert.Single(output).NodeIndex);
    }

    [Fact]
    public void Lazy_sync_falls_back_to_eager_sync_when_S_max_nodes_cannot_resolve_it()
    {
        var system = new System(SyncType.LazyLRU);
        system.FirstSync();
        system.EndRound(0.5, 0.5);
        system.Deliver(system.Coordinator.Handle([system.Violate(0, 1.5, 0), system.Violate(1, -0.5, 0)]));
        system.EndRound(0.5, 0.5);
        var reply = system.Deliver(system.Coordinator.Handle(system.Violate(2, 0, 10)));
        var fallbacks = system.Coordinator.Statistics.EagerSyncFallbacks; // round 0 already fell back once

        // S = {2, 3}: mean x − s = (0.5, 5), f = 5.5 > U, and |S| = S_max = 2.
        var output = system.Coordinator.Handle(reply);

        Assert.Equal([0, 1], output.Select(m => m.NodeIndex));
        Assert.All(output, m => Assert.IsType<GetLocalVector>(m));
        Assert.Equal(CoordinatorState.FullSync, system.Coordinator.State);
        Assert.Equal(fallbacks + 1, system.Coordinator.Statistics.EagerSyncFallbacks);
        Assert.Equal(0, system.Coordinator.LruCounterOf(0));
    }

    [Fact]
    public void A_faulty_safe_zone_report_forces_an_eager_sync_even_with_lazy_sync()
    {
        var system = new System(SyncType.LazyLRU);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        var output = system.Coordinator.Handle(new Violation(1, 1, ViolationOrigin.FaultySafeZone, [1, 0]));

        Assert.Equal([0, 2, 3], output.Select(m => m.NodeIndex));
        Assert.Equal(CoordinatorState.FullSync, system.Coordinator.State);
    }

    [Fact]
    public void NoSlack_with_a_lazy_sync_type_is_a_configuration_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new System(SyncType.LazyRandom, SlackType.NoSlack));

        Assert.Contains("NoSlack", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoSlack_eager_sync_gives_every_node_zero_slack()
    {
        var system = new System(SyncType.Eager, SlackType.NoSlack);

        var output = system.FirstSync();

        Assert.All(output.Cast<Sync>(), s => Assert.Equal([0, 0], s.Slack.ToArray()));
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(5, 2)]
    [InlineData(3, 2)]
    [InlineData(1, 0)]
    [InlineData(10, 5)]
    public void S_max_is_half_the_nodes_rounded_half_to_even(int nodes, int expected) =>
        Assert.Equal(expected, Coordinator.MaxLazySyncSize(0.5, nodes));

    [Fact]
    public void ADCD_X_syncs_carry_one_extreme_eigenvalue_and_the_neighbourhood_size()
    {
        var system = new System(SyncType.Eager, function: TestFunctions.Sine(), nodes: 1, neighborhood: 0.1);

        var sync = Assert.IsType<Sync>(Assert.Single(system.FirstSync([[0.3]])));

        Assert.False(system.Coordinator.IsHessianConstant);
        Assert.Equal(DcArgumentKind.ExtremeEigenvalue, sync.DcArgumentKind);
        Assert.Equal(0.1, sync.NeighborhoodSize);
        Assert.Equal(0.2, system.Nodes[0].SafeZone.Domain!.Lower[0], 15);
    }

    [Fact]
    public void More_than_5n_consecutive_Domain_violations_double_the_neighbourhood()
    {
        var system = new System(SyncType.Eager, function: TestFunctions.Sine(), nodes: 1, neighborhood: 0.1, clock: IterationClock.Syncs);
        system.FirstSync([[0.0]]);
        var sizes = new List<double>();
        for (var k = 1; k <= 7; k++)
        {
            var output = system.Coordinator.Handle(new Violation(0, system.Coordinator.ConstraintVersionOf(0), ViolationOrigin.Domain, [0.5 * k]));
            sizes.Add(Assert.IsType<Sync>(Assert.Single(output)).NeighborhoodSize);
        }

        Assert.Equal([0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2], sizes);
        Assert.Equal(1, system.Coordinator.ConsecutiveDomainViolations);
    }

    [Fact]
    public void Too_many_consecutive_Domain_violations_force_an_eager_sync_under_lazy_sync()
    {
        var system = new System(SyncType.LazyLRU, function: TestFunctions.Sine(), nodes: 1, neighborhood: 0.1, clock: IterationClock.Syncs);
        system.FirstSync([[0.0]]);
        for (var k = 1; k <= 5; k++)
        {
            system.Coordinator.Handle(new Violation(0, system.Coordinator.ConstraintVersionOf(0), ViolationOrigin.Domain, [0.5 * k]));
        }

        var fallbacksBefore = system.Coordinator.Statistics.EagerSyncFallbacks;
        var output = system.Coordinator.Handle(new Violation(0, system.Coordinator.ConstraintVersionOf(0), ViolationOrigin.Domain, [3]));

        Assert.Equal(0.2, Assert.IsType<Sync>(Assert.Single(output)).NeighborhoodSize);
        Assert.Equal(fallbacksBefore, system.Coordinator.Statistics.EagerSyncFallbacks);
    }

    [Fact]
    public void A_round_that_leaves_the_admissible_region_without_any_report_is_a_missed_violation()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        system.EndRound(2, 2);

        Assert.Equal(1, system.Coordinator.Statistics.MissedViolations);
        Assert.Equal(1, system.Coordinator.Statistics.RoundsWithViolation);
    }

    [Fact]
    public void EndRound_records_the_true_value_the_estimate_and_the_error()
    {
        var system = new System(SyncType.Eager);
        system.FirstSync();

        system.EndRound(0.75, 0.5);

        var round = Assert.Single(system.Coordinator.Statistics.Rounds);
        Assert.Equal(new RoundValue(0, 1.25, 1, 0.25, 0, 2), round);
        Assert.Equal(1, system.Coordinator.Iteration);
    }

    [Theory]
    [InlineData(1.0, nameof(CoordinatorStatistics.FalseLocalViolations))]
    [InlineData(0.72, nameof(CoordinatorStatistics.FalseGlobalViolations))]
    [InlineData(1.2, nameof(CoordinatorStatistics.FalseLocalViolations))]
    [InlineData(1.25, nameof(CoordinatorStatistics.TrueViolations))]
    [InlineData(0.5, nameof(CoordinatorStatistics.TrueViolations))]
    public void Violations_are_classified_against_the_global_vector(double global, string counter)
    {
        // f = x², x0 = 1, ε = 0.5: admissible f in [0.5, 1.5]; the lower constraint is the tangent 2p − 1 ≥ 0.5, so
        // 0.707 < p < 0.75 is admissible but outside the safe zone (false global).
        var system = new System(SyncType.Eager, function: TestFunctions.Square(), nodes: 1, errorBound: 0.5);
        system.FirstSync([[1.0]]);
        system.EndRound(1.0);
        var before = Counter(system.Coordinator.Statistics, counter);

        system.Coordinator.SetGlobalVector([global]);
        system.Coordinator.Handle(system.Violate(0, 3));

        Assert.Equal(before + 1, Counter(system.Coordinator.Statistics, counter));
    }

    [Fact]
    public void A_message_from_an_unknown_node_is_rejected()
    {
        var system = new System(SyncType.Eager);

        Assert.Throws<ArgumentException>(() => system.Coordinator.Handle(new Violation(4, 0, ViolationOrigin.SafeZone, [0, 0])));
    }

    [Fact]
    public void A_batch_with_a_bad_message_is_rejected_whole()
    {
        var system = new System(SyncType.Eager);

        Assert.Throws<ArgumentException>(() => system.Coordinator.Handle(
            [new Violation(0, 0, ViolationOrigin.SafeZone, [0, 0]), new Violation(1, 0, ViolationOrigin.SafeZone, [0])]));

        Assert.Equal(0, system.Coordinator.Statistics.BytesReceived);
        Assert.Equal(CoordinatorState.Idle, system.Coordinator.State);
    }

    [Fact]
    public void A_local_vector_of_the_wrong_dimension_is_rejected()
    {
        var system = new System(SyncType.Eager);

        Assert.Throws<ArgumentException>(() => system.Coordinator.Handle(new Violation(0, 0, ViolationOrigin.SafeZone, [0, 0, 0])));
    }

    [Fact]
    public void With_the_sync_clock_every_completed_sync_advances_the_iteration()
    {
        var system = new System(SyncType.Eager, clock: IterationClock.Syncs);

        system.FirstSync();
        var replies = system.Deliver(system.Coordinator.Handle(system.Violate(2, 0, 3)));
        var output = system.Coordinator.Handle(replies);

        Assert.Equal(2, system.Coordinator.Iteration);
        Assert.Equal(2, output[0].ConstraintVersion);
    }

    [Fact]
    public void Reset_returns_to_the_state_before_the_first_sync_and_keeps_the_constant_Hessian_decision()
    {
        var system = new System(SyncType.LazyLRU);
        system.FirstSync();
        system.EndRound(0.5, 0.5);

        system.Coordinator.Reset();

        Assert.Equal(0, system.Coordinator.Iteration);
        Assert.False(system.Coordinator.Verifier.IsSynced);
        Assert.Empty(system.Coordinator.Statistics.FullSyncs);
        Assert.True(system.Coordinator.IsHessianConstant);
        Assert.Equal(0, system.Coordinator.ConstraintVersionOf(0));
    }

    private static long Counter(CoordinatorStatistics statistics, string name) =>
        (long)typeof(CoordinatorStatistics).GetProperty(name)!.GetValue(statistics)!;
}
