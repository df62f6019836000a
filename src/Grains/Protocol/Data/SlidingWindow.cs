namespace AutoMon.Protocol.Data;

/// <summary>Fixed-capacity FIFO of equal-length data points in one flat ring buffer (reference: <c>test_utils/fifo.py</c>).</summary>
internal sealed class SlidingWindow
{
    private readonly double[] _buffer;
    private int _writeIndex;

    public SlidingWindow(int capacity, int pointLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointLength, 1);
        Capacity = capacity;
        PointLength = pointLength;
        _buffer = new double[capacity * pointLength];
    }

    public int Capacity { get; }

    public int PointLength { get; }

    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    /// <summary>The point the next <see cref="Add"/> evicts; only meaningful when the window is full.</summary>
    public ReadOnlySpan<double> Oldest => _buffer.AsSpan(_writeIndex * PointLength, PointLength);

    public void Add(ReadOnlySpan<double> point)
    {
        point.CopyTo(_buffer.AsSpan(_writeIndex * PointLength, PointLength));
        _writeIndex = _writeIndex + 1 == Capacity ? 0 : _writeIndex + 1;
        if (Count < Capacity)
        {
            Count++;
        }
    }

    /// <summary>Copies the points, oldest first, to <paramref name="destination"/> (Count × PointLength values).</summary>
    public void CopyTo(Span<double> destination)
    {
        var start = Count < Capacity ? 0 : _writeIndex;
        for (var k = 0; k < Count; k++)
        {
            _buffer.AsSpan(((start + k) % Capacity) * PointLength, PointLength).CopyTo(destination[(k * PointLength)..]);
        }
    }

    public void Clear()
    {
        Array.Clear(_buffer);
        _writeIndex = 0;
        Count = 0;
    }
}
