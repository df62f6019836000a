using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Competitors;
using FsCheck.Xunit;

namespace AutoMon.Grains.Tests.Protocol;

/// <summary>The competitors' local constraints: sound safe zones (GM, CB), where their anchor lies, and what each refuses.</summary>
public class CompetitorConstraintTests
{
    [Property(MaxTest = 200)]
    public void A_GM_variance_point_inside_the_safe_zone_has_its_variance_within_the_thresholds(int seed)
    {
        var random = new Random(seed);
        var mean = Uniform(random, -2, 2);
        double[] x0 = [mean, (mean * mean) + Uniform(random, 0.1, 3)];

        AssertSound(MonitoringProtocol.Gm, Function("variance", 2), x0, Uniform(random, 0.05, 1), Near(random, x0, 2));
    }

    [Property(MaxTest = 200)]
    public void A_GM_entropy_point_inside_the_safe_zone_has_its_entropy_within_the_thresholds(int seed)
    {
        var random = new Random(seed);
        var x0 = Probabilities(random, 3);

        AssertSound(MonitoringProtocol.Gm, Function("entropy", 3), x0, Uniform(random, 0.01, 0.3), () => Probabilities(random, 3));
    }

    [Property(MaxTest = 200)]
    public void A_CB_inner_product_point_inside_the_safe_zone_has_its_product_within_the_thresholds(int seed)
    {
        var random = new Random(seed);
        var x0 = Enumerable.Range(0, 4).Select(_ => Uniform(random, -2, 2)).ToArray();

        AssertSound(MonitoringProtocol.Cb, Function("inner_product", 4), x0, Uniform(random, 0.05, 1), Near(random, x0, 1));
    }

    [Property(MaxTest = 200)]
    public void A_CB_cosine_similarity_point_inside_the_safe_zone_has_its_similarity_within_the_thresholds(int seed)
    {
        // Thresholds in (0, 1]: CB's convexing term makes both sides convex only for T ≥ 0 (the reference's safe zone,
        // which this one matches point for point, can let a violation through for a negative threshold).
        var random = new Random(seed);
        var x0 = Enumerable.Range(0, 4).Select(_ => Uniform(random, 0.1, 2)).ToArray();
        var function = Function("cosine_similarity", 4);
        var value = function.Function.CreateEvaluator().Value(x0);

        AssertSound(MonitoringProtocol.Cb, function, x0, Uniform(random, 0.01, 0.5) * Math.Min(value, 1 - value), Near(random, x0, 0.5));
    }

    [Property(MaxTest = 100)]
    public void GM_anchors_the_variance_hyperplane_on_the_parabola_at_the_point_closest_to_x0(int seed)
    {
        var random = new Random(seed);
        var mean = Uniform(random, -2, 2);
        double[] x0 = [mean, (mean * mean) + Uniform(random, 0.1, 3)];
        var upper = x0[1] - (x0[0] * x0[0]) + Uniform(random, 0.05, 1);
        var constraint = (GmConstraint)CompetitorConstraint.Create(MonitoringProtocol.Gm, Function("variance", 2));

        constraint.Sync(x0, upper - 2, upper);

        var q = constraint.ClosestPoint.ToArray();
        Assert.Equal((q[0] * q[0]) + upper, q[1], 1e-9);
        // x0 − q is normal to the parabola at q: orthogonal to its tangent (1, 2 q_x).
        Assert.Equal(0, (x0[0] - q[0]) + (2 * q[0] * (x0[1] - q[1])), 1e-7);
    }

    [Property(MaxTest = 100)]
    public void GM_anchors_the_entropy_hyperplane_on_the_level_set_of_U_within_the_simplex(int seed)
    {
        var random = new Random(seed);
        var function = Function("entropy", 3);
        var evaluator = function.Function.CreateEvaluator();
        var x0 = Probabilities(random, 3);
        while (evaluator.Value(x0) > Math.Log(3) - 0.01)
        {
            // A sync's U is f(x0) + ε: x0 must leave room below the maximal entropy for a U above it.
            x0 = Probabilities(random, 3);
        }

        var upper = Math.Min(evaluator.Value(x0) + Uniform(random, 0.01, 0.3), Math.Log(3) - 1e-3);
        var constraint = (GmConstraint)CompetitorConstraint.Create(MonitoringProtocol.Gm, function);

        constraint.Sync(x0, upper - 1, upper);

        var q = constraint.ClosestPoint.ToArray();
        Assert.Equal(1, q.Sum(), 1e-12);
        Assert.Equal(upper, evaluator.Value(q), 1e-9);
    }

