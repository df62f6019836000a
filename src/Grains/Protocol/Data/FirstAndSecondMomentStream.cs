namespace AutoMon.Protocol.Data;

/// <summary>
/// Local vector = (mean of p, mean of p²) over the scalars p in the sliding window (reference
/// <c>NodeStreamFirstAndSecondMomentum</c>; the variance workload).
/// </summary>
/// <remarks>
/// Updated in place with the reference's formulas (see <see cref="WindowedAverageStream"/>). One detail of the reference is
/// kept on purpose: the evicted point's square comes from the window array (numpy squares arrays exactly, p·p) while the
/// new point's square comes from a numpy scalar (<c>p ** 2</c>, computed by the C library's <c>pow</c>, which differs from
/// p·p in the last bit for about one value in a thousand). <see cref="Math.Pow"/> calls the same <c>pow</c>.
/// </remarks>
public sealed class FirstAndSecondMomentStream : ILocalVectorStream
{
    private readonly SlidingWindow _window;
    private readonly double[] _localVector = new double[2];

    /// <summary>Creates an empty stream; the local vector starts at (0, 0).</summary>
    public FirstAndSecondMomentStream(int windowSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        _window = new SlidingWindow(windowSize, 1);
    }

    /// <inheritdoc/>
    public int Dimension => 2;

    /// <inheritdoc/>
    public int DataPointLength => 1;

    /// <inheritdoc/>
    public int WindowSize => _window.Capacity;

    /// <inheritdoc/>
    public int Count => _window.Count;

    /// <inheritdoc/>
    public bool IsWindowFull => _window.IsFull;

    /// <inheritdoc/>
    public ReadOnlySpan<double> LocalVector => _localVector;

    /// <inheritdoc/>
    public void Update(ReadOnlySpan<double> dataPoint)
    {
        DataPointChecks.Finite(dataPoint, 1);
        var x = _localVector;
        var p = dataPoint[0];
        int samples = _window.Count;
        if (_window.IsFull && samples == 1)
        {
            // A window of one point: its moments (the in-place removal would divide 0 by 0, as the reference does).
            _window.Add(dataPoint);
            x[0] = p;
            x[1] = Math.Pow(p, 2);
            return;
        }

        if (_window.IsFull)
        {
            var oldest = _window.Oldest[0];
            double before = samples, after = samples - 1;
            x[0] = (x[0] * before - oldest) / after;
            x[1] = (x[1] * before - oldest * oldest) / after;
            samples--;
        }

        _window.Add(dataPoint);
        samples++;
        double previous = samples - 1, current = samples;
        x[0] = (x[0] * previous + p) / current;
        x[1] = (x[1] * previous + Math.Pow(p, 2)) / current;
    }

    /// <inheritdoc/>
    public void CopyLocalVector(Span<double> destination) => _localVector.CopyTo(destination);

    /// <inheritdoc/>
    public void Reset()
    {
        _window.Clear();
        Array.Clear(_localVector);
    }
}
