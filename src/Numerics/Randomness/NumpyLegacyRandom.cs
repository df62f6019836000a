namespace AutoMon.Numerics.Randomness;

/// <summary>
/// numpy's legacy <c>RandomState</c> (MT19937) reproduced bit for bit: the same seeding as <c>np.random.seed(int)</c>,
/// the same 53-bit doubles, <c>uniform</c> in numpy's draw order and <c>shuffle</c> with numpy's bounded-integer routine.
/// The reference's constant-Hessian test and LazyRandom sync consume this stream, so matching it reproduces their runs.
/// Not thread-safe.
/// </summary>
public sealed class NumpyLegacyRandom
{
    private const int StateLength = 624;
    private const int Period = 397;
    private const uint MatrixA = 0x9908b0dfU;
    private const uint UpperMask = 0x80000000U;
    private const uint LowerMask = 0x7fffffffU;

    private readonly uint[] _state = new uint[StateLength];
    private int _position;

    /// <summary>A generator seeded as <c>np.random.seed(seed)</c>.</summary>
    public NumpyLegacyRandom(uint seed) => Seed(seed);

    /// <summary>Re-seeds as <c>np.random.seed(seed)</c> (MT19937 init_genrand with a 32-bit seed).</summary>
    public void Seed(uint seed)
    {
        // numpy's _legacy_seeding sends a non-negative Python int below 2^32 to mt19937_seed, i.e. Matsumoto-Nishimura init_genrand.
        var s = seed;
        for (var i = 0; i < StateLength; i++)
        {
            _state[i] = s;
            s = unchecked((1812433253U * (s ^ (s >> 30))) + (uint)i + 1U);
        }

        _position = StateLength;
    }

    /// <summary>The next raw 32-bit MT19937 output.</summary>
    public uint NextUInt32()
    {
        if (_position >= StateLength)
        {
            Regenerate();
        }

        var y = _state[_position++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        y ^= y >> 18;
        return y;
    }

    /// <summary><c>np.random.random_sample()</c>: a double in [0, 1) from two 32-bit draws (a &gt;&gt; 5, b &gt;&gt; 6).</summary>
    public double RandomSample()
    {
        var a = NextUInt32() >> 5;
        var b = NextUInt32() >> 6;
        return ((a * 67108864.0) + b) / 9007199254740992.0;
    }

    /// <summary><c>np.random.uniform(low, high)</c>: low + (high - low) * random_sample().</summary>
    public double Uniform(double low, double high)
    {
        var range = high - low;
        ThrowIfRangeNotFinite(range);
        return low + (range * RandomSample());
    }

    /// <summary><c>np.random.uniform(low, high, size)</c> with scalar bounds: fills destination in order.</summary>
    public void Uniform(double low, double high, Span<double> destination)
    {
        var range = high - low;
        ThrowIfRangeNotFinite(range);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = low + (range * RandomSample());
        }
    }

    /// <summary>
    /// <c>np.random.uniform(low, high, (rows, d))</c> with per-coordinate bounds of length d broadcast over rows:
    /// destination is rows*d, row-major, drawn in that (C) order.
    /// </summary>
    public void Uniform(ReadOnlySpan<double> low, ReadOnlySpan<double> high, Span<double> destination)
    {
        if (low.Length != high.Length)
        {
            throw new ArgumentException($"low has {low.Length} entries but high has {high.Length}.", nameof(high));
        }

        if (low.Length == 0 ? destination.Length != 0 : destination.Length % low.Length != 0)
        {
            throw new ArgumentException($"destination length {destination.Length} is not a multiple of the bound length {low.Length}.", nameof(destination));
        }

        // numpy computes high - low once, checks it is finite everywhere, then draws low + range * u in C order.
        for (var i = 0; i < low.Length; i++)
        {
            ThrowIfRangeNotFinite(high[i] - low[i]);
        }

        for (var k = 0; k < destination.Length; k++)
        {
            var i = k % low.Length;
            destination[k] = low[i] + ((high[i] - low[i]) * RandomSample());
        }
    }

    /// <summary>numpy's <c>random_interval(max)</c>: a uniform integer in [0, max] by masked rejection.</summary>
    public ulong Interval(ulong max)
    {
        if (max == 0)
        {
            return 0;
        }

        var mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        mask |= mask >> 32;

        ulong value;
        if (max <= uint.MaxValue)
        {
            while ((value = NextUInt32() & mask) > max)
            {
            }
        }
        else
        {
            // Legacy next_uint64 = (hi << 32) | lo from two 32-bit draws.
            while ((value = (((ulong)NextUInt32() << 32) | NextUInt32()) & mask) > max)
            {
            }
        }

        return value;
    }

    /// <summary><c>np.random.shuffle</c> of a 1-d sequence: for i = n-1 down to 1 swap i with Interval(i).</summary>
    public void Shuffle<T>(Span<T> values)
    {
        for (var i = values.Length - 1; i >= 1; i--)
        {
            var j = (int)Interval((ulong)i);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private void Regenerate()
    {
        var mt = _state;
        int k;
        for (k = 0; k < StateLength - Period; k++)
        {
            var y = (mt[k] & UpperMask) | (mt[k + 1] & LowerMask);
            mt[k] = mt[k + Period] ^ (y >> 1) ^ ((y & 1U) == 0 ? 0U : MatrixA);
        }

        for (; k < StateLength - 1; k++)
        {
            var y = (mt[k] & UpperMask) | (mt[k + 1] & LowerMask);
            mt[k] = mt[k + Period - StateLength] ^ (y >> 1) ^ ((y & 1U) == 0 ? 0U : MatrixA);
        }

        var last = (mt[StateLength - 1] & UpperMask) | (mt[0] & LowerMask);
        mt[StateLength - 1] = mt[Period - 1] ^ (last >> 1) ^ ((last & 1U) == 0 ? 0U : MatrixA);
        _position = 0;
    }

    private static void ThrowIfRangeNotFinite(double range)
    {
        if (!double.IsFinite(range))
        {
            throw new ArgumentOutOfRangeException(nameof(range), range, "uniform: high - low must be finite (numpy raises OverflowError).");
        }
    }
}