    [Fact]
    public void Above_the_maximal_entropy_GM_anchors_at_the_uniform_vector_and_bounds_nothing_from_above()
    {
        var constraint = (GmConstraint)CompetitorConstraint.Create(MonitoringProtocol.Gm, Function("entropy", 3));

        constraint.Sync([0.4, 0.3, 0.3], 1.0, 1.2);

        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 3.0], constraint.ClosestPoint.ToArray());
        Assert.Equal(SafeZoneResult.Inside, constraint.Check([1 / 3.0, 1 / 3.0, 1 / 3.0]));
    }

    [Fact]
    public void RLV_reports_exactly_when_the_nodes_own_value_leaves_the_thresholds()
    {
        var constraint = CompetitorConstraint.Create(MonitoringProtocol.Rlv, Function("inner_product", 2));
        constraint.Sync([1, 1], 0.5, 1.5);

        Assert.Equal(SafeZoneResult.Inside, constraint.Check([1, 1.5]));
        Assert.Equal(SafeZoneResult.SafeZone, constraint.Check([1, 1.6]));
        Assert.Equal(SafeZoneResult.SafeZone, constraint.Check([1, 0.4]));
    }

    [Fact]
    public void A_competitor_checks_the_domain_first()
    {
        var constraint = CompetitorConstraint.Create(MonitoringProtocol.Rlv, Function("entropy", 3));
        constraint.Sync([0.4, 0.3, 0.3], 0, 2);

        Assert.Equal(SafeZoneResult.Domain, constraint.Check([1.2, -0.1, -0.1]));
    }

    [Theory]
    [InlineData(MonitoringProtocol.Gm, "inner_product", "--protocol gm supports entropy, variance; got inner_product")]
    [InlineData(MonitoringProtocol.Cb, "variance", "--protocol cb supports inner_product, cosine_similarity; got variance")]
    public void A_protocol_refuses_a_function_it_has_no_safe_zone_for_naming_the_ones_it_has(MonitoringProtocol protocol, string function, string message)
    {
        Assert.Equal(message, protocol.Refusal(function));
        var error = Assert.Throws<ArgumentException>(() => new Node(0, Function(function, 2), protocol));
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData(MonitoringProtocol.AutoMon)]
    [InlineData(MonitoringProtocol.Rlv)]
    public void AutoMon_and_RLV_take_any_function(MonitoringProtocol protocol) =>
        Assert.Null(protocol.Refusal("rozenbrock"));

    [Fact]
    public void RLV_runs_without_slack_and_with_eager_sync_whatever_the_options_say()
    {
        var options = new CoordinatorOptions { NodeCount = 3, ErrorBound = 1, Protocol = MonitoringProtocol.Rlv };

        var coordinator = new Coordinator(Function("variance", 2), options, new(1));

        Assert.Equal((SlackType.NoSlack, SyncType.Eager), (coordinator.Options.SlackType, coordinator.Options.SyncType));
    }

    [Fact]
    public void The_adaptive_fallback_is_AutoMons_only()
    {
        var options = new CoordinatorOptions { NodeCount = 3, ErrorBound = 1, Protocol = MonitoringProtocol.Cb, Adaptive = true };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    private static void AssertSound(
        MonitoringProtocol protocol, MonitoredFunction function, double[] x0, double epsilon, Func<double[]> points)
    {
        var value = function.Function.CreateEvaluator().Value(x0);
        var constraint = CompetitorConstraint.Create(protocol, function);
        constraint.Sync(x0, value - epsilon, value + epsilon);
        Assert.Equal(SafeZoneResult.Inside, constraint.Check(x0));

        var evaluator = function.Function.CreateEvaluator();
        for (var i = 0; i < 200; i++)
        {
            var point = points();
            if (constraint.Check(point) == SafeZoneResult.Inside)
            {
                var f = evaluator.Value(point);
                Assert.True(value - epsilon - 1e-9 <= f && f <= value + epsilon + 1e-9, $"f = {f} outside [{value - epsilon}, {value + epsilon}]");
            }
        }
    }

    private static MonitoredFunction Function(string name, int dimension) =>
        FunctionCatalog.Create(name, new FunctionOptions { Dimension = dimension });

    private static Func<double[]> Near(Random random, double[] x0, double radius) =>
        () => x0.Select(v => v + Uniform(random, -radius, radius)).ToArray();

    private static double[] Probabilities(Random random, int d)
    {
        var weights = Enumerable.Range(0, d).Select(_ => Uniform(random, 0.01, 1)).ToArray();
        var sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    private static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());
}
