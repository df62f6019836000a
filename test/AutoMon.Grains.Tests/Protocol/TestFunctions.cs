using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;

namespace AutoMon.Grains.Tests.Protocol;

/// <summary>Small functions whose safe zones can be worked out by hand.</summary>
internal static class TestFunctions
{
    /// <summary>f(x) = x0 + x1: zero Hessian, so the safe zone is exactly L ≤ f ≤ U.</summary>
    public static MonitoredFunction Sum(int dimension = 2) =>
        new(DifferentiableFunction.Create("sum", dimension, Ad.Sum), null, double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>f(x) = x0²: convex, constant Hessian 2.</summary>
    public static MonitoredFunction Square() =>
        new(DifferentiableFunction.Create("square", 1, x => x[0] * x[0]), null, double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>f(x) = sin(x0): a non-constant Hessian (ADCD-X).</summary>
    public static MonitoredFunction Sine() =>
        new(MonitoredFunctions.Sine(), null, -1, 1);
}
