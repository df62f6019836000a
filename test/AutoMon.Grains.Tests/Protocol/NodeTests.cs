using System.Collections.Immutable;
using AutoMon.Numerics;
using AutoMon.Protocol;

namespace AutoMon.Grains.Tests.Protocol;

public class NodeTests
{
    private static readonly ImmutableArray<double> ZeroMatrix = [0, 0, 0, 0];

    // f = x0 + x1 around x0 = (0, 0) with L = -1, U = 1: the safe zone is -1 <= x0 + x1 <= 1.
    private static Node SyncedSumNode(double[]? slack = null, int version = 1)
    {
        var node = new Node(0, TestFunctions.Sum());
        node.Handle(new Sync(0, version, [0, 0], [.. slack ?? [0, 0]], -1, 1, -1, DcType.Convex, ZeroMatrix));
        return node;
    }

    [Fact]
    public void Before_the_first_sync_every_update_is_a_SafeZone_violation()
    {
        var node = new Node(2, TestFunctions.Sum());

        var violation = node.UpdateData([0.1, 0.1]);

        Assert.NotNull(violation);
        Assert.Equal(ViolationOrigin.SafeZone, violation.Origin);
        Assert.Equal(0, violation.ConstraintVersion);
        Assert.Equal(2, violation.NodeIndex);
        Assert.Equal([0.1, 0.1], violation.LocalVector.ToArray());
        Assert.Equal(NodeState.WaitForSync, node.State);
    }

    [Fact]
    public void An_update_inside_the_safe_zone_sends_nothing_and_keeps_monitoring()
    {
        var node = SyncedSumNode();

        Assert.Null(node.UpdateData([0.4, 0.5]));
        Assert.Equal(NodeState.Monitoring, node.State);
        Assert.Equal(1, node.Statistics.DataUpdates);
    }

    [Fact]
    public void An_update_outside_the_safe_zone_reports_its_local_vector_and_version()
    {
        var node = SyncedSumNode(version: 4);

        var violation = node.UpdateData([0.9, 0.3]);

        Assert.NotNull(violation);
        Assert.Equal(ViolationOrigin.SafeZone, violation.Origin);
        Assert.Equal(4, violation.ConstraintVersion);
        Assert.Equal([0.9, 0.3], violation.LocalVector.ToArray());
        Assert.Equal(NodeState.WaitForSync, node.State);
    }

    [Fact]
    public void The_point_checked_is_x_minus_slack()
    {
        // x = (1.2, 0.6) alone is outside (f = 1.8), but x - s = (0.2, 0.1) is inside.
        var node = SyncedSumNode(slack: [1.0, 0.5]);

        Assert.Null(node.UpdateData([1.2, 0.6]));
        Assert.NotNull(node.UpdateData([0.2, 0.1]));
    }

    [Fact]
    public void A_point_outside_the_neighbourhood_box_is_a_Domain_violation()
    {
        var node = new Node(0, TestFunctions.Sum());
        node.Handle(new Sync(0, 1, [0, 0], [0, 0], -1, 1, 0.25, DcType.Convex, ZeroMatrix));

        var violation = node.UpdateData([0.3, -0.2]);

        Assert.Equal(ViolationOrigin.Domain, violation?.Origin);
    }

    [Fact]
    public void The_neighbourhood_box_is_cut_by_the_global_domain()
    {
        var function = TestFunctions.Sum() with { Domain = (0, 1) };
        var node = new Node(0, function);
        node.Handle(new Sync(0, 1, [0.1, 0.1], [0, 0], -1, 1, 0.5, DcType.Convex, ZeroMatrix));

        Assert.Equal(0, node.SafeZone.Domain!.Lower[0]);
        Assert.Equal(0.6, node.SafeZone.Domain.Upper[0], 15);
        Assert.Equal(ViolationOrigin.Domain, node.UpdateData([-0.01, 0.1])?.Origin);
    }

    [Fact]
    public void Inside_the_safe_zone_but_outside_the_bounds_is_a_FaultySafeZone_violation()
    {
        // f = x², a concave decomposition with lambda = 0 (wrong for a convex f): the tangent test passes where f > U.
        var node = new Node(0, TestFunctions.Square());
        node.Handle(new Sync(0, 1, [0], [0], -1, 1, -1, DcType.Concave, [0.0]));

        Assert.Equal(ViolationOrigin.FaultySafeZone, node.UpdateData([2])?.Origin);
    }

    [Fact]
    public void A_node_waiting_for_sync_does_not_report_again()
    {
        var node = SyncedSumNode();
        Assert.NotNull(node.UpdateData([2, 0]));

        Assert.Null(node.UpdateData([3, 0]));
        Assert.Equal(NodeState.WaitForSync, node.State);
        Assert.Equal(1, node.Statistics.MessagesSent);
    }

    [Fact]
    public void GetLocalVector_is_answered_and_moves_the_node_to_SuspectWaitForSync()
    {
        var node = SyncedSumNode(version: 3);
        node.UpdateData([0.2, 0.3]);

        var reply = node.Handle(new GetLocalVector(0, 3));

        Assert.NotNull(reply);
        Assert.Equal(3, reply.ConstraintVersion);
        Assert.Equal([0.2, 0.3], reply.LocalVector.ToArray());
        Assert.Equal(NodeState.SuspectWaitForSync, node.State);
    }

