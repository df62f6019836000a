using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace AutoMon.Numerics;

/// <summary>
/// One extreme-eigenvalue search of ADCD-X: minimise lambda_min(H(x)) (or -lambda_max(H(x))) over a box from x0 with MathNet's
/// bounded BFGS (the reference uses scipy's L-BFGS-B with maxiter 5). The gradient is analytic: for a simple eigenvalue with
/// unit eigenvector v, ∇λ = ∇ₓ(vᵀH(x)v) at fixed v, one Taylor pass of the AD engine instead of the 2d Hessians of forward
/// differences (which the reference's scipy call uses). Returns the most extreme finite value it evaluated: MathNet throws
/// when it hits the iteration cap or a line search fails, and the best point seen is a valid (conservative) answer either way.
/// </summary>
/// <remarks>
/// At a repeated eigenvalue λ is not differentiable; vᵀ(∂H)v with the eigenvector the decomposition returns is then the
/// derivative of one branch through the crossing, an element of λ's generalised gradient, as good a descent direction as
/// the one-sided differences were. So there is no finite-difference fallback. The DNN needs this: its Hessian
/// σ''(z)∇z∇zᵀ (ReLU layers, sigmoid output) has rank one, so one of its two searches always sits on a (d-1)-fold zero
/// eigenvalue, where both gradients are ≈ 0.
/// </remarks>
internal sealed class EigenvalueSearch
{
    private readonly IHessianFunction _function;
    private readonly BoxDomain? _box;
    private readonly ExtremeEigenvalueOptions _options;
    private readonly int _d;
    private readonly double[] _hessian;
    private readonly double[] _point;

    /// <summary>The unit eigenvector of the extreme eigenvalue at the last point <see cref="Objective"/> evaluated.</summary>
    private readonly double[] _eigenvector;

    private bool _maximize;
    private double _best;
    private int _evaluations;
    private int _budget;

    public EigenvalueSearch(IHessianFunction function, BoxDomain? box, ExtremeEigenvalueOptions options)
    {
        _function = function;
        _box = box;
        _options = options;
        _d = function.Dimension;
        _hessian = new double[_d * _d];
        _point = new double[_d];
        _eigenvector = new double[_d];
    }

    /// <summary>The smallest objective value found: lambda_min, or -lambda_max when <paramref name="maximize"/>. NaN if f's Hessian is not finite at x0.</summary>
    public double Minimize(ReadOnlySpan<double> referencePoint, bool maximize)
    {
        _maximize = maximize;

        // scipy clips x0 into the bounds before L-BFGS-B starts.
        var start = new double[_d];
        for (var i = 0; i < _d; i++)
        {
            start[i] = _box is null ? referencePoint[i] : Math.Clamp(referencePoint[i], _box.Lower[i], _box.Upper[i]);
        }

        var atStart = Objective(start);
        if (double.IsNaN(atStart))
        {
            return double.NaN;
        }

        _best = atStart;
        _evaluations = 0;
        _budget = (_options.MaxIterations * _options.MaxEvaluationsPerIteration) + 1;

        var objective = ObjectiveFunction.Gradient(ValueAndGradient);
        var initial = Vector<double>.Build.DenseOfArray(start);

        // Tolerances follow scipy's L-BFGS-B defaults in spirit: projected gradient 1e-5; the iteration cap does the rest.
        try
        {
            if (_box is null)
            {
                new BfgsMinimizer(1e-5, 1e-12, 1e-12, _options.MaxIterations).FindMinimum(objective, initial);
            }
            else
            {
                var lower = Vector<double>.Build.DenseOfArray(_box.Lower.ToArray());
                var upper = Vector<double>.Build.DenseOfArray(_box.Upper.ToArray());
                new BfgsBMinimizer(1e-5, 1e-12, 1e-12, _options.MaxIterations).FindMinimum(objective, lower, upper, initial);
            }
        }
        catch (OptimizationException)
        {
            // Iteration cap, failed line search or a non-finite value: keep the best point seen.
        }
        catch (BudgetExhaustedException)
        {
        }

        return _best;
    }

    private (double, Vector<double>) ValueAndGradient(Vector<double> x)
    {
        if (++_evaluations > _budget)
        {
            throw new BudgetExhaustedException();
        }

        for (var i = 0; i < _d; i++)
        {
            _point[i] = _box is null ? x[i] : Math.Clamp(x[i], _box.Lower[i], _box.Upper[i]);
        }

        var value = Objective(_point);
        if (value < _best)
        {
            _best = value;
        }

        var gradient = Vector<double>.Build.Dense(_d);
        if (double.IsNaN(value))
        {
            // A non-finite Hessian has no eigenvector; a NaN gradient makes MathNet stop, as the differences' NaN did.
            gradient.Clear();
            gradient[0] = double.NaN;
            return (value, gradient);
        }

        // ∇λ = ∇ₓ(vᵀH(x)v) at fixed v; the objective is -λ_max when maximising.
        _function.CurvatureGradient(_point, _eigenvector, gradient.AsArray());
        if (_maximize)
        {
            gradient.MapInplace(g => -g);
        }

        return (value, gradient);
    }

    private double Objective(ReadOnlySpan<double> x)
    {
        _function.Hessian(x, _hessian);
        foreach (var entry in _hessian)
        {
            if (!double.IsFinite(entry))
            {
                return double.NaN;
            }
        }

        var (eigenvalues, eigenvectors) = Adcd.SymmetricEigen(_hessian, _d, "hessian");
        var column = _maximize ? _d - 1 : 0;
        for (var r = 0; r < _d; r++)
        {
            _eigenvector[r] = eigenvectors[(r * _d) + column];
        }

        return _maximize ? -eigenvalues[^1] : eigenvalues[0];
    }

    private sealed class BudgetExhaustedException : Exception
    {
        public BudgetExhaustedException()
            : base("Eigenvalue search evaluation budget exhausted.")
        {
        }
    }
}
