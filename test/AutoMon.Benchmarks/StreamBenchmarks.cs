using AutoMon.Protocol.Data;
using BenchmarkDotNet.Attributes;

namespace AutoMon.Benchmarks;

/// <summary>One data update of a node's stream (the step before every safe-zone check).</summary>
[MemoryDiagnoser]
public class StreamBenchmarks
{
    private readonly double[][] _vectors = new double[64][];
    private readonly double[][] _pairs = new double[64][];
    private WindowedAverageStream _average = null!;
    private ConcatenatedFrequencyStream _kld = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var data = DataGenerators.InnerProduct(new GeneratorOptions(1, 64, 40, 1));
        var kld = DataGenerators.AirQualityKld(new GeneratorOptions(1, 64, 20, 1));
        for (var i = 0; i < 64; i++)
        {
            _vectors[i] = data.Row(i).ToArray();
            _pairs[i] = kld.Row(i).ToArray();
        }

        _average = new WindowedAverageStream(40, 20);
        _kld = new ConcatenatedFrequencyStream(10, 200);
        for (var i = 0; i < 200; i++)
        {
            _average.Update(_vectors[i % 64]);
            _kld.Update(_pairs[i % 64]);
        }
    }

    /// <summary>Inner-product workload: d = 40, window 20 (the end-to-end configuration).</summary>
    [Benchmark]
    public double WindowedAverage_d40_window20()
    {
        _average.Update(_vectors[_next++ & 63]);
        return _average.LocalVector[0];
    }

    /// <summary>KLD workload: d = 20 (k = 10), window 200 (the paper's air-quality configuration).</summary>
    [Benchmark]
    public double ConcatenatedFrequency_d20_window200()
    {
        _kld.Update(_pairs[_next++ & 63]);
        return _kld.LocalVector[0];
    }
}