    [Fact]
    public void GetLocalVector_with_a_stale_version_is_ignored()
    {
        var node = SyncedSumNode(version: 3);

        Assert.Null(node.Handle(new GetLocalVector(0, 2)));
        Assert.Equal(NodeState.Monitoring, node.State);
        Assert.Equal(1, node.Statistics.IgnoredRequests);
    }

    [Fact]
    public void GetLocalVector_while_waiting_for_sync_is_ignored_because_the_vector_went_with_the_violation()
    {
        var node = SyncedSumNode();
        node.UpdateData([2, 0]);

        Assert.Null(node.Handle(new GetLocalVector(0, 1)));
        Assert.Equal(NodeState.WaitForSync, node.State);
    }

    [Fact]
    public void LazySync_installs_the_new_slack_and_version_and_resumes_monitoring()
    {
        var node = SyncedSumNode();
        node.UpdateData([2, 0]);

        node.Handle(new LazySync(0, 5, [1.5, 0]));

        Assert.Equal(NodeState.Monitoring, node.State);
        Assert.Equal(5, node.ConstraintVersion);
        Assert.Equal([1.5, 0], node.Slack.ToArray());
        Assert.Null(node.UpdateData([2, 0]));
    }

    [Fact]
    public void LazySync_after_answering_GetLocalVector_resumes_monitoring()
    {
        var node = SyncedSumNode();
        node.Handle(new GetLocalVector(0, 1));

        node.Handle(new LazySync(0, 2, [0, 0]));

        Assert.Equal(NodeState.Monitoring, node.State);
    }

    [Fact]
    public void Sync_installs_reference_point_thresholds_slack_and_version()
    {
        var node = SyncedSumNode();
        node.UpdateData([2, 0]);

        node.Handle(new Sync(0, 9, [1, 1], [1, -1], 1.5, 2.5, -1, DcType.Convex, ZeroMatrix));

        Assert.Equal(NodeState.Monitoring, node.State);
        Assert.Equal(9, node.ConstraintVersion);
        Assert.Equal([1, 1], node.SafeZone.ReferencePoint.ToArray());
        Assert.Equal(1.5, node.SafeZone.LowerThreshold);
        Assert.Equal(2.5, node.SafeZone.UpperThreshold);
        Assert.Null(node.UpdateData([2, 0]));     // x - s = (1, 1): f = 2
        Assert.NotNull(node.UpdateData([3, 0]));  // x - s = (2, 1): f = 3 > U
    }

    [Fact]
    public void Sync_without_a_DC_argument_keeps_the_matrix_of_an_earlier_sync()
    {
        var node = SyncedSumNode();

        node.Handle(new Sync(0, 2, [1, 0], [0, 0], 0, 2, -1, DcType.Convex, []));

        Assert.True(node.SafeZone.IsSynced);
        Assert.Null(node.UpdateData([1, 0.5]));
        Assert.NotNull(node.UpdateData([1, 1.5]));
    }

    [Fact]
    public void A_message_for_another_node_is_rejected()
    {
        var node = new Node(1, TestFunctions.Sum());

        Assert.Throws<ArgumentException>(() => node.Handle(new GetLocalVector(2, 0)));
    }

    [Fact]
    public void A_local_vector_of_the_wrong_dimension_is_rejected()
    {
        var node = new Node(0, TestFunctions.Sum());

        var error = Assert.Throws<ArgumentException>(() => node.UpdateData([1, 2, 3]));
        Assert.Contains("dimension 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Sync_of_the_wrong_dimension_is_rejected()
    {
        var node = new Node(0, TestFunctions.Sum());

        Assert.Throws<ArgumentException>(() => node.Handle(new Sync(0, 1, [0, 0, 0], [0, 0, 0], -1, 1, -1, DcType.Convex, [])));
        Assert.Throws<ArgumentException>(() => node.Handle(new Sync(0, 1, [0, 0], [0, 0], -1, 1, -1, DcType.Convex, [0, 0, 0])));
        Assert.Throws<ArgumentException>(() => node.Handle(new LazySync(0, 1, default)));
    }

    [Fact]
    public void Bytes_sent_and_received_follow_the_wire_sizes()
    {
        var node = SyncedSumNode();
        node.UpdateData([2, 0]);

        Assert.Equal(12 + 4 + 16 + 16 + 24 + 4 + 32, node.Statistics.BytesReceived);
        Assert.Equal(12 + 8 + 16, node.Statistics.BytesSent);
    }

    [Fact]
    public void Checking_an_update_that_passes_allocates_nothing()
    {
        var node = SyncedSumNode();
        double[] x = [0.1, 0.2];
        node.UpdateData(x);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            node.UpdateData(x);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Every_sixteenth_check_is_timed_and_every_check_is_counted()
    {
        var node = SyncedSumNode();

        for (var i = 0; i < 40; i++)
        {
            node.UpdateData([0.1, 0.2]);
        }

        Assert.Equal(40, node.Statistics.DataUpdates);
        Assert.Equal(3, node.Statistics.TimedChecks);
        Assert.True(node.Statistics.MeanCheckNanoseconds >= 0);
    }

    [Fact]
    public void Reset_returns_the_node_to_its_state_before_the_first_sync()
    {
        var node = SyncedSumNode(version: 6);
        node.UpdateData([2, 0]);

        node.Reset();

        Assert.True(node.IsBeforeFirstSync);
        Assert.Equal(0, node.ConstraintVersion);
        Assert.Equal(NodeState.Monitoring, node.State);
        Assert.Equal(0, node.Statistics.DataUpdates);
    }
}
