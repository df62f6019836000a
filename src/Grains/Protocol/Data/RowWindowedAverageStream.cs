namespace AutoMon.Protocol.Data;

/// <summary>
/// A <see cref="WindowedAverageStream"/> whose window holds row numbers of a data set that outlives it, not copies of the
/// points: the same local vectors bit for bit (the same operations on the same values), at d·8 bytes per node instead of
/// window·d·8. A lockstep driver's shadow feed replays data it holds anyway; 10,000 nodes' windows of 20 points at
/// d = 40 would otherwise be 64 MB of second copies.
/// </summary>
internal sealed class RowWindowedAverageStream : ILocalVectorStream
{
    private readonly DataSet _data;
    private readonly int[] _rows;
    private readonly double[] _localVector;
    private int _next; // the slot of the oldest row once the window is full

    public RowWindowedAverageStream(DataSet data, int dimension, int windowSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        if (data.PointLength != dimension)
        {
            throw new ArgumentException($"Windowed averages of dimension {dimension} take points of {dimension} values; the data has {data.PointLength}.", nameof(data));
        }

        _data = data;
        _rows = new int[windowSize];
        _localVector = new double[dimension];
    }

    public int Dimension => _localVector.Length;

    public int DataPointLength => _localVector.Length;

    public int WindowSize => _rows.Length;

    public int Count { get; private set; }

    public bool IsWindowFull => Count == _rows.Length;

    public ReadOnlySpan<double> LocalVector => _localVector;

    /// <summary>Row <paramref name="row"/> of the data set joins the window, as <see cref="WindowedAverageStream.Update"/> would take it.</summary>
    public void UpdateRow(int row)
    {
        var point = _data.Row(row);
        DataPointChecks.Finite(point, _localVector.Length);
        if (IsWindowFull)
        {
            WindowedAverageStream.Slide(_localVector, _data.Row(_rows[_next]), point, Count);
        }
        else
        {
            Count++;
            WindowedAverageStream.Grow(_localVector, point, Count);
        }

        _rows[_next] = row;
        _next = _next + 1 == _rows.Length ? 0 : _next + 1;
    }

    /// <summary>Not for this stream: its points are rows of its data set (<see cref="UpdateRow"/>).</summary>
    public void Update(ReadOnlySpan<double> dataPoint) =>
        throw new NotSupportedException("A row-windowed stream takes the row numbers of its data set (UpdateRow).");

    public void CopyLocalVector(Span<double> destination) => _localVector.CopyTo(destination);

    public void Reset()
    {
        Count = 0;
        _next = 0;
        Array.Clear(_localVector);
    }
}
