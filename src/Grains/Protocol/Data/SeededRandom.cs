namespace AutoMon.Protocol.Data;

/// <summary>
/// Small, fully specified PRNG (xoshiro256** seeded through SplitMix64) so a seed gives the same data on every platform and
/// .NET version. Not numpy's stream: generated data is "the same kind" as the reference's, not the same numbers.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    public SeededRandom(long seed)
    {
        var x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, exclusiveMax), without modulo bias.</summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exclusiveMax, 1);
        var bound = (ulong)exclusiveMax;
        var threshold = (0 - bound) % bound;
        while (true)
        {
            var r = NextUInt64();
            var product = Math.BigMul(r, bound, out var low);
            if (low >= threshold)
            {
                return (int)product;
            }
        }
    }

    /// <summary>Standard normal sample (Marsaglia polar method).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }

        double u, v, s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);

        var factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * factor;
        _hasSpare = true;
        return u * factor;
    }

    /// <summary>Normal sample with the given mean and standard deviation (numpy <c>normal(loc, scale)</c>).</summary>
    public double Normal(double mean, double standardDeviation) => mean + (standardDeviation * NextGaussian());

    /// <summary>Index drawn with the given probabilities (numpy <c>choice(a, p=p)</c>); they should sum to 1.</summary>
    public int Choice(ReadOnlySpan<double> probabilities)
    {
        var u = NextDouble();
        var cumulative = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            cumulative += probabilities[i];
            if (u < cumulative)
            {
                return i;
            }
        }

        return probabilities.Length - 1;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
