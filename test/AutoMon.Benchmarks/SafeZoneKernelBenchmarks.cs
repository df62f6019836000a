using System.Numerics.Tensors;
using AutoMon.Numerics;
using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using BenchmarkDotNet.Attributes;

namespace AutoMon.Benchmarks;

/// <summary>The pieces of one d = 40 safe-zone check, to see where its time goes.</summary>
[MemoryDiagnoser]
public class SafeZoneKernelBenchmarks
{
    private readonly double[] _a = new double[40];
    private readonly double[] _b = new double[40];
    private readonly double[] _c = new double[40];
    private readonly double[] _matrix = new double[1600];
    private FunctionEvaluator _innerProduct = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        for (var i = 0; i < 40; i++)
        {
            _a[i] = r.NextDouble();
            _b[i] = r.NextDouble();
        }

        for (var k = 0; k < _matrix.Length; k++)
        {
            _matrix[k] = r.NextDouble() - 0.5;
        }

        _innerProduct = MonitoredFunctions.InnerProduct(40).CreateEvaluator();
    }

    [Benchmark]
    public void Subtract40() => TensorPrimitives.Subtract(_a, _b, _c);

    [Benchmark]
    public double Dot40() => TensorPrimitives.Dot(_a, _b);

    [Benchmark]
    public void VectorTimesMatrix40() => QuadraticForm.VectorTimesMatrix(_a, _matrix, _c);

    [Benchmark]
    public double InnerProduct40_Value() => _innerProduct.Value(_a);
}
