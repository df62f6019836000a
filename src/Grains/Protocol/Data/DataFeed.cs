using System.Runtime.CompilerServices;

namespace AutoMon.Protocol.Data;

/// <summary>
/// Replays a <see cref="DataSet"/> into one stream per node, the way the reference's <c>DataGenerator</c> does: rows in
/// order, each to its scheduled node; <see cref="FillAllWindows"/> first, then one row per <see cref="TryAdvance"/>.
/// </summary>
/// <remarks>Use one feed per phase (<see cref="DataSet.TuningPart"/>, <see cref="DataSet.MonitoringPart"/>): the reference
/// starts each phase with fresh, empty windows.</remarks>
public sealed class DataFeed
{
    private readonly DataSet _data;
    private readonly ILocalVectorStream[] _streams;
    private readonly ViewWindowedAverageStream[]? _viewStreams; // the same streams, when their windows are views of the data

    /// <summary>Creates a feed over <paramref name="data"/> with one empty stream of the given kind per node.</summary>
    public DataFeed(DataSet data, StreamKind kind, int dimension, int windowSize)
        : this(data, kind, dimension, windowSize, windowsInData: false)
    {
    }

    /// <summary>
    /// As the other constructor; with <paramref name="windowsInData"/>, windowed averages keep views of their points in
    /// <paramref name="data"/> rather than copies (<see cref="ViewWindowedAverageStream"/>): for a feed whose
    /// data set is kept to its end anyway. Other stream kinds copy their points as usual.
    /// </summary>
    internal DataFeed(DataSet data, StreamKind kind, int dimension, int windowSize, bool windowsInData)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
        _streams = new ILocalVectorStream[data.NodeCount];
        if (windowsInData && kind == StreamKind.WindowedAverage)
        {
            _viewStreams = new ViewWindowedAverageStream[data.NodeCount];
            for (var i = 0; i < _streams.Length; i++)
            {
                _streams[i] = _viewStreams[i] = new ViewWindowedAverageStream(dimension, windowSize);
            }
        }

        for (var i = 0; i < _streams.Length && _viewStreams is null; i++)
        {
            _streams[i] = LocalVectorStreams.Create(kind, dimension, windowSize);
        }

        if (_streams[0].DataPointLength != data.PointLength)
        {
            throw new ArgumentException(
                $"{kind} streams of dimension {dimension} take data points of {_streams[0].DataPointLength} values; the data has {data.PointLength}.",
                nameof(data));
        }
    }

    /// <summary>The node streams, indexed by node.</summary>
    public IReadOnlyList<ILocalVectorStream> Streams => _streams;

    /// <summary>Index of the next row to be consumed.</summary>
    public int Position { get; private set; }

    /// <summary>Rows not consumed yet.</summary>
    public int Remaining => _data.RowCount - Position;

    /// <summary>True when every node's window is full.</summary>
    public bool AllWindowsFull
    {
        get
        {
            foreach (var stream in _streams)
            {
                if (!stream.IsWindowFull)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Consumes rows until every window is full (reference <c>fill_all_sliding_windows</c>). Rows of nodes whose window is
    /// already full still slide it, exactly as in the reference.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data ran out first.</exception>
    public void FillAllWindows()
    {
        while (!AllWindowsFull)
        {
            if (!TryAdvance(out _))
            {
                throw new InvalidOperationException(
                    $"The data ran out after {_data.RowCount} rows before every node's window of {_streams[0].WindowSize} was full.");
            }
        }
    }

    /// <summary>Feeds the next row to its node's stream; false when no rows are left.</summary>
    // Fully optimised from the first row: called once per update, it would otherwise run at tier 0 for most of a short run.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAdvance(out int node)
    {
        if (Position >= _data.RowCount)
        {
            node = -1;
            return false;
        }

        node = _data.NodeSchedule[Position];
        if (_viewStreams is not null)
        {
            _viewStreams[node].Update(_data.RowMemory(Position));
        }
        else
        {
            _streams[node].Update(_data.Row(Position));
        }

        Position++;
        return true;
    }

    /// <summary>Writes the global vector x̄ (mean of the nodes' local vectors, reference order) into <paramref name="destination"/>.</summary>
    public void CopyGlobalVector(Span<double> destination) => LocalVectorStreams.Average(_streams, destination);
}
