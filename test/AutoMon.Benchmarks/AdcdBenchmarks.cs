using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using BenchmarkDotNet.Attributes;

namespace AutoMon.Benchmarks;

/// <summary>
/// Sync-time cost of ADCD: ADCD-E (eigendecomposition) and ADCD-X (two bounded searches of 5 iterations, each evaluation a
/// Hessian, an eigendecomposition and the analytic eigenvalue gradient).
/// </summary>
[MemoryDiagnoser]
public class AdcdBenchmarks
{
    private MonitoredFunction _innerProduct = null!;
    private MonitoredFunction _quadratic = null!;
    private MonitoredFunction _rosenbrock = null!;
    private MonitoredFunction _entropy = null!;
    private MonitoredFunction _kld = null!;
    private MonitoredFunction _dnn = null!;
    private double[] _x40 = null!;
    private double[] _rosenbrockX0 = null!;
    private double[] _entropyX0 = null!;
    private double[] _kldX0 = null!;
    private double[] _dnnX0 = null!;
    private BoxDomain _rosenbrockBox = null!;
    private BoxDomain _entropyBox = null!;
    private BoxDomain _kldBox = null!;
    private BoxDomain _dnnBox = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        _x40 = Enumerable.Range(0, 40).Select(_ => r.NextDouble()).ToArray();
        _innerProduct = FunctionCatalog.Create("inner_product", new FunctionOptions { Dimension = 40 });
        _quadratic = FunctionCatalog.Create("quadratic", new FunctionOptions { Dimension = 40, Seed = 1 });
        _rosenbrock = FunctionCatalog.Create("rozenbrock", new FunctionOptions { Dimension = 2 });
        _rosenbrockX0 = [0.5, 0.5];
        _rosenbrockBox = BoxDomain.Neighborhood(_rosenbrockX0, 0.5, null);
        _entropy = FunctionCatalog.Create("entropy", new FunctionOptions { Dimension = 10 });
        _entropyX0 = Enumerable.Repeat(0.1, 10).ToArray();
        _entropyBox = BoxDomain.Uniform(10, 0, 1);
        _kld = FunctionCatalog.Create("kld", new FunctionOptions { Dimension = 20 });
        _kldX0 = Enumerable.Range(0, 20).Select(i => 0.05 + (0.01 * (i % 3))).ToArray();
        _kldBox = BoxDomain.Neighborhood(_kldX0, 0.05, BoxDomain.Uniform(20, 0, 1));
        _dnn = FunctionCatalog.Create("dnn", new FunctionOptions { Seed = 1 });
        _dnnX0 = Enumerable.Range(0, 41).Select(_ => r.NextDouble()).ToArray();
        _dnnBox = BoxDomain.Neighborhood(_dnnX0, 0.5, null);
    }

    [Benchmark]
    public AdcdEResult AdcdE_InnerProduct40() => Adcd.Exact(_innerProduct.Function, _x40);

    [Benchmark]
    public AdcdEResult AdcdE_Quadratic40() => Adcd.Exact(_quadratic.Function, _x40);

    [Benchmark]
    public AdcdXResult AdcdX_Rosenbrock2() => Adcd.Extreme(_rosenbrock.Function, _rosenbrockX0, _rosenbrockBox);

    [Benchmark]
    public AdcdXResult AdcdX_Entropy10() => Adcd.Extreme(_entropy.Function, _entropyX0, _entropyBox);

    [Benchmark]
    public AdcdXResult AdcdX_Kld20() => Adcd.Extreme(_kld.Function, _kldX0, _kldBox);

    [Benchmark]
    public AdcdXResult AdcdX_Dnn41() => Adcd.Extreme(_dnn.Function, _dnnX0, _dnnBox);
}
