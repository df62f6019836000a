using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using BenchmarkDotNet.Attributes;

namespace AutoMon.Benchmarks;

/// <summary>
/// Issue 2 targets: inner product value + gradient at d = 40 well under 1 µs; the intrusion-detection DNN Hessian in a few
/// ms. Issue 13: the DNN's eigenvalue gradient for ADCD-X.
/// </summary>
[MemoryDiagnoser]
public class AutoDiffBenchmarks
{
    private readonly double[] _x40 = new double[40];
    private readonly double[] _g40 = new double[40];
    private readonly double[] _x41 = new double[41];
    private readonly double[] _g41 = new double[41];
    private readonly double[] _h41 = new double[41 * 41];
    private readonly double[] _v41 = new double[41];
    private FunctionEvaluator _innerProduct = null!;
    private FunctionEvaluator _quadratic = null!;
    private FunctionEvaluator _dnn = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        for (var i = 0; i < 40; i++)
        {
            _x40[i] = r.NextDouble();
        }

        for (var i = 0; i < 41; i++)
        {
            _x41[i] = r.NextDouble() - 0.5;
            _v41[i] = 1 / Math.Sqrt(41);
        }

        _innerProduct = MonitoredFunctions.InnerProduct(40).CreateEvaluator();
        _quadratic = FunctionCatalog.Create("quadratic", new FunctionOptions { Dimension = 40, Seed = 1 }).Function.CreateEvaluator();
        _dnn = FunctionCatalog.Create("dnn", new FunctionOptions { Seed = 1 }).Function.CreateEvaluator();
    }

    [Benchmark]
    public double InnerProduct40_Value() => _innerProduct.Value(_x40);

    [Benchmark]
    public double InnerProduct40_ValueAndGradient() => _innerProduct.ValueAndGradient(_x40, _g40);

    [Benchmark]
    public double Quadratic40_ValueAndGradient() => _quadratic.ValueAndGradient(_x40, _g40);

    [Benchmark]
    public double Dnn41_Value() => _dnn.Value(_x41);

    [Benchmark]
    public double Dnn41_ValueAndGradient() => _dnn.ValueAndGradient(_x41, _g41);

    [Benchmark]
    public double Dnn41_Hessian() => _dnn.ValueGradientHessian(_x41, _g41, _h41);

    /// <summary>∇ₓ(vᵀH(x)v), the ADCD-X eigenvalue gradient (finite differences took 82 Hessians).</summary>
    [Benchmark]
    public double Dnn41_CurvatureGradient() => _dnn.CurvatureGradient(_x41, _v41, _g41);
}
