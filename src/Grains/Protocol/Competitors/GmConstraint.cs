using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// Geometric Monitoring's safe zone for a function whose superlevel sets {f ≥ U} are convex (reference
/// <c>gm_common_node.py</c>): f(p) ≥ L, and p on x0's side of the hyperplane tangent to {f ≥ U} at q, the point of that
/// set closest to x0 (for x0 below U the halfspace (x0 − q)·(p − q) ≥ 0 excludes the whole set).
/// </summary>
public abstract class GmConstraint : CompetitorConstraint
{
    private readonly double[] _x0MinusQ;
    private readonly double[] _pointMinusQ;

    /// <summary>A GM constraint for <paramref name="function"/>.</summary>
    protected GmConstraint(MonitoredFunction function)
        : base(function)
    {
        Q = new double[Dimension];
        _x0MinusQ = new double[Dimension];
        _pointMinusQ = new double[Dimension];
    }

    /// <summary>q: the point of {f ≥ U} closest to x0 (the tangent hyperplane's anchor), computed at sync.</summary>
    public ReadOnlySpan<double> ClosestPoint => Q;

    /// <summary>The buffer of <see cref="ClosestPoint"/>.</summary>
    protected double[] Q { get; }

    /// <summary>True when U is at or above f's maximum: no hyperplane, every point is below U.</summary>
    protected virtual bool UpperIsUnreachable => false;

    /// <summary>Sets <see cref="Q"/> from x0 and U.</summary>
    protected abstract void ComputeQ();

    /// <inheritdoc/>
    protected sealed override void OnSync()
    {
        ComputeQ();
        for (var j = 0; j < Dimension; j++)
        {
            _x0MinusQ[j] = X0[j] - Q[j];
        }
    }

    /// <inheritdoc/>
    protected sealed override bool Inside(ReadOnlySpan<double> point) => AboveLower(point) && BelowUpper(point);

    private bool AboveLower(ReadOnlySpan<double> point) => Evaluator.Value(point) >= LowerThreshold;

    private bool BelowUpper(ReadOnlySpan<double> point)
    {
        if (UpperIsUnreachable)
        {
            return true;
        }

        for (var j = 0; j < Dimension; j++)
        {
            _pointMinusQ[j] = point[j] - Q[j];
        }

        return Dot(_x0MinusQ, _pointMinusQ) >= 0;
    }
}
