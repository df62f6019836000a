using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using BenchmarkDotNet.Attributes;

namespace AutoMon.Benchmarks;

/// <summary>Issue 2 target: one safe-zone check at d = 40 for the inner product under 150 ns, allocating nothing.</summary>
// Min: on a shared machine the fastest iteration is the uncontended cost (run with short iterations, see README).
[MemoryDiagnoser]
[MinColumn]
public class SafeZoneBenchmarks
{
    private readonly double[] _x0 = new double[40];
    private readonly double[] _point = new double[40];
    private SafeZone _innerProductE = null!;
    private SafeZone _innerProductX = null!;
    private SafeZone _innerProductEWithDomain = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        for (var i = 0; i < 40; i++)
        {
            _x0[i] = r.NextDouble();
            _point[i] = _x0[i] + ((r.NextDouble() - 0.5) * 0.01);
        }

        var f = MonitoredFunctions.InnerProduct(40);
        var fx0 = f.Value(_x0);
        var adcd = Adcd.Exact(f, _x0);
        _innerProductE = new SafeZone(f);
        _innerProductE.Sync(_x0, fx0 - 1, fx0 + 1, adcd.DcType, adcd.SignedHessian.Span, null);
        _innerProductEWithDomain = new SafeZone(f);
        _innerProductEWithDomain.Sync(_x0, fx0 - 1, fx0 + 1, adcd.DcType, adcd.SignedHessian.Span, BoxDomain.Uniform(40, -10, 10));
        _innerProductX = new SafeZone(f);
        _innerProductX.Sync(_x0, fx0 - 1, fx0 + 1, DcType.Convex, -1.0, null);
        if (_innerProductE.Check(_point) != SafeZoneResult.Inside)
        {
            throw new InvalidOperationException("Benchmark point should be inside the safe zone (full path: both constraints and the bounds).");
        }
    }

    /// <summary>ADCD-E (40x40 signed Hessian), no domain: the reference's inner-product experiment.</summary>
    [Benchmark(Baseline = true)]
    public SafeZoneResult InnerProduct40_Check() => _innerProductE.Check(_point);

    [Benchmark]
    public SafeZoneResult InnerProduct40_CheckWithDomain() => _innerProductEWithDomain.Check(_point);

    /// <summary>ADCD-X form (lambda * I) on the same function.</summary>
    [Benchmark]
    public SafeZoneResult InnerProduct40_CheckScaledIdentity() => _innerProductX.Check(_point);
}
