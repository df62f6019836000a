namespace AutoMon.Numerics.Randomness;

/// <summary>
/// numpy's legacy <c>RandomState</c> (MT19937) reproduced bit for bit: the same seeding as <c>np.random.seed(int)</c>,
/// the same 53-bit doubles, <c>uniform</c> in numpy's draw order and <c>shuffle</c> with numpy's bounded-integer routine.
/// The reference's constant-Hessian test and LazyRandom sync consume this stream, so matching it reproduces their runs.
/// Not thread-safe.
/// </summary>
public sealed class NumpyLegacyRandom
{
    /// <summary>A generator seeded as <c>np.random.seed(seed)</c>.</summary>
    public NumpyLegacyRandom(uint seed) => throw new NotImplementedException();

    /// <summary>Re-seeds as <c>np.random.seed(seed)</c> (MT19937 init_genrand with a 32-bit seed).</summary>
    public void Seed(uint seed) => throw new NotImplementedException();

    /// <summary>The next raw 32-bit MT19937 output.</summary>
    public uint NextUInt32() => throw new NotImplementedException();

    /// <summary><c>np.random.random_sample()</c>: a double in [0, 1) from two 32-bit draws (a &gt;&gt; 5, b &gt;&gt; 6).</summary>
    public double RandomSample() => throw new NotImplementedException();

    /// <summary><c>np.random.uniform(low, high)</c>: low + (high - low) * random_sample().</summary>
    public double Uniform(double low, double high) => throw new NotImplementedException();

    /// <summary><c>np.random.uniform(low, high, size)</c> with scalar bounds: fills destination in order.</summary>
    public void Uniform(double low, double high, Span<double> destination) => throw new NotImplementedException();

    /// <summary>
    /// <c>np.random.uniform(low, high, (rows, d))</c> with per-coordinate bounds of length d broadcast over rows:
    /// destination is rows*d, row-major, drawn in that (C) order.
    /// </summary>
    public void Uniform(ReadOnlySpan<double> low, ReadOnlySpan<double> high, Span<double> destination) => throw new NotImplementedException();

    /// <summary>numpy's <c>random_interval(max)</c>: a uniform integer in [0, max] by masked rejection.</summary>
    public ulong Interval(ulong max) => throw new NotImplementedException();

    /// <summary><c>np.random.shuffle</c> of a 1-d sequence: for i = n-1 down to 1 swap i with Interval(i).</summary>
    public void Shuffle<T>(Span<T> values) => throw new NotImplementedException();
}
