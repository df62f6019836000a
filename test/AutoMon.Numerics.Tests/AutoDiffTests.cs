using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests;

public class AutoDiffTests
{
    // A definition that exercises every operation, including broadcasting, masks and select.
    internal static readonly DifferentiableFunction EveryOperation = DifferentiableFunction.Create("every_op", 6, x =>
    {
        var a = x[..3];
        var b = x[3..];
        var smooth = Ad.Exp(a * 0.3) * Ad.Sin(b) + Ad.Cos(a - b) / (2.5 + Ad.Tanh(b));
        var positive = Ad.Log(1.5 + Ad.Square(a)) + Ad.Sqrt(2.0 + (b * b)) + Ad.Pow(1.2 + Ad.Sigmoid(a), 2.5);
        var gated = Ad.Select(a > b, Ad.Relu(a + 3.0), Ad.Abs(b - 4.0)) + Ad.Max(a, b * 2.0) - Ad.Min(a, 0.5 - b);
        var broadcast = x[0] * b + (x[1] - a) / 3.0;
        var layer = Ad.Dense(new double[,] { { 0.5, -1, 2 }, { 0.25, 0.75, -0.5 } }, [0.1, -0.2], Ad.Tanh(a));
        var both = Ad.Concat(smooth, positive, gated, broadcast, layer);
        return Ad.Sum(both * both) * 0.1 + Ad.Dot(a, b) - Ad.Norm(b) + (-x[5]);
    });

    [Property(MaxTest = 60)]
    public bool Gradient_of_every_operation_matches_central_differences(int seed)
    {
        var x = Oracles.RandomPoint(seed, 6, -2, 2);
        // Keep away from the kinks of select/max/min/relu/abs, where finite differences are not an oracle.
        if (Kinked(x))
        {
            return true;
        }

        var g = new double[6];
        EveryOperation.ValueAndGradient(x, g);
        var fd = Oracles.NumericGradient(EveryOperation, x);
        return g.Zip(fd).All(p => Oracles.Close(p.Second, p.First, 1e-5));
    }

    [Property(MaxTest = 60)]
    public bool Hessian_of_every_operation_matches_central_differences_of_the_gradient(int seed)
    {
        var x = Oracles.RandomPoint(seed, 6, -2, 2);
        if (Kinked(x))
        {
            return true;
        }

        var (_, _, h) = Oracles.All(EveryOperation, x);
        var fd = Oracles.NumericHessian(EveryOperation, x);
        return h.Zip(fd).All(p => Oracles.Close(p.Second, p.First, 1e-4));
    }

    [Property(MaxTest = 60)]
    public bool Value_from_the_hessian_pass_equals_the_plain_value(int seed)
    {
        var x = Oracles.RandomPoint(seed, 6, -2, 2);
        var (v, _, _) = Oracles.All(EveryOperation, x);
        return v == EveryOperation.Value(x);
    }

    internal static bool Kinked(double[] x)
    {
        for (var i = 0; i < 3; i++)
        {
            double a = x[i], b = x[3 + i];
            if (Math.Abs(a - b) < 1e-2 || Math.Abs(a - (2 * b)) < 1e-2 || Math.Abs(a - (0.5 - b)) < 1e-2 ||
                Math.Abs(a + 3) < 1e-2 || Math.Abs(b - 4) < 1e-2)
            {
                return true;
            }
        }

        return false;
    }

    [Property(MaxTest = 40)]
    public bool Inner_product_gradient_is_the_swapped_halves_and_hessian_the_exchange_matrix(int seed)
    {
        var d = 2 * (1 + (Math.Abs(seed) % 20));
        var f = MonitoredFunctions.InnerProduct(d);
        var x = Oracles.RandomPoint(seed, d, -5, 5);
        var (v, g, h) = Oracles.All(f, x);
        var half = d / 2;
        var expectedValue = 0.0;
        for (var i = 0; i < half; i++)
        {
            expectedValue += x[i] * x[half + i];
        }

        for (var i = 0; i < d; i++)
        {
            if (g[i] != x[(i + half) % d])
            {
                return false;
            }

            for (var j = 0; j < d; j++)
            {
                var expected = Math.Abs(i - j) == half ? 1.0 : 0.0;
                if (h[(i * d) + j] != expected)
                {
                    return false;
                }
            }
        }

        return Oracles.Close(expectedValue, v, 1e-12);
    }

    [Property(MaxTest = 40)]
    public bool Quadratic_form_gradient_is_H_plus_H_transpose_times_x_and_hessian_H_plus_H_transpose(int seed)
    {
        var d = 1 + (Math.Abs(seed) % 12);
        var r = new Random(seed);
        var hm = new double[d, d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                hm[i, j] = Math.Round((r.NextDouble() * 4) - 2, 3);
            }
        }

