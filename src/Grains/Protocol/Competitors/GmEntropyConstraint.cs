using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// GM for the Shannon entropy of a probability vector (reference <c>gm_entropy_node.py</c>, after CIDER, KDD 2017):
/// q = argmin ‖q − x0‖² subject to H(q) ≥ U and Σq = 1. The reference solves it with CVXPY; here the KKT conditions
/// q_i + a ln q_i = x0_i + s (a ≥ 0) are solved directly: the shift s by Newton's method for Σq = 1, a by bisection
/// for H(q) = U.
/// </summary>
public sealed class GmEntropyConstraint : GmConstraint
{
    private readonly double _maxEntropy;

    /// <summary>The GM constraint of the entropy for <paramref name="function"/>.</summary>
    public GmEntropyConstraint(MonitoredFunction function)
        : base(function)
    {
        var uniform = new double[Dimension];
        Array.Fill(uniform, 1.0 / Dimension);
        _maxEntropy = Evaluator.Value(uniform);
    }

    /// <inheritdoc/>
    protected override bool UpperIsUnreachable => UpperThreshold >= _maxEntropy;

    /// <inheritdoc/>
    protected override void ComputeQ()
    {
        if (UpperIsUnreachable)
        {
            // No point has entropy above U: q is the maximiser, the uniform vector (the reference's fallback).
            Array.Fill(Q, 1.0 / Dimension);
            return;
        }

        // H(q(a)) grows from about H(x0) (a → 0) to log d (a → ∞): bisect on log a for H = U.
        double low = -40, high = 10;
        for (var i = 0; i < 200 && high - low > 1e-12; i++)
        {
            var middle = (low + high) / 2;
            Project(Math.Exp(middle));
            if (Evaluator.Value(Q) < UpperThreshold)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        Project(Math.Exp(high));
    }

    // Q = the stationary point for multiplier a, with the shift chosen so that Σq = 1. Each q_i grows with the shift,
    // convexly (dq/ds = q/(q + a)), so Newton's method on Σq − 1 from a shift where every q_i ≥ 1 descends to the root.
    private void Project(double a)
    {
        var shift = 1 - X0.Min();
        for (var i = 0; i < 100; i++)
        {
            var sum = SumFor(a, shift);
            var slope = 0.0;
            for (var j = 0; j < Dimension; j++)
            {
                slope += Q[j] / (Q[j] + a);
            }

            var step = (sum - 1) / slope;
            shift -= step;
            if (Math.Abs(step) <= 1e-15 * Math.Max(1, Math.Abs(shift)))
            {
                break;
            }
        }

        SumFor(a, shift);
    }

    // Fills Q with the solutions of q + a ln q = x0 + shift (increasing in shift) and returns their sum.
    private double SumFor(double a, double shift)
    {
        var sum = 0.0;
        for (var j = 0; j < Dimension; j++)
        {
            Q[j] = Solve(a, X0[j] + shift);
            sum += Q[j];
        }

        return sum;
    }

    // The root of F(u) = e^u + a u − c (u = ln q) by Newton's method. F is convex and increasing, so Newton from a point
    // right of the root descends to it monotonically: F(ln c) = a ln c ≥ 0 for c ≥ 1, else F(min(c/a, 0)) > 0.
    private static double Solve(double a, double c)
    {
        var u = c >= 1 ? Math.Log(c) : Math.Min(c / a, 0);
        for (var i = 0; i < 100; i++)
        {
            var e = Math.Exp(u);
            var step = (e + (a * u) - c) / (e + a);
            u -= step;
            if (Math.Abs(step) <= 1e-15 * Math.Max(1, Math.Abs(u)))
            {
                break;
            }
        }

        return Math.Exp(u);
    }
}
