using AutoMon.Numerics.Functions;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests.SafeZones;

using Adcd = AutoMon.Numerics.Adcd;

/// <summary>
/// The safe-zone theorem (paper Sec. 3): with a valid DC decomposition, a point inside both DC constraints has L &lt;= f &lt;= U,
/// so the bounds check never fires (FaultySafeZone). Rounding may only matter within a hair of a threshold.
/// </summary>
public class SafeZonePropertyTests
{
    private static double[] RandomVector(Random random, int d, double scale) =>
        Enumerable.Range(0, d).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();

    private static bool NotFaultyUnlessAtThreshold(SafeZone zone, double[] point)
    {
        var result = zone.Check(point);
        if (result != SafeZoneResult.FaultySafeZone)
        {
            return true;
        }

        var f = zone.LastValue;
        var slack = 1e-9 * (1 + Math.Abs(f));
        return Math.Abs(f - zone.LowerThreshold) <= slack || Math.Abs(f - zone.UpperThreshold) <= slack;
    }

    /// <summary>Runs many points around x0 at several scales and counts the inside ones, so the property is not vacuous.</summary>
    private static (bool Holds, int Inside) Probe(SafeZone zone, Random random, double[] x0)
    {
        var inside = 0;
        foreach (var scale in new[] { 0.01, 0.1, 0.5, 2.0 })
        {
            for (var k = 0; k < 25; k++)
            {
                var point = x0.Zip(RandomVector(random, x0.Length, scale), (a, b) => a + b).ToArray();
                if (!NotFaultyUnlessAtThreshold(zone, point))
                {
                    return (false, inside);
                }

                inside += zone.Check(point) == SafeZoneResult.Inside ? 1 : 0;
            }
        }

        return (true, inside);
    }

    [Property(MaxTest = 60)]
    public bool Inner_product_safe_zone_implies_the_bounds(int seed)
    {
        var random = new Random(seed);
        var d = 2 * (1 + random.Next(6));
        var f = new InnerProduct(d);
        var x0 = RandomVector(random, d, 3);
        var epsilon = 0.05 + random.NextDouble();
        var adcd = Adcd.Exact(f, x0);
        var zone = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity);
        var fx0 = f.F(x0);
        zone.Sync(x0, fx0 - epsilon, fx0 + epsilon, adcd.DcType, adcd.SignedHessian.Span, null);

        var (holds, inside) = Probe(zone, random, x0);
        return holds && inside > 0 && zone.Check(x0) == SafeZoneResult.Inside;
    }

    [Property(MaxTest = 60)]
    public bool Indefinite_quadratic_safe_zone_implies_the_bounds_in_either_dc_form(int seed)
    {
        var random = new Random(seed);
        var d = 1 + random.Next(5);
        var h = new double[d, d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                h[i, j] = h[j, i] = (random.NextDouble() * 2) - 1;
            }
        }

        var f = new QuadraticFunction(h);
        var x0 = RandomVector(random, d, 2);
        var epsilon = 0.05 + random.NextDouble();
        var adcd = Adcd.Exact(f, x0);
        var zone = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity);
        var fx0 = f.F(x0);
        zone.Sync(x0, fx0 - epsilon, fx0 + epsilon, adcd.DcType, adcd.SignedHessian.Span, null);

        var (holds, inside) = Probe(zone, random, x0);
        return holds && inside > 0;
    }

    [Property(MaxTest = 60)]
    public bool Sum_of_sines_with_global_extreme_eigenvalue_implies_the_bounds(int seed)
    {
        // Hessian diag(-sin x_i) has eigenvalues in [-1, 1] everywhere: lambda = -1 (convex) and +1 (concave) are valid globally.
        var random = new Random(seed);
        var d = 1 + random.Next(4);
        var f = new SumOfSines(d);
        var x0 = RandomVector(random, d, 3);
        var epsilon = 0.05 + random.NextDouble();
        var fx0 = f.F(x0);
        var convex = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity);
        convex.Sync(x0, fx0 - epsilon, fx0 + epsilon, DcType.Convex, -1.0, null);
        var concave = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity);
        concave.Sync(x0, fx0 - epsilon, fx0 + epsilon, DcType.Concave, 1.0, null);

        var a = Probe(convex, random, x0);
        var b = Probe(concave, random, x0);
        return a.Holds && b.Holds && a.Inside > 0 && b.Inside > 0;
    }

    [Property(MaxTest = 30)]
    public bool Safe_zone_over_the_AD_function_decides_like_the_closed_form(int seed)
    {
        var random = new Random(seed);
        const int D = 40;
        var closedForm = new InnerProduct(D);
        var x0 = RandomVector(random, D, 1);
        var adcd = Adcd.Exact(closedForm, x0);
        var fx0 = closedForm.F(x0);
        var box = BoxDomain.Uniform(D, -2, 2);
        var viaAd = new SafeZone(MonitoredFunctions.InnerProduct(D), double.NegativeInfinity, double.PositiveInfinity);
        var viaClosedForm = new SafeZone(closedForm, double.NegativeInfinity, double.PositiveInfinity);
        viaAd.Sync(x0, fx0 - 0.5, fx0 + 0.5, adcd.DcType, adcd.SignedHessian.Span, box);
        viaClosedForm.Sync(x0, fx0 - 0.5, fx0 + 0.5, adcd.DcType, adcd.SignedHessian.Span, box);

        for (var k = 0; k < 50; k++)
        {
            var point = x0.Zip(RandomVector(random, D, 0.2), (a, b) => a + b).ToArray();
            if (viaAd.Check(point) != viaClosedForm.Check(point))
            {
                return false;
            }
        }

        return true;
    }
}