        var f = MonitoredFunctions.Quadratic(hm);
        var x = Oracles.RandomPoint(seed + 1, d, -3, 3);
        var (v, g, h) = Oracles.All(f, x);
        var expectedValue = 0.0;
        for (var i = 0; i < d; i++)
        {
            var gi = 0.0;
            for (var j = 0; j < d; j++)
            {
                expectedValue += x[i] * hm[i, j] * x[j];
                gi += (hm[i, j] + hm[j, i]) * x[j];
                if (!Oracles.Close(hm[i, j] + hm[j, i], h[(i * d) + j], 1e-14))
                {
                    return false;
                }
            }

            if (!Oracles.Close(gi, g[i], 1e-12))
            {
                return false;
            }
        }

        return Oracles.Close(expectedValue, v, 1e-12);
    }

    [Fact]
    public void Quadratic_hessian_is_bitwise_the_same_at_different_points()
    {
        // The reference's constant-Hessian test compares Hessians exactly, so constant second derivatives must come out
        // exactly constant, not merely close.
        var hm = new double[,] { { 0.3, -1.2, 0.7 }, { 2.1, 0.05, -0.4 }, { 1.0 / 3, 0.9, -2.2 } };
        var f = MonitoredFunctions.Quadratic(hm);
        var h1 = Oracles.All(f, [1.5, -2.25, 7.125]).Hessian;
        var h2 = Oracles.All(f, [-9.75, 3.0625, 0.001]).Hessian;
        Assert.Equal(h1, h2);
    }

    [Fact]
    public void Select_sends_no_derivative_into_the_branch_not_taken()
    {
        // Entropy at a point with a zero frequency: the log branch is not taken there, so the gradient stays finite.
        var f = MonitoredFunctions.Entropy(4);
        var x = new[] { 0.5, 0.0, 0.25, 0.25 };
        var (v, g, h) = Oracles.All(f, x);
        Assert.Equal(-(0.5 * Math.Log(0.5)) - (0.5 * Math.Log(0.25)), v, 12);
        Assert.All(g, gi => Assert.True(double.IsFinite(gi)));
        Assert.All(h, hi => Assert.True(double.IsFinite(hi)));
        Assert.Equal(0, g[1]);
        Assert.Equal(-Math.Log(0.5) - 1, g[0], 12);
    }

    [Fact]
    public void Scalar_operands_broadcast_and_collect_their_gradient_over_all_components()
    {
        var f = DifferentiableFunction.Create("broadcast", 3, x => Ad.Sum(x[0] * x));
        var g = new double[3];
        f.ValueAndGradient([2, 3, 4], g);
        // f = x0 (x0 + x1 + x2)  =>  ∂/∂x0 = 2 x0 + x1 + x2, ∂/∂x1 = ∂/∂x2 = x0.
        Assert.Equal([11.0, 2, 2], g);
    }

    [Fact]
    public void Evaluations_after_the_first_allocate_nothing()
    {
        var f = MonitoredFunctions.Rosenbrock(4).CreateEvaluator();
        var x = new[] { 0.5, -0.25, 1.5, 2.0 };
        var g = new double[4];
        var h = new double[16];
        f.Value(x);
        f.ValueAndGradient(x, g);
        f.ValueGradientHessian(x, g, h);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            f.Value(x);
            f.ValueAndGradient(x, g);
            f.ValueGradientHessian(x, g, h);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Input_of_the_wrong_length_is_rejected_with_both_lengths_named()
    {
        var f = MonitoredFunctions.InnerProduct(4);
        var e = Assert.Throws<ArgumentException>(() => f.Value([1.0, 2, 3]));
        Assert.Contains("Expected length 4, got 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_definition_that_returns_a_vector_is_rejected()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DifferentiableFunction.Create("vec", 3, x => x * 2.0));
        Assert.Contains("must return a scalar", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected_when_the_definition_runs()
    {
        var e = Assert.Throws<ArgumentException>(() => DifferentiableFunction.Create("bad", 5, x => Ad.Sum(x[..2] + x[2..])));
        Assert.Contains("lengths 2 and 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expressions_cannot_be_reused_after_the_function_is_compiled()
    {
        Expr? leaked = null;
        DifferentiableFunction.Create("leak", 2, x => { leaked = x; return Ad.Sum(x); });
        Assert.Throws<InvalidOperationException>(() => Ad.Exp(leaked!));
    }

    [Fact]
    public void Evaluators_on_different_threads_give_the_same_results()
    {
        var f = MonitoredFunctions.KlDivergence(6);
        var x = new[] { 0.2, 0.3, 0.5, 0.1, 0.6, 0.3 };
        var expected = f.Value(x);
        var results = new double[8];
        Parallel.For(0, 8, i => results[i] = f.Value(x));
        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
