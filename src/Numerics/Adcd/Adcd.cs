using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Randomness;

namespace AutoMon.Numerics;

/// <summary>
/// Automatic difference-of-convex decomposition (paper Sec. 3; reference <c>automon_coordinator.py</c>:
/// <c>_is_hessian_const</c>, <c>AdcdHelper</c>, <c>ExtremeEigenvalueHelper</c>). Runs at sync time: allocates freely.
/// </summary>
public static class Adcd
{
    /// <summary>
    /// The reference's constant-Hessian test: three points from <c>uniform(-10, 10, (3, d))</c> (or uniform over
    /// <paramref name="neighborhood"/> per coordinate when given), each cast to float32, Hessians compared exactly.
    /// Consumes 3*d doubles (6*d 32-bit draws) of <paramref name="random"/>.
    /// </summary>
    public static bool IsHessianConstant(DifferentiableFunction function, NumpyLegacyRandom random, BoxDomain? neighborhood) => throw new NotImplementedException();

    /// <summary>ADCD-E on the Hessian of <paramref name="function"/> at x0.</summary>
    public static AdcdEResult Exact(DifferentiableFunction function, ReadOnlySpan<double> referencePoint) => throw new NotImplementedException();

    /// <summary>ADCD-E on a given symmetric d*d row-major Hessian.</summary>
    public static AdcdEResult Exact(ReadOnlySpan<double> hessian, int dimension) => throw new NotImplementedException();

    /// <summary>
    /// ADCD-X: extreme eigenvalues over <paramref name="neighborhood"/> (null = unbounded, as scipy with bounds=None)
    /// from x0, eigenvalues at x0, and the DH heuristic choice.
    /// </summary>
    public static AdcdXResult Extreme(DifferentiableFunction function, ReadOnlySpan<double> referencePoint, BoxDomain? neighborhood, ExtremeEigenvalueOptions? options = null) => throw new NotImplementedException();

    /// <summary>
    /// Minimises lambda_min(H(x)) and maximises lambda_max(H(x)) over the box from x0 by a bounded quasi-Newton search with
    /// finite-difference gradients, at most <see cref="ExtremeEigenvalueOptions.MaxIterations"/> iterations each; NaN -&gt; -inf / +inf.
    /// </summary>
    public static ExtremeEigenvalues FindExtremeEigenvalues(DifferentiableFunction function, ReadOnlySpan<double> referencePoint, BoxDomain? neighborhood, ExtremeEigenvalueOptions? options = null) => throw new NotImplementedException();

    /// <summary>
    /// The DH heuristic: m = min(minEigenvalue, 0), M = max(maxEigenvalue, 0); Convex (lambda = m) when
    /// |(minAtX0 + |m|) + |m|| &lt;= |(-M) + (maxAtX0 - M)|, else Concave (lambda = M).
    /// </summary>
    public static DcType ChooseDcType(double minEigenvalue, double maxEigenvalue, double minAtReferencePoint, double maxAtReferencePoint, out double extremeEigenvalue) => throw new NotImplementedException();

    /// <summary>Eigenvalues (ascending) of a symmetric d*d row-major matrix.</summary>
    public static double[] SymmetricEigenvalues(ReadOnlySpan<double> matrix, int dimension) => throw new NotImplementedException();
}
