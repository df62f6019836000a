using System.Runtime.Intrinsics;

namespace AutoMon.Protocol.Data;

/// <summary>
/// One node's data stream: a sliding window of raw data points reduced to the node's local vector x_i
/// (reference: <c>test_utils/node_stream.py</c>). A node owns one instance; <see cref="Update"/> allocates nothing.
/// </summary>
public interface ILocalVectorStream
{
    /// <summary>Length of the local vector (the reference's <c>d</c>).</summary>
    int Dimension { get; }

    /// <summary>Length of one raw data point (1 for class indices and scalars, 2 for KLD pairs, d for vectors).</summary>
    int DataPointLength { get; }

    /// <summary>Capacity of the sliding window.</summary>
    int WindowSize { get; }

    /// <summary>Number of data points currently in the window.</summary>
    int Count { get; }

    /// <summary>True once the window holds <see cref="WindowSize"/> points; from then on every update slides it.</summary>
    bool IsWindowFull { get; }

    /// <summary>The current local vector; a view that the next <see cref="Update"/> or <see cref="Reset"/> overwrites.</summary>
    ReadOnlySpan<double> LocalVector { get; }

    /// <summary>Adds a data point, evicting the oldest one when the window is full, and updates the local vector.</summary>
    /// <exception cref="ArgumentException">Wrong length, a NaN/infinite component, or (frequency streams) not a valid class index.</exception>
    void Update(ReadOnlySpan<double> dataPoint);

    /// <summary>
    /// <see cref="Update(ReadOnlySpan{double})"/> for a point nothing changes afterwards: a stream may keep the view rather
    /// than a copy (<see cref="ViewWindowedAverageStream"/>); the others copy it as usual.
    /// </summary>
    void Update(ReadOnlyMemory<double> dataPoint) => Update(dataPoint.Span);

    /// <summary>Copies the local vector into <paramref name="destination"/> (length at least <see cref="Dimension"/>).</summary>
    void CopyLocalVector(Span<double> destination);

    /// <summary>Empties the window and restores the initial local vector (the reference re-creates its streams on reset).</summary>
    void Reset();
}

/// <summary>How a workload turns raw data points into a local vector.</summary>
public enum StreamKind
{
    /// <summary>Average of the vectors in the window (<c>NodeStreamAverage</c>).</summary>
    WindowedAverage,

    /// <summary>Relative frequencies of class indices 0..d-1 in the window (<c>NodeStreamFrequency</c>).</summary>
    Frequency,

    /// <summary>First and second moments of scalars in the window, d = 2 (<c>NodeStreamFirstAndSecondMomentum</c>).</summary>
    FirstAndSecondMoments,

    /// <summary>Two frequency vectors of k = d/2 classes each, from pairs of class indices (<c>NodeStreamConcatenatedFrequencyVectors</c>).</summary>
    ConcatenatedFrequencies,
}

/// <summary>Creates streams by kind.</summary>
public static class LocalVectorStreams
{
    /// <summary>Creates an empty stream of the given kind whose local vector has <paramref name="dimension"/> components.</summary>
    public static ILocalVectorStream Create(StreamKind kind, int dimension, int windowSize) => kind switch
    {
        StreamKind.WindowedAverage => new WindowedAverageStream(dimension, windowSize),
        StreamKind.Frequency => new FrequencyStream(dimension, windowSize),
        StreamKind.FirstAndSecondMoments => dimension == 2
            ? new FirstAndSecondMomentStream(windowSize)
            : throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The first-and-second-moment stream has dimension 2."),
        StreamKind.ConcatenatedFrequencies => dimension % 2 == 0
            ? new ConcatenatedFrequencyStream(dimension / 2, windowSize)
            : throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Concatenated frequency vectors need an even dimension (2k)."),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown stream kind."),
    };

    /// <summary>
    /// Writes the mean of the local vectors of <paramref name="streams"/> into <paramref name="destination"/>: the global
    /// vector x̄. Sums node by node in list order, then divides by the count, as <c>np.mean(local_vectors, axis=0)</c> does,
    /// so the result matches the reference bit for bit.
    /// </summary>
    public static void Average(IReadOnlyList<ILocalVectorStream> streams, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Count == 0)
        {
            throw new ArgumentException("At least one stream is needed.", nameof(streams));
        }

        var d = streams[0].Dimension;
        if (destination.Length < d)
        {
            throw new ArgumentException($"Destination has {destination.Length} components, the streams have {d}.", nameof(destination));
        }

        var sum = destination[..d];
        streams[0].LocalVector.CopyTo(sum);
        for (var i = 1; i < streams.Count; i++)
        {
            var x = streams[i].LocalVector;
            if (x.Length != d)
            {
                throw new ArgumentException($"Stream {i} has dimension {x.Length}, stream 0 has {d}.", nameof(streams));
            }

            // Elementwise: vector lanes round as a scalar loop would.
            var j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j <= d - Vector512<double>.Count; j += Vector512<double>.Count)
                {
                    (Vector512.Create<double>(sum[j..]) + Vector512.Create<double>(x[j..])).CopyTo(sum[j..]);
                }
            }

            for (; j < d; j++)
            {
                sum[j] += x[j];
            }
        }

        double n = streams.Count;
        for (var j = 0; j < d; j++)
        {
            sum[j] /= n;
        }
    }
}
