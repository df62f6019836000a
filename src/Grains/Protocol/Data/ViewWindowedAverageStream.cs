namespace AutoMon.Protocol.Data;

/// <summary>
/// A <see cref="WindowedAverageStream"/> whose window keeps views of points that outlive it rather than copies: the same
/// local vectors bit for bit (the same operations on the same values). A lockstep driver's shadow feed replays a data set
/// it holds anyway, and a node grain in the driver's process is sent views of that data set; at 10,000 nodes with
/// windows of 20 points of d = 40, copies would be 64 MB for each of them.
/// </summary>
/// <remarks>
/// <see cref="Update(ReadOnlyMemory{double})"/> keeps the view: its caller promises that nothing changes the point while
/// it may be in the window. <see cref="Update(ReadOnlySpan{double})"/> copies, into a ring buffer allocated the first
/// time a point comes that way (a node on a silo other than the driver's, whose rows arrive in messages).
/// </remarks>
internal sealed class ViewWindowedAverageStream : ILocalVectorStream
{
    private readonly ReadOnlyMemory<double>[] _points;
    private readonly double[] _localVector;
    private double[]? _copies; // slot k's copy of a point given as a span is _copies[k·d .. (k+1)·d)
    private int _next; // the slot the next point takes: the oldest point's once the window is full

    public ViewWindowedAverageStream(int dimension, int windowSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        _points = new ReadOnlyMemory<double>[windowSize];
        _localVector = new double[dimension];
    }

    public int Dimension => _localVector.Length;

    public int DataPointLength => _localVector.Length;

    public int WindowSize => _points.Length;

    public int Count { get; private set; }

    public bool IsWindowFull => Count == _points.Length;

    public ReadOnlySpan<double> LocalVector => _localVector;

    /// <summary>The point the next update evicts once the window is full (the slot it will take before then).</summary>
    internal ReadOnlyMemory<double> Oldest => _points[_next];

    /// <summary>Adds a point the window keeps as it is given: nothing may change it while it is in the window.</summary>
    public void Update(ReadOnlyMemory<double> dataPoint)
    {
        Take(dataPoint.Span);
        _points[_next] = dataPoint;
        Advance();
    }

    /// <summary>Adds a copy of the point.</summary>
    public void Update(ReadOnlySpan<double> dataPoint)
    {
        Take(dataPoint);
        var d = _localVector.Length;
        _copies ??= new double[_points.Length * d];
        var copy = _copies.AsMemory(_next * d, d);
        dataPoint.CopyTo(copy.Span);
        _points[_next] = copy;
        Advance();
    }

    // The average moves before the slot is overwritten: a copied oldest point shares the slot's buffer with the new one.
    private void Take(ReadOnlySpan<double> point)
    {
        DataPointChecks.Finite(point, _localVector.Length);
        if (IsWindowFull)
        {
            WindowedAverageStream.Slide(_localVector, _points[_next].Span, point, Count);
        }
        else
        {
            Count++;
            WindowedAverageStream.Grow(_localVector, point, Count);
        }
    }

    private void Advance() => _next = _next + 1 == _points.Length ? 0 : _next + 1;

    public void CopyLocalVector(Span<double> destination) => _localVector.CopyTo(destination);

    public void Reset()
    {
        Count = 0;
        _next = 0;
        Array.Clear(_points);
        Array.Clear(_localVector);
    }
}
