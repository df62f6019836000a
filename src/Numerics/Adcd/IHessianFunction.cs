using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics;

/// <summary>What ADCD needs from f: its Hessian (d*d row-major). Lets tests use closed forms.</summary>
internal interface IHessianFunction
{
    int Dimension { get; }

    void Hessian(ReadOnlySpan<double> x, Span<double> hessian);
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
}
