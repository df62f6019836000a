using System.Numerics;
using System.Runtime.Intrinsics;

namespace AutoMon.Protocol.Data;

/// <summary>
/// Local vector = average of the data vectors in the sliding window (reference <c>NodeStreamAverage</c>).
/// </summary>
/// <remarks>
/// Like the reference, the average is updated in place rather than recomputed from the window: when the window is full the
/// oldest point is removed with <c>x = (x·n − oldest)/(n − 1)</c>, then the new point is added with
/// <c>x = (x·(n − 1) + p)/n</c>. Doing the same operations in the same order keeps the local vectors equal to the
/// reference's bit for bit. The removal divides by n − 1, which the reference does with a window of 1 too (0/0: NaN); here
/// a window of one point averages to that point.
/// </remarks>
public sealed class WindowedAverageStream : ILocalVectorStream
{
    private readonly SlidingWindow _window;
    private readonly double[] _localVector;

    /// <summary>Creates an empty stream of <paramref name="dimension"/>-component vectors; the local vector starts at 0.</summary>
    public WindowedAverageStream(int dimension, int windowSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        _window = new SlidingWindow(windowSize, dimension);
        _localVector = new double[dimension];
    }

    /// <inheritdoc/>
    public int Dimension => _localVector.Length;

    /// <inheritdoc/>
    public int DataPointLength => _localVector.Length;

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
        DataPointChecks.Finite(dataPoint, _localVector.Length);
        var x = _localVector.AsSpan();
        int samples = _window.Count;
        if (_window.IsFull)
        {
            // Removal and addition fused per component; each lane does the reference's operations in its order, and
            // SIMD lanes round exactly like scalar doubles (no fused multiply-add), so the result is unchanged.
            Slide(x, _window.Oldest, dataPoint, samples);
            _window.Add(dataPoint);
            return;
        }

        _window.Add(dataPoint);
        Grow(x, dataPoint, samples + 1);
    }

    /// <summary>x = (x·(n − 1) + p)/n, component by component: a point joins a window that now holds n points.</summary>
    internal static void Grow(Span<double> x, ReadOnlySpan<double> point, int n)
    {
        double previous = n - 1, current = n;
        for (var j = 0; j < x.Length; j++)
        {
            x[j] = (x[j] * previous + point[j]) / current;
        }
    }

    /// <summary>x = ((x·n − oldest)/(n − 1)·(n − 1) + p)/n, component by component; x = p for a window of one point.</summary>
    internal static void Slide(Span<double> x, ReadOnlySpan<double> oldest, ReadOnlySpan<double> point, int n)
    {
        if (n == 1)
        {
            point.CopyTo(x);
            return;
        }

        double full = n, less = n - 1;
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Twice the lanes of Vector<double> (256 bits): half the instructions, two divisions per lane either way.
            var vFull = Vector512.Create(full);
            var vLess = Vector512.Create(less);
            for (; j <= x.Length - Vector512<double>.Count; j += Vector512<double>.Count)
            {
                var removed = ((Vector512.Create<double>(x[j..]) * vFull) - Vector512.Create<double>(oldest[j..])) / vLess;
                ((removed * vLess + Vector512.Create<double>(point[j..])) / vFull).CopyTo(x[j..]);
            }
        }

        if (Vector.IsHardwareAccelerated && x.Length - j >= Vector<double>.Count)
        {
            var vFull = new Vector<double>(full);
            var vLess = new Vector<double>(less);
            for (; j <= x.Length - Vector<double>.Count; j += Vector<double>.Count)
            {
                var removed = ((new Vector<double>(x[j..]) * vFull) - new Vector<double>(oldest[j..])) / vLess;
                ((removed * vLess + new Vector<double>(point[j..])) / vFull).CopyTo(x[j..]);
            }
        }

        for (; j < x.Length; j++)
        {
            var removed = (x[j] * full - oldest[j]) / less;
            x[j] = (removed * less + point[j]) / full;
        }
    }

    /// <inheritdoc/>
    public void CopyLocalVector(Span<double> destination) => _localVector.CopyTo(destination);

    /// <summary>The points in the window, oldest first, one after the other (<see cref="Count"/> × d values).</summary>
    public double[] CopyWindow()
    {
        var points = new double[_window.Count * _localVector.Length];
        _window.CopyTo(points);
        return points;
    }

    /// <summary>
    /// Puts the stream back in the state <see cref="CopyWindow"/> and <see cref="LocalVector"/> recorded. The local vector
    /// is restored as it was, not recomputed: the running average's rounding depends on every point it has seen.
    /// </summary>
    /// <exception cref="ArgumentException">The points do not fit the window or the vector has the wrong length.</exception>
    public void Restore(ReadOnlySpan<double> points, ReadOnlySpan<double> localVector)
    {
        var d = _localVector.Length;
        if (localVector.Length != d || points.Length % d != 0 || points.Length / d > _window.Capacity)
        {
            throw new ArgumentException($"A window of {_window.Capacity} points of dimension {d} cannot hold {points.Length} values with a local vector of {localVector.Length}.");
        }

        _window.Clear();
        for (var offset = 0; offset < points.Length; offset += d)
        {
            _window.Add(points.Slice(offset, d));
        }

        localVector.CopyTo(_localVector);
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _window.Clear();
        Array.Clear(_localVector);
    }
}
