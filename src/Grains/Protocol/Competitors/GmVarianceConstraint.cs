using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// GM for the variance x[1] − x[0]² of the first and second moments (reference <c>gm_variance_node.py</c>, after
/// Gabel et al., ICDE 2014): {f ≥ U} is the region above the parabola y = x² + U, and q, its point closest to x0, is a
/// root of a depressed cubic solved with Cardano's formula.
/// </summary>
public sealed class GmVarianceConstraint(MonitoredFunction function) : GmConstraint(function)
{
    /// <inheritdoc/>
    protected override void ComputeQ()
    {
        // Distance² from x0 to (t, t² + U) is minimal where t³ + (U + 1/2 − y0) t − x0/2 = 0, i.e. t³ + 3Qt − 2R = 0.
        var q = ((2 * UpperThreshold) + 1 - (2 * X0[1])) / 2 / 3;
        var r = -(-0.5 * X0[0]) / 2;
        // Powers as numpy's (libm pow), so q matches the reference to the last bit.
        var discriminant = Math.Pow(r, 2) + Math.Pow(q, 3);
        double t;
        if (discriminant < 0)
        {
            // Three real roots: the one closest to x0[0] (the first of equals, as numpy's argmin).
            var theta = Math.Acos(r / Math.Sqrt(-Math.Pow(q, 3)));
            t = double.NaN;
            var best = double.PositiveInfinity;
            for (var k = 0; k < 3; k++)
            {
                var root = 2 * Math.Sqrt(-q) * Math.Cos((theta / 3) + (k * 2 * Math.PI / 3));
                var distance = Math.Abs(X0[0] - root);
                if (distance < best)
                {
                    best = distance;
                    t = root;
                }
            }
        }
        else
        {
            var sqrt = Math.Sqrt(discriminant);
            t = Math.Cbrt(r + sqrt) + Math.Cbrt(r - sqrt);
        }

        Q[0] = t;
        Q[1] = Math.Pow(t, 2) + UpperThreshold;
    }
}
