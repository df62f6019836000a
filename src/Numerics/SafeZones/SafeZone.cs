using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics;

/// <summary>
/// The local constraint a node checks on every data update (paper Sec. 3; reference <c>automon_node.py</c>):
/// domain box, then the lower and upper difference-of-convex constraints with tangents precomputed at sync time,
/// then f(point) within [L, U]. Q(x) = (x - x0)^T A (x - x0) with A the ADCD-E signed Hessian or lambda * I (ADCD-X).
/// Convex: g = f - Q/2, h = -Q/2, grad g(x0) = grad f(x0), grad h(x0) = 0.
/// Concave: g = Q/2, h = Q/2 - f, grad g(x0) = 0, grad h(x0) = -grad f(x0).
/// Upper: g(p) &lt;= h(x0) + grad h(x0).(p - x0) + U (skipped when U &gt;= maxF).
/// Lower: h(p) &lt;= g(x0) + grad g(x0).(p - x0) - L (skipped when L &lt;= minF).
/// Sync allocates nothing after the first DC argument of each kind; <see cref="Check"/> never allocates. Not thread-safe.
/// </summary>
public sealed class SafeZone
{
    /// <summary>
    /// A safe zone for <paramref name="function"/> with its own evaluator. minF / maxF are the function's known range
    /// (use -inf / +inf when unknown); they decide when a constraint or bound side is skipped.
    /// </summary>
    public SafeZone(DifferentiableFunction function, double minF = double.NegativeInfinity, double maxF = double.PositiveInfinity) => throw new NotImplementedException();

    public int Dimension => throw new NotImplementedException();
    public double MinF => throw new NotImplementedException();
    public double MaxF => throw new NotImplementedException();

    /// <summary>False until the first Sync.</summary>
    public bool IsSynced => throw new NotImplementedException();

    public ReadOnlySpan<double> ReferencePoint => throw new NotImplementedException();
    public double LowerThreshold => throw new NotImplementedException();
    public double UpperThreshold => throw new NotImplementedException();
    public DcType DcType => throw new NotImplementedException();

    /// <summary>The domain / neighbourhood box of the last sync; null = all of R^d.</summary>
    public BoxDomain? Domain => throw new NotImplementedException();

    /// <summary>f(x0) computed at the last sync.</summary>
    public double ValueAtReferencePoint => throw new NotImplementedException();

    /// <summary>f(point) of the last <see cref="Check"/> when it evaluated f, else NaN.</summary>
    public double LastValue => throw new NotImplementedException();

    /// <summary>
    /// Full sync with an ADCD-E argument: <paramref name="signedHessian"/> is H_minus (Convex) or H_plus (Concave), d*d row-major.
    /// </summary>
    public void Sync(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, ReadOnlySpan<double> signedHessian, BoxDomain? domain) => throw new NotImplementedException();

    /// <summary>Full sync with an ADCD-X argument: A = extremeEigenvalue * I (lambda_min_minus for Convex, lambda_max_plus for Concave; may be infinite).</summary>
    public void Sync(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, double extremeEigenvalue, BoxDomain? domain) => throw new NotImplementedException();

    /// <summary>
    /// Full sync that keeps the previous DC argument (the reference sends the ADCD-E matrix only in the first sync).
    /// Throws InvalidOperationException if no argument was ever given.
    /// </summary>
    public void Sync(ReadOnlySpan<double> referencePoint, double lowerThreshold, double upperThreshold, DcType dcType, BoxDomain? domain) => throw new NotImplementedException();

    /// <summary>
    /// Checks <paramref name="point"/> (= x - slack, computed by the caller) in the reference's order: domain, lower and upper
    /// DC constraints, bounds on f(point). Evaluates f at most once. Allocation-free. Throws if not synced or on a length mismatch.
    /// </summary>
    public SafeZoneResult Check(ReadOnlySpan<double> point) => throw new NotImplementedException();
}
