using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics.Tests;

/// <summary>Central finite differences: the independent oracle the AD results are checked against.</summary>
internal static class Oracles
{
    public static double[] NumericGradient(DifferentiableFunction f, double[] x, double step = 1e-6)
    {
        var g = new double[x.Length];
        var p = (double[])x.Clone();
        for (var i = 0; i < x.Length; i++)
        {
            var h = step * Math.Max(1, Math.Abs(x[i]));
            p[i] = x[i] + h;
            var up = f.Value(p);
            p[i] = x[i] - h;
            var down = f.Value(p);
            p[i] = x[i];
            g[i] = (up - down) / (2 * h);
        }

        return g;
    }

    /// <summary>Hessian by central differences of the AD gradient (row i = ∂∇f/∂x_i).</summary>
    public static double[] NumericHessian(DifferentiableFunction f, double[] x, double step = 1e-5)
    {
        var d = x.Length;
        var hess = new double[d * d];
        var p = (double[])x.Clone();
        double[] up = new double[d], down = new double[d];
        for (var i = 0; i < d; i++)
        {
            var h = step * Math.Max(1, Math.Abs(x[i]));
            p[i] = x[i] + h;
            f.ValueAndGradient(p, up);
            p[i] = x[i] - h;
            f.ValueAndGradient(p, down);
            p[i] = x[i];
            for (var j = 0; j < d; j++)
            {
                hess[(i * d) + j] = (up[j] - down[j]) / (2 * h);
            }
        }

        return hess;
    }

    public static double[] RandomPoint(int seed, int d, double low, double high)
    {
        var r = new Random(seed);
        var x = new double[d];
        for (var i = 0; i < d; i++)
        {
            x[i] = low + ((high - low) * r.NextDouble());
        }

        return x;
    }

    public static bool Close(double expected, double actual, double tolerance) =>
        Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Max(Math.Abs(expected), Math.Abs(actual)));

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Close(expected[i], actual[i], tolerance), $"{what}[{i}]: expected {expected[i]:R}, AD gave {actual[i]:R}");
        }
    }

    public static (double Value, double[] Gradient, double[] Hessian) All(DifferentiableFunction f, double[] x)
    {
        var d = f.Dimension;
        double[] g = new double[d], h = new double[d * d];
        var v = f.ValueGradientHessian(x, g, h);
        return (v, g, h);
    }
}
