using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests;

/// <summary>
/// The Taylor pass's ∇ₓ(vᵀH(x)v) against central differences of vᵀH(x)v, with H from the (separately tested) Hessian pass:
/// on every operation, on random formulas and on the networks.
/// </summary>
public class CurvatureGradientTests
{
    [Property(MaxTest = 60)]
    public bool Curvature_gradient_of_every_operation_matches_central_differences(int seed)
    {
        var x = Oracles.RandomPoint(seed, 6, -2, 2);
        if (AutoDiffTests.Kinked(x))
        {
            return true;
        }

        return Agrees(AutoDiffTests.EveryOperation, x, Oracles.RandomPoint(seed + 1, 6, -1, 1), 1e-4);
    }

    [Property(MaxTest = 100)]
    public Property Curvature_gradient_of_a_random_formula_matches_central_differences() =>
        Prop.ForAll(RandomFormula(4).ToArbitrary(), ArbMap.Default.ArbFor<int>(), (text, seed) =>
        {
            var f = Formula.Parse(text, 4);
            var x = Oracles.RandomPoint(seed, 4, 0.5, 1.5);
            return Agrees(f, x, Oracles.RandomPoint(seed + 1, 4, -1, 1), 1e-4).Label(text);
        });

    [Property(MaxTest = 20)]
    public bool Curvature_gradient_of_the_mlp_matches_central_differences(int seed)
    {
        var f = FunctionCatalog.Create("mlp", new FunctionOptions { Dimension = 3, Seed = 1 + (Math.Abs(seed) % 5) }).Function;
        return Agrees(f, Oracles.RandomPoint(seed, 3, -1, 1), Oracles.RandomPoint(seed + 1, 3, -1, 1), 1e-4);
    }

    [Property(MaxTest = 5)]
    public bool Curvature_gradient_of_the_dnn_matches_central_differences_off_the_relu_kinks(int seed)
    {
        // ReLU layers are piecewise linear: a difference step that crosses a kink is no oracle, so skip those points.
        var f = FunctionCatalog.Create("dnn", new FunctionOptions { Seed = 1 }).Function;
        var x = Oracles.RandomPoint(seed, 41, 0, 1);
        return Agrees(f, x, Oracles.RandomPoint(seed + 1, 41, -1, 1), 1e-3, skipOnKink: true);
    }

    [Fact]
    public void The_curvature_returned_is_v_transposed_H_v()
    {
        var x = Oracles.RandomPoint(7, 6, -2, 2);
        var v = Oracles.RandomPoint(8, 6, -1, 1);
        var curvature = AutoDiffTests.EveryOperation.CreateEvaluator().CurvatureGradient(x, v, new double[6]);

        Assert.True(Oracles.Close(Curvature(AutoDiffTests.EveryOperation, x, v), curvature, 1e-12), $"{curvature}");
    }

    /// <summary>vᵀH(x)v by the Hessian pass.</summary>
    internal static double Curvature(DifferentiableFunction f, double[] x, double[] v)
    {
        var d = f.Dimension;
        var h = new double[d * d];
        f.ValueGradientHessian(x, new double[d], h);
        var sum = 0.0;
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                sum += v[i] * h[(i * d) + j] * v[j];
            }
        }

        return sum;
    }

    private static bool Agrees(DifferentiableFunction f, double[] x, double[] v, double tolerance, bool skipOnKink = false)
    {
        var d = f.Dimension;
        var gradient = new double[d];
        f.CreateEvaluator().CurvatureGradient(x, v, gradient);
        var p = (double[])x.Clone();
        var centre = Curvature(f, x, v);
        var compared = 0;
        for (var k = 0; k < d; k++)
        {
            var h = 1e-4 * Math.Max(1, Math.Abs(x[k]));
            double Difference(double step)
            {
                p[k] = x[k] + step;
                var up = Curvature(f, p, v);
                p[k] = x[k] - step;
                var down = Curvature(f, p, v);
                p[k] = x[k];
                if (skipOnKink && !Oracles.Close(up - centre, centre - down, 1e-3))
                {
                    // The second difference is not small against the first: a kink inside the step.
                    return double.NaN;
                }

                return (up - down) / (2 * step);
            }

            // Richardson: central differences at h and h/2 combine to an O(h^4) oracle.
            double coarse = Difference(h), fine = Difference(h / 2);
            if (double.IsNaN(coarse) || double.IsNaN(fine))
            {
                continue;
            }

            if (!Oracles.Close(((4 * fine) - coarse) / 3, gradient[k], tolerance))
            {
                return false;
            }

            compared++;
        }

        // Kinks may hide a few coordinates, not most of them.
        return 2 * compared >= d;
    }

    /// <summary>
    /// Smooth formulas over x[0..d) on [0.5, 1.5]^d. Every operation keeps values moderate (bounded functions, powers of
    /// a base in [1, 1.5]) so that nesting cannot build the huge arguments, like sin(y^27), where differences are no oracle.
    /// </summary>
    private static Gen<string> RandomFormula(int d)
    {
        var leaf = Gen.OneOf(
            Gen.Choose(0, d - 1).Select(i => $"x[{i}]"),
            Gen.Choose(1, 9).Select(c => $"0.{c}"));
        Gen<string> Expression(int depth) => depth == 0
            ? leaf
            : Gen.OneOf(
                leaf,
                from l in Expression(depth - 1) from r in Expression(depth - 1) from op in Gen.Elements("+", "-", "*") select $"({l} {op} {r})",
                from e in Expression(depth - 1) from fn in Gen.Elements("sin", "cos", "tanh", "sigmoid") select $"{fn}({e})",
                Expression(depth - 1).Select(e => $"exp(tanh({e}))"),
                Expression(depth - 1).Select(e => $"log(2 + ({e})^2)"),
                Expression(depth - 1).Select(e => $"sqrt(1 + ({e})^2)"),
                from l in Expression(depth - 1) from r in Expression(depth - 1) select $"({l} / (1.5 + ({r})^2))",
                from e in Expression(depth - 1) from p in Gen.Elements("3", "0.5", "-1.5") select $"(1 + (0.5 * sin({e})^2))^{p}");
        return Expression(3).Select(e => $"x[0] * x[{d - 1}] + {e}");
    }
}
