namespace AutoMon.Numerics;

/// <summary>ADCD-E result for a constant Hessian (reference <c>AdcdHelper.adcd_e</c>).</summary>
public sealed class AdcdEResult
{
    private readonly double[] _signedHessian;
    private readonly double[] _eigenvalues;

    internal AdcdEResult(DcType dcType, double[] signedHessian, double[] eigenvalues)
    {
        DcType = dcType;
        _signedHessian = signedHessian;
        _eigenvalues = eigenvalues;
    }

    /// <summary>Convex when |lambda_min| &lt;= lambda_max, else Concave.</summary>
    public DcType DcType { get; }

    /// <summary>H_minus (positive eigenvalues zeroed; Convex) or H_plus (negative eigenvalues zeroed; Concave) = V diag V^T, d*d row-major.</summary>
    public ReadOnlyMemory<double> SignedHessian => _signedHessian;

    /// <summary>Eigenvalues of the Hessian, ascending.</summary>
    public ReadOnlyMemory<double> Eigenvalues => _eigenvalues;

    public double MinEigenvalue => _eigenvalues[0];

    public double MaxEigenvalue => _eigenvalues[^1];

    public int Dimension => _eigenvalues.Length;
}

/// <summary>ADCD-X result (reference <c>AdcdHelper.adcd_x</c>).</summary>
public sealed class AdcdXResult
{
    internal AdcdXResult(DcType dcType, double extremeEigenvalue, ExtremeEigenvalues neighborhood, double minAtReferencePoint, double maxAtReferencePoint)
    {
        DcType = dcType;
        ExtremeEigenvalue = extremeEigenvalue;
        Neighborhood = neighborhood;
        MinEigenvalueAtReferencePoint = minAtReferencePoint;
        MaxEigenvalueAtReferencePoint = maxAtReferencePoint;
    }

    public DcType DcType { get; }

    /// <summary>The DC argument lambda: min(lambda_min, 0) for Convex, max(lambda_max, 0) for Concave (A = lambda * I).</summary>
    public double ExtremeEigenvalue { get; }

    /// <summary>Extreme Hessian eigenvalues found over the neighbourhood (NaN mapped to -inf / +inf), with the search time.</summary>
    public ExtremeEigenvalues Neighborhood { get; }

    /// <summary>Smallest eigenvalue of the Hessian at x0.</summary>
    public double MinEigenvalueAtReferencePoint { get; }

    /// <summary>Largest eigenvalue of the Hessian at x0.</summary>
    public double MaxEigenvalueAtReferencePoint { get; }
}

/// <summary>Extreme eigenvalues of the Hessian over a box found by the bounded quasi-Newton search, and how long it took.</summary>
public readonly record struct ExtremeEigenvalues(double Min, double Max, TimeSpan OptimizationTime);

/// <summary>Options of the ADCD-X extreme-eigenvalue search.</summary>
public sealed class ExtremeEigenvalueOptions
{
    /// <summary>Iteration cap of each bounded quasi-Newton search (the reference's L-BFGS-B maxiter = 5).</summary>
    public int MaxIterations { get; init; } = 5;

    /// <summary>
    /// Cap on eigenvalue evaluations (each one Hessian + eigen-decomposition + eigenvalue gradient) per
    /// search, per iteration; bounds the time spent in a line search on a non-smooth eigenvalue surface (scipy's maxls = 20).
    /// </summary>
    public int MaxEvaluationsPerIteration { get; init; } = 20;

    public static ExtremeEigenvalueOptions Default { get; } = new();
}
