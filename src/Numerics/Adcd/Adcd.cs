using System.Diagnostics;
using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Randomness;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

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
    public static bool IsHessianConstant(DifferentiableFunction function, NumpyLegacyRandom random, BoxDomain? neighborhood)
    {
        ArgumentNullException.ThrowIfNull(function);
        return IsHessianConstant(new EvaluatorHessian(function), random, neighborhood);
    }

    /// <summary>ADCD-E on the Hessian of <paramref name="function"/> at x0.</summary>
    public static AdcdEResult Exact(DifferentiableFunction function, ReadOnlySpan<double> referencePoint)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Exact(new EvaluatorHessian(function), referencePoint);
    }

    /// <summary>ADCD-E on a given symmetric d*d row-major Hessian.</summary>
    public static AdcdEResult Exact(ReadOnlySpan<double> hessian, int dimension)
    {
        var (eigenvalues, eigenvectors) = SymmetricEigen(hessian, dimension, nameof(hessian));
        var lambdaMin = eigenvalues[0];
        var lambdaMax = eigenvalues[^1];

        // Convex form with H_minus when the negative curvature is the smaller one, else concave with H_plus.
        var dcType = Math.Abs(lambdaMin) <= lambdaMax ? DcType.Convex : DcType.Concave;
        var signed = new double[dimension];
        for (var k = 0; k < dimension; k++)
        {
            var lambda = eigenvalues[k];
            signed[k] = dcType == DcType.Convex ? (lambda > 0 ? 0 : lambda) : (lambda < 0 ? 0 : lambda);
        }

        // V diag(signed) V^T, as (V diag) V^T.
        var matrix = new double[dimension * dimension];
        for (var i = 0; i < dimension; i++)
        {
            for (var j = 0; j < dimension; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < dimension; k++)
                {
                    sum += eigenvectors[(i * dimension) + k] * signed[k] * eigenvectors[(j * dimension) + k];
                }

                matrix[(i * dimension) + j] = sum;
            }
        }

        return new AdcdEResult(dcType, matrix, eigenvalues);
    }

    /// <summary>
    /// ADCD-X: extreme eigenvalues over <paramref name="neighborhood"/> (null = unbounded, as scipy with bounds=None)
    /// from x0, eigenvalues at x0, and the DH heuristic choice.
    /// </summary>
    public static AdcdXResult Extreme(DifferentiableFunction function, ReadOnlySpan<double> referencePoint, BoxDomain? neighborhood, ExtremeEigenvalueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Extreme(new EvaluatorHessian(function), referencePoint, neighborhood, options ?? ExtremeEigenvalueOptions.Default);
    }

    /// <summary>
    /// Minimises lambda_min(H(x)) and maximises lambda_max(H(x)) over the box from x0 by a bounded quasi-Newton search with
    /// analytic eigenvalue gradients (<see cref="EigenvalueSearch"/>), at most <see cref="ExtremeEigenvalueOptions.MaxIterations"/> iterations each; NaN -&gt; -inf / +inf.
    /// </summary>
    public static ExtremeEigenvalues FindExtremeEigenvalues(DifferentiableFunction function, ReadOnlySpan<double> referencePoint, BoxDomain? neighborhood, ExtremeEigenvalueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return FindExtremeEigenvalues(new EvaluatorHessian(function), referencePoint, neighborhood, options ?? ExtremeEigenvalueOptions.Default);
    }

    /// <summary>
    /// The DH heuristic: m = min(minEigenvalue, 0), M = max(maxEigenvalue, 0); Convex (lambda = m) when
    /// |(minAtX0 + |m|) + |m|| &lt;= |(-M) + (maxAtX0 - M)|, else Concave (lambda = M).
    /// </summary>
    public static DcType ChooseDcType(double minEigenvalue, double maxEigenvalue, double minAtReferencePoint, double maxAtReferencePoint, out double extremeEigenvalue)
    {
        // numpy.minimum / maximum propagate NaN; callers already mapped NaN to -inf / +inf.
        var lambdaMinMinus = double.IsNaN(minEigenvalue) ? double.NaN : Math.Min(minEigenvalue, 0);
        var lambdaMaxPlus = double.IsNaN(maxEigenvalue) ? double.NaN : Math.Max(maxEigenvalue, 0);

        // lambda_min(H_g(x0)) + lambda_min(H_h) vs |lambda_max(H_h_hat) + lambda_max(H_g_hat(x0))| (reference adcd_x).
        var lambdaMinG = minAtReferencePoint + Math.Abs(lambdaMinMinus);
        var lambdaMinH = Math.Abs(lambdaMinMinus);
        var lambdaMaxHHat = -1.0 * lambdaMaxPlus;
        var lambdaMaxGHat = maxAtReferencePoint - (1.0 * lambdaMaxPlus);
        if (Math.Abs(lambdaMinG + lambdaMinH) <= Math.Abs(lambdaMaxHHat + lambdaMaxGHat))
        {
            extremeEigenvalue = lambdaMinMinus;
            return DcType.Convex;
        }

        extremeEigenvalue = lambdaMaxPlus;
        return DcType.Concave;
    }

    /// <summary>Eigenvalues (ascending) of a symmetric d*d row-major matrix.</summary>
    public static double[] SymmetricEigenvalues(ReadOnlySpan<double> matrix, int dimension) => SymmetricEigen(matrix, dimension, nameof(matrix)).Eigenvalues;

    internal static bool IsHessianConstant(IHessianFunction function, NumpyLegacyRandom random, BoxDomain? neighborhood)
    {
        ArgumentNullException.ThrowIfNull(random);
        var d = function.Dimension;
        if (neighborhood is not null && neighborhood.Dimension != d)
        {
            throw new ArgumentException($"Neighbourhood has {neighborhood.Dimension} coordinates; the function has dimension {d}.", nameof(neighborhood));
        }

        var points = new double[3 * d];
        if (neighborhood is null)
        {
            random.Uniform(-10, 10, points);
        }
        else
        {
            random.Uniform(neighborhood.Lower, neighborhood.Upper, points);
        }

        // The reference evaluates the Hessian at float32 copies of the points.
        for (var k = 0; k < points.Length; k++)
        {
            points[k] = (float)points[k];
        }

        var first = new double[d * d];
        var other = new double[d * d];
        function.Hessian(points.AsSpan(0, d), first);
        var constant = true;
        for (var p = 1; p < 3; p++)
        {
            function.Hessian(points.AsSpan(p * d, d), other);
            for (var k = 0; k < other.Length; k++)
            {
                // Exact comparison, NaN never equal (np.array_equal).
                if (!(first[k] == other[k]))
                {
                    constant = false;
                }
            }
        }

        return constant;
    }

    internal static AdcdEResult Exact(IHessianFunction function, ReadOnlySpan<double> referencePoint)
    {
        var d = function.Dimension;
        ValidatePoint(referencePoint, d);
        var hessian = new double[d * d];
        function.Hessian(referencePoint, hessian);
        return Exact(hessian, d);
    }

    internal static AdcdXResult Extreme(IHessianFunction function, ReadOnlySpan<double> referencePoint, BoxDomain? neighborhood, ExtremeEigenvalueOptions options)
    {
        var extremes = FindExtremeEigenvalues(function, referencePoint, neighborhood, options);
        var d = function.Dimension;
        var hessian = new double[d * d];
        function.Hessian(referencePoint, hessian);

        // numpy's eigh returns NaN for a non-finite Hessian instead of failing; the heuristic then compares NaN (false: concave).
        double minAtX0 = double.NaN, maxAtX0 = double.NaN;
        if (Array.TrueForAll(hessian, double.IsFinite))
        {
            var atReferencePoint = SymmetricEigen(hessian, d, "hessian").Eigenvalues;
            (minAtX0, maxAtX0) = (atReferencePoint[0], atReferencePoint[^1]);
        }

        var dcType = ChooseDcType(extremes.Min, extremes.Max, minAtX0, maxAtX0, out var lambda);
        return new AdcdXResult(dcType, lambda, extremes, minAtX0, maxAtX0);
    }

    internal static ExtremeEigenvalues FindExtremeEigenvalues(IHessianFunction function, ReadOnlySpan<double> referencePoint, BoxDomain? neighborhood, ExtremeEigenvalueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxIterations);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxEvaluationsPerIteration);

        var d = function.Dimension;
        ValidatePoint(referencePoint, d);
        if (neighborhood is not null && neighborhood.Dimension != d)
        {
            throw new ArgumentException($"Neighbourhood has {neighborhood.Dimension} coordinates; the function has dimension {d}.", nameof(neighborhood));
        }

        var stopwatch = Stopwatch.StartNew();
        var search = new EigenvalueSearch(function, neighborhood, options);
        var min = search.Minimize(referencePoint, maximize: false);
        var max = -search.Minimize(referencePoint, maximize: true);
        if (double.IsNaN(min))
        {
            min = double.NegativeInfinity;
        }

        if (double.IsNaN(max))
        {
            max = double.PositiveInfinity;
        }

        stopwatch.Stop();
        return new ExtremeEigenvalues(min, max, stopwatch.Elapsed);
    }

    internal static (double[] Eigenvalues, double[] Eigenvectors) SymmetricEigen(ReadOnlySpan<double> matrix, int dimension, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (matrix.Length != dimension * dimension)
        {
            throw new ArgumentException($"Matrix has {matrix.Length} entries; a {dimension}x{dimension} matrix needs {dimension * dimension}.", parameterName);
        }

        for (var k = 0; k < matrix.Length; k++)
        {
            if (!double.IsFinite(matrix[k]))
            {
                throw new ArgumentException($"Matrix entry ({k / dimension}, {k % dimension}) is {matrix[k]}; the eigen-decomposition needs finite entries.", parameterName);
            }
        }

        var m = Matrix<double>.Build.DenseOfRowMajor(dimension, dimension, matrix.ToArray());
        var evd = m.Evd(Symmetricity.Symmetric);
        var values = new double[dimension];
        for (var k = 0; k < dimension; k++)
        {
            values[k] = evd.EigenValues[k].Real;
        }

        var order = Enumerable.Range(0, dimension).OrderBy(k => values[k]).ToArray();
        var sortedValues = new double[dimension];
        var vectors = new double[dimension * dimension];
        var v = evd.EigenVectors;
        for (var c = 0; c < dimension; c++)
        {
            sortedValues[c] = values[order[c]];
            for (var r = 0; r < dimension; r++)
            {
                vectors[(r * dimension) + c] = v[r, order[c]];
            }
        }

        return (sortedValues, vectors);
    }

    private static void ValidatePoint(ReadOnlySpan<double> point, int dimension)
    {
        if (point.Length != dimension)
        {
            throw new ArgumentException($"Reference point has {point.Length} coordinates; the function has dimension {dimension}.", nameof(point));
        }

        for (var i = 0; i < point.Length; i++)
        {
            if (!double.IsFinite(point[i]))
            {
                throw new ArgumentException($"Reference point coordinate {i} is {point[i]}.", nameof(point));
            }
        }
    }
}
