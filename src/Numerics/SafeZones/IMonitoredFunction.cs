using System.Runtime.CompilerServices;
using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics;

/// <summary>What a safe zone needs from f: values on every check, the gradient at sync time. Lets tests use closed forms.</summary>
internal interface IMonitoredFunction
{
    int Dimension { get; }

    double Value(ReadOnlySpan<double> x);

    double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient);
}

/// <summary>Adapts the AD engine's non-thread-safe evaluator.</summary>
internal sealed class EvaluatorFunction(FunctionEvaluator evaluator) : IMonitoredFunction
{
    public int Dimension => evaluator.Dimension;

    // Once per node check; fully optimised from the first one (see SafeZone.Check).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Value(ReadOnlySpan<double> x) => evaluator.Value(x);

    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient) => evaluator.ValueAndGradient(x, gradient);
}

/// <summary>The function's own per-thread evaluators (thread-safe): many safe zones, no workspace each.</summary>
internal sealed class SharedEvaluatorFunction(DifferentiableFunction function) : IMonitoredFunction
{
    public int Dimension => function.Dimension;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Value(ReadOnlySpan<double> x) => function.Value(x);

    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient) => function.ValueAndGradient(x, gradient);
}
