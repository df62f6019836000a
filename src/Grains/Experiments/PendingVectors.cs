namespace AutoMon.Grains.Experiments;

/// <summary>
/// A FIFO of local vectors a node's stream has produced but the protocol node has not checked yet, each with its data
/// point's sequence number; one flat buffer, grown by doubling, so steady-state lockstep steps allocate nothing here.
/// </summary>
internal sealed class PendingVectors(int dimension)
{
    private double[] _values = new double[16 * dimension];
    private long[] _sequence = new long[16];
    private int _head;

    public int Count { get; private set; }

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
        }
    }

    private void MakeRoom()
    {
        // Slide the live entries to the front; grow when more than half the buffer is live.
        var capacity = Count * 2 > _sequence.Length ? _sequence.Length * 2 : _sequence.Length;
        var values = capacity == _sequence.Length ? _values : new double[capacity * dimension];
        var sequence = capacity == _sequence.Length ? _sequence : new long[capacity];
        Array.Copy(_values, _head * dimension, values, 0, Count * dimension);
        Array.Copy(_sequence, _head, sequence, 0, Count);
        _values = values;
        _sequence = sequence;
        _head = 0;
    }
}
