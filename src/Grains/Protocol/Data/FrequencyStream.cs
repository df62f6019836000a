namespace AutoMon.Protocol.Data;

/// <summary>
/// Local vector = relative frequency of each class 0..k−1 among the class indices in the sliding window (reference
/// <c>NodeStreamFrequency</c>; the entropy workload). Before the first point every class has frequency 1/k.
/// </summary>
/// <remarks>
/// The reference recovers the counts with <c>np.around(x · n)</c> before each update and divides by the new count after.
/// Rounding makes that exact, so keeping integer counts and dividing count/n gives the same doubles bit for bit.
/// </remarks>
public sealed class FrequencyStream : ILocalVectorStream
{
    private readonly FrequencyCounts _counts;

    /// <summary>Creates an empty stream over <paramref name="classes"/> classes (the local vector's dimension).</summary>
    public FrequencyStream(int classes, int windowSize)
    {
        _counts = new FrequencyCounts(classes, 1, windowSize);
    }

    /// <inheritdoc/>
    public int Dimension => _counts.Dimension;

    /// <inheritdoc/>
    public int DataPointLength => 1;

    /// <inheritdoc/>
    public int WindowSize => _counts.WindowSize;

    /// <inheritdoc/>
    public int Count => _counts.Count;

    /// <inheritdoc/>
    public bool IsWindowFull => _counts.IsWindowFull;

    /// <inheritdoc/>
    public ReadOnlySpan<double> LocalVector => _counts.LocalVector;

    /// <inheritdoc/>
    public void Update(ReadOnlySpan<double> dataPoint) => _counts.Update(dataPoint);

    /// <inheritdoc/>
    public void CopyLocalVector(Span<double> destination) => _counts.LocalVector.CopyTo(destination);

    /// <inheritdoc/>
    public void Reset() => _counts.Reset();
}

/// <summary>
/// Local vector = two frequency vectors of k classes each, concatenated: component c counts class c of the first index of
/// each pair, component k + c class c of the second (reference <c>NodeStreamConcatenatedFrequencyVectors</c>; KLD, where the
/// pair is the PM10 and PM2.5 bins of one air-quality reading). Before the first point every component is 1/k.
/// </summary>
public sealed class ConcatenatedFrequencyStream : ILocalVectorStream
{
    private readonly FrequencyCounts _counts;

    /// <summary>Creates an empty stream; the local vector has 2 × <paramref name="classesPerVector"/> components.</summary>
    public ConcatenatedFrequencyStream(int classesPerVector, int windowSize)
    {
        _counts = new FrequencyCounts(classesPerVector, 2, windowSize);
    }

    /// <summary>Number of classes k in each of the two frequency vectors.</summary>
    public int ClassesPerVector => _counts.Classes;

    /// <inheritdoc/>
    public int Dimension => _counts.Dimension;

    /// <inheritdoc/>
    public int DataPointLength => 2;

    /// <inheritdoc/>
    public int WindowSize => _counts.WindowSize;

    /// <inheritdoc/>
    public int Count => _counts.Count;

    /// <inheritdoc/>
    public bool IsWindowFull => _counts.IsWindowFull;

    /// <inheritdoc/>
    public ReadOnlySpan<double> LocalVector => _counts.LocalVector;

    /// <inheritdoc/>
    public void Update(ReadOnlySpan<double> dataPoint) => _counts.Update(dataPoint);

    /// <inheritdoc/>
    public void CopyLocalVector(Span<double> destination) => _counts.LocalVector.CopyTo(destination);

    /// <inheritdoc/>
    public void Reset() => _counts.Reset();
}

/// <summary>
/// Window of points made of <c>parts</c> class indices; part p of a point counts in components [p·k, (p+1)·k).
/// </summary>
internal sealed class FrequencyCounts
{
    private readonly SlidingWindow _window;
    private readonly int[] _counts;
    private readonly double[] _localVector;
    private readonly int[] _classOf;

    public FrequencyCounts(int classes, int parts, int windowSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        Classes = classes;
        _window = new SlidingWindow(windowSize, parts);
        _counts = new int[classes * parts];
        _localVector = new double[classes * parts];
        _classOf = new int[parts];
        Reset();
    }

    public int Classes { get; }

    public int Dimension => _localVector.Length;

    public int WindowSize => _window.Capacity;

    public int Count => _window.Count;

    public bool IsWindowFull => _window.IsFull;

    public ReadOnlySpan<double> LocalVector => _localVector;

    public void Update(ReadOnlySpan<double> dataPoint)
    {
        var parts = _classOf.Length;
        DataPointChecks.Finite(dataPoint, parts);
        for (var p = 0; p < parts; p++)
        {
            _classOf[p] = (p * Classes) + DataPointChecks.ClassIndex(dataPoint[p], Classes, p);
        }

        var wasFull = _window.IsFull;
        if (wasFull)
        {
            var oldest = _window.Oldest;
            for (var p = 0; p < parts; p++)
            {
                var component = (p * Classes) + (int)oldest[p];
                _counts[component]--;
                _localVector[component] = _counts[component] / (double)_window.Count;
            }
        }

        _window.Add(dataPoint);
        foreach (var component in _classOf)
        {
            _counts[component]++;
        }

        double n = _window.Count;
        if (wasFull)
        {
            // n is unchanged, so only the touched components move.
            foreach (var component in _classOf)
            {
                _localVector[component] = _counts[component] / n;
            }
        }
        else
        {
            for (var j = 0; j < _counts.Length; j++)
            {
                _localVector[j] = _counts[j] / n;
            }
        }
    }

    public void Reset()
    {
        _window.Clear();
        Array.Clear(_counts);
        // The reference starts from ones(d)/k: 1/k in every component (k = d for a single frequency vector).
        Array.Fill(_localVector, 1.0 / Classes);
    }
}
