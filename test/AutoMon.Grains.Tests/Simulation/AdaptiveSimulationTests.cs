using System.Collections.Immutable;
using AutoMon.Numerics;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Grains.Tests.Simulation;

/// <summary>
/// The adaptive fallback on small runs (docs/design.md "Adaptive fallback"): never costlier than centralisation beyond the
/// switch and the first sync, the bound held on every round, and without the option the paper's protocol untouched.
/// The default sweeps' figures are checked in AutoMon.Launcher.Tests (AdaptiveFallbackTests).
/// </summary>
public sealed class AdaptiveSimulationTests
{
    private static SimulationOptions Options(SmallCase c, double errorBound, bool adaptive) => new()
    {
        Function = c.MonitoredFunction,
        StreamKind = c.StreamKind,
        WindowSize = c.Window,
        ErrorBound = errorBound,
        Adaptive = adaptive,
    };

    [Property(MaxTest = 40)]
    public Property An_adaptive_run_at_any_bound_costs_at_most_centralisation_plus_the_switch_and_the_setup()
    {
        var gen =
            from nodes in Gen.Choose(2, 12)
            from seed in Gen.Choose(1, 10_000)
            from errorBound in Gen.Elements(0.001, 0.005, 0.02, 0.05, 0.1, 0.3, 1.0)
            select (nodes, seed, errorBound);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var c = SmallCases.InnerProductMany(t.nodes, t.errorBound, 4, (ulong)t.seed);
            var result = Simulator.Run(Options(c, t.errorBound, adaptive: true), c.Data);
            var n = result.NodeCount;
            var bytes = result.Statistics.BytesSent + result.Statistics.BytesReceived;

            return result.Statistics.TotalMessagesBroadcastDisabled <= result.Centralization.Messages + n
                && bytes <= result.Centralization.Bytes + (n * new GetLocalVector(0, 1).WireSize) + SetupOverdraft(n, result.Dimension)
                && result.MaxError <= t.errorBound
                && result.Statistics.MissedViolations == 0;
        });
    }

    [Fact]
    public void Once_switched_every_update_is_one_report_and_the_estimate_is_exact()
    {
        var c = SmallCases.InnerProductMany(8, 0.001, 4, 3);

        var result = Simulator.Run(Options(c, 0.001, adaptive: true), c.Data);

        var switchRound = Assert.IsType<int>(result.Statistics.CentralizationSwitchRound);
        Assert.Equal(result.NodeCount, result.Statistics.CentralizationSwitchMessages);
        Assert.All(result.Statistics.Rounds.Skip(switchRound), r => Assert.Equal(0, r.Error, 12));
        var roundsAfter = result.Rounds - switchRound - 1;
        Assert.Equal(c.Nodes + ((c.Iterations - c.Window) * c.Nodes), result.DataUpdates);
        Assert.InRange(result.Statistics.CentralizedReports, roundsAfter * (long)result.NodeCount, (roundsAfter + 1) * (long)result.NodeCount);
    }

    [Fact]
    public void Within_budget_an_adaptive_run_sends_what_plain_AutoMon_sends_but_the_ADCD_E_matrix_and_the_full_syncs_slack()
    {
        var c = SmallCases.InnerProduct();

        var plain = Simulator.Run(Options(c, c.ErrorBound, adaptive: false), c.Data);
        var adaptive = Simulator.Run(Options(c, c.ErrorBound, adaptive: true), c.Data);

        Assert.Null(adaptive.Statistics.CentralizationSwitchRound);
        Assert.Equal(plain.Statistics.Counters, adaptive.Statistics.Counters);
        Assert.Equal(plain.Statistics.Rounds, adaptive.Statistics.Rounds);
        // Same decisions, so the nodes derived the very slack the coordinator would have sent; every full sync goes to all n.
        var matrix = (long)c.Nodes * WireSizes.Vector(c.Dimension * c.Dimension);
        var slacks = (long)plain.Statistics.FullSyncs.Count * c.Nodes * WireSizes.Vector(c.Dimension);
        Assert.True(slacks > 0);
        Assert.Equal(plain.Statistics.BytesSent - matrix - slacks, adaptive.Statistics.BytesSent);
    }

    [Fact]
    public void Without_the_option_nothing_of_the_fallback_runs()
    {
        var c = SmallCases.InnerProductMany(8, 0.001, 4, 3);

        var result = Simulator.Run(Options(c, 0.001, adaptive: false), c.Data);

        Assert.False(result.Statistics.Adaptive);
        Assert.Null(result.Statistics.CentralizationSwitchRound);
        Assert.Equal(0, result.Statistics.CentralizationSwitchMessages + result.Statistics.CentralizedReports);
        Assert.True(result.Statistics.TotalMessagesBroadcastDisabled > result.Centralization.Messages, "plain AutoMon at this bound costs more");
    }

    [Fact]
    public void A_node_derives_the_ADCD_E_matrix_the_coordinator_does_not_ship_and_checks_as_if_it_had_it()
    {
        var c = SmallCases.Quadratic();
        var function = c.MonitoredFunction;
        var shipped = new Node(0, function);
        var derived = new Node(0, function) { DerivesConstantHessian = true };
        var x0 = ImmutableArray.Create(0.5, -0.25, 0.75);
        var slack = ImmutableArray.Create(0.0, 0.0, 0.0);
        var exact = Adcd.Exact(function.Function, new double[c.Dimension]);
        var f0 = function.Function.CreateEvaluator().Value(x0.AsSpan());

        shipped.Handle(new Sync(0, 1, x0, slack, f0 - 0.2, f0 + 0.2, -1, exact.DcType, ImmutableArray.Create(exact.SignedHessian.Span)));
        derived.Handle(new Sync(0, 1, x0, slack, f0 - 0.2, f0 + 0.2, -1, exact.DcType, ImmutableArray<double>.Empty));

        var random = new Random(5);
        for (var k = 0; k < 200; k++)
        {
            double[] x = [.. x0.Select(v => v + ((random.NextDouble() - 0.5) * 0.8))];
            Assert.Equal(shipped.UpdateData(x)?.Origin, derived.UpdateData(x)?.Origin);
            shipped.Reset();
            derived.Reset();
            shipped.Handle(new Sync(0, 1, x0, slack, f0 - 0.2, f0 + 0.2, -1, exact.DcType, ImmutableArray.Create(exact.SignedHessian.Span)));
            derived.Handle(new Sync(0, 1, x0, slack, f0 - 0.2, f0 + 0.2, -1, exact.DcType, ImmutableArray<double>.Empty));
        }
    }

    [Fact]
    public void A_sync_without_slack_gives_the_node_the_drift_slack_of_the_vector_it_sent()
    {
        var c = SmallCases.InnerProduct();
        var node = new Node(0, c.MonitoredFunction) { DerivesConstantHessian = true }; // as in adaptive runs
        double[] sent = [0.3, -1.7, 2.1, 0.05];
        var report = node.UpdateData(sent);
        Assert.NotNull(report); // before a first sync every vector is a violation
        var x0 = ImmutableArray.Create(0.1, 0.2, 0.3, 0.4);

        // The node has moved on since it reported; the slack is still that of the vector the coordinator has.
        node.UpdateData([9.0, 9, 9, 9]);
        node.Handle(new Sync(0, 1, x0, ImmutableArray<double>.Empty, -5, 5, -1, DcType.Convex, ImmutableArray<double>.Empty));

        Assert.Equal(sent.Select((v, j) => v - x0[j]), node.Slack.ToArray());
        Assert.Equal(new Sync(0, 1, x0, ImmutableArray.Create(new double[4]), -5, 5, -1, DcType.Convex, default).WireSize - WireSizes.Vector(4),
            new Sync(0, 1, x0, ImmutableArray<double>.Empty, -5, 5, -1, DcType.Convex, default).WireSize);
    }

    // Round 0 beyond centralisation's count for it (2n reports): every node's first report and the first full sync, whose
    // DC argument is at most one value (adaptive runs never ship the ADCD-E matrix).
    private static long SetupOverdraft(int n, int d)
    {
        var vector = ImmutableArray.Create(new double[d]);
        var report = new Violation(0, 0, ViolationOrigin.SafeZone, vector).WireSize;
        var sync = new Sync(0, 1, vector, vector, 0, 0, -1, DcType.Convex, [0.0]).WireSize;
        return Math.Max(0, ((long)n * (report + sync)) - (2L * n * DataUpdate.SizeFor(d)));
    }
}
