using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// Convex Bound's safe zone (reference <c>cb_common_node.py</c>, after Lazerson et al., JEA 2018): f is written, for each
/// threshold T, as f(p) ≥ T ⇔ g_T(p) ≤ h_T(p) with g, h convex; a convex function lies above its tangent at x0, so
/// h_U(p) ≤ g_U(x0) + ∇g_U(x0)·(p − x0) keeps f below U and g_L(p) ≤ h_L(x0) + ∇h_L(x0)·(p − x0) keeps it above L.
/// </summary>
/// <remarks>
/// The reference's CB nodes never learn f's range, so neither side is ever skipped; neither is it here.
/// </remarks>
public abstract class CbConstraint : CompetitorConstraint
{
    private readonly double[] _gradient;
    private readonly double[] _diff;
    private readonly double[] _half;
    private double _upperTangentValue;
    private double _lowerTangentValue;
    private readonly double[] _upperTangentGradient;
    private readonly double[] _lowerTangentGradient;

    /// <summary>A CB constraint for <paramref name="function"/> (input [x, y], two halves).</summary>
    protected CbConstraint(MonitoredFunction function)
        : base(function)
    {
        _gradient = new double[Dimension];
        _diff = new double[Dimension];
        _half = new double[Dimension / 2];
        _upperTangentGradient = new double[Dimension];
        _lowerTangentGradient = new double[Dimension];
    }

    /// <summary>h_T(X).</summary>
    protected abstract double H(ReadOnlySpan<double> point, double threshold);

    /// <summary>g_T(X).</summary>
    protected abstract double G(ReadOnlySpan<double> point, double threshold);

    /// <summary>∇h_T(X) into <paramref name="gradient"/>.</summary>
    protected abstract void HGradient(ReadOnlySpan<double> point, double threshold, Span<double> gradient);

    /// <summary>∇g_T(X) into <paramref name="gradient"/>.</summary>
    protected abstract void GGradient(ReadOnlySpan<double> point, double threshold, Span<double> gradient);

    /// <inheritdoc/>
    protected sealed override void OnSync()
    {
        // The tangent planes at x0 are fixed until the next sync.
        _upperTangentValue = G(X0, UpperThreshold);
        GGradient(X0, UpperThreshold, _upperTangentGradient);
        _lowerTangentValue = H(X0, LowerThreshold);
        HGradient(X0, LowerThreshold, _lowerTangentGradient);
    }

    /// <inheritdoc/>
    protected sealed override bool Inside(ReadOnlySpan<double> point) => AboveLower(point) && BelowUpper(point);

    /// <summary>‖v‖² as numpy's <c>np.linalg.norm(v)**2</c>: the square of the rounded square root.</summary>
    protected static double NormSquared(ReadOnlySpan<double> v)
    {
        var norm = Norm(v);
        return norm * norm;
    }

    /// <summary>‖v‖ as numpy's <c>np.linalg.norm</c>: √(v·v).</summary>
    protected static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(Dot(v, v));

    /// <summary>x + y of the point's halves (a buffer reused by the next call).</summary>
    protected ReadOnlySpan<double> SumOfHalves(ReadOnlySpan<double> point) => CombineHalves(point, +1);

    /// <summary>x − y of the point's halves (a buffer reused by the next call).</summary>
    protected ReadOnlySpan<double> DifferenceOfHalves(ReadOnlySpan<double> point) => CombineHalves(point, -1);

    private double[] CombineHalves(ReadOnlySpan<double> point, int sign)
    {
        var half = _half.Length;
        for (var j = 0; j < half; j++)
        {
            _half[j] = sign > 0 ? point[j] + point[half + j] : point[j] - point[half + j];
        }

        return _half;
    }

    private bool AboveLower(ReadOnlySpan<double> point)
    {
        var tangent = _lowerTangentValue + Dot(_lowerTangentGradient, Diff(point));
        return G(point, LowerThreshold) <= tangent;
    }

    private bool BelowUpper(ReadOnlySpan<double> point)
    {
        var tangent = _upperTangentValue + Dot(_upperTangentGradient, Diff(point));
        return H(point, UpperThreshold) <= tangent;
    }

    private double[] Diff(ReadOnlySpan<double> point)
    {
        for (var j = 0; j < Dimension; j++)
        {
            _diff[j] = point[j] - X0[j];
        }

        return _diff;
    }
}
