using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics;

/// <summary>What ADCD needs from f: its Hessian (d*d row-major) and one third-order derivative. Lets tests use closed forms.</summary>
internal interface IHessianFunction
{
    int Dimension { get; }

    void Hessian(ReadOnlySpan<double> x, Span<double> hessian);

    /// <summary>
    /// Writes ∇ₓ(vᵀH(x)v) at fixed v, i.e. D³f(x)[v, v, ·], into <paramref name="gradient"/>: the gradient of a simple
    /// eigenvalue of H whose unit eigenvector is v.
    /// </summary>
    void CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient);
}

/// <summary>Adapts the AD engine's evaluator; owns the gradient scratch the engine needs alongside the Hessian.</summary>
internal sealed class EvaluatorHessian : IHessianFunction
{
    private readonly FunctionEvaluator _evaluator;
    private readonly double[] _gradient;

    public EvaluatorHessian(DifferentiableFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        _evaluator = function.CreateEvaluator();
        _gradient = new double[function.Dimension];
    }

    public int Dimension => _gradient.Length;

    public void Hessian(ReadOnlySpan<double> x, Span<double> hessian) => _evaluator.ValueGradientHessian(x, _gradient, hessian);

    public void CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient) =>
        _evaluator.CurvatureGradient(x, direction, gradient);
}
