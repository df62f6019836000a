namespace AutoMon.Grains.Experiments;

/// <summary>
/// A FIFO of local vectors a node's stream has produced but the protocol node has not checked yet, each with its data
/// point's sequence number; one flat buffer, grown by doubling, so steady-state lockstep steps allocate nothing here.
/// Emptied, it lets its buffer go: a run's last step leaves nothing queued, and 10,000 idle node grains would otherwise
/// keep a look-ahead's worth of vectors each.
/// </summary>
internal sealed class PendingVectors(int dimension)
{
    private const int FirstCapacity = 4;

    private double[] _values = [];
    private long[] _sequence = [];
    private int _head;

    public int Count { get; private set; }

    /// <summary>Vectors the buffer has room for (0 once emptied).</summary>
    public int Capacity => _sequence.Length;

    public long SequenceAt(int index) => _sequence[_head + index];

    public ReadOnlySpan<double> VectorAt(int index) => _values.AsSpan((_head + index) * dimension, dimension);

    public void Add(long sequence, ReadOnlySpan<double> vector)
    {
        if (_head + Count == _sequence.Length)
        {
            MakeRoom();
        }

        var slot = _head + Count;
        _sequence[slot] = sequence;
        vector.CopyTo(_values.AsSpan(slot * dimension, dimension));
        Count++;
    }

    public void RemoveFirst(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        _head += count;
        Count -= count;
        if (Count == 0)
        {
            _head = 0;
            _values = [];
            _sequence = [];
        }
    }

    /// <summary>Makes room for <paramref name="more"/> vectors at once (a step's rows): one allocation, not one per doubling.</summary>
    public void Reserve(int more)
    {
        var needed = Count + more;
        if (_head + needed > _sequence.Length)
        {
            Move(Math.Max(FirstCapacity, needed > _sequence.Length ? Math.Max(needed, 2 * _sequence.Length) : _sequence.Length));
        }
    }

    private void MakeRoom()
    {
        // Slide the live entries to the front; grow when more than half the buffer is live.
        Move(_sequence.Length == 0 ? FirstCapacity : Count * 2 > _sequence.Length ? _sequence.Length * 2 : _sequence.Length);
    }

    private void Move(int capacity)
    {
        var values = capacity == _sequence.Length ? _values : new double[capacity * dimension];
        var sequence = capacity == _sequence.Length ? _sequence : new long[capacity];
        Array.Copy(_values, _head * dimension, values, 0, Count * dimension);
        Array.Copy(_sequence, _head, sequence, 0, Count);
        _values = values;
        _sequence = sequence;
        _head = 0;
    }
}
