using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using AutoMon.Protocol;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// Data rows for one node: row k has <see cref="Row"/>'s values and <c>Sequence[k]</c> is its position in the experiment's
/// data (strictly increasing), which orders violations exactly as the simulation does.
/// </summary>
/// <remarks>
/// A lockstep driver sends views of the data set it holds for the run (<see cref="OfViews"/>): a node grain in the
/// driver's process is given the very object and keeps the views in its window rather than copies. Across processes the
/// rows travel as <see cref="DataRowsSurrogate"/>, all values in one block, and arrive as rows of their own.
/// </remarks>
[Immutable, Alias("AutoMon.Grains.DataRows")]
public sealed class DataRows
{
    private readonly ImmutableArray<double> _values; // the rows one after the other, when not views
    private readonly ReadOnlyMemory<double>[]? _views;

    /// <summary>Rows of <c>Values.Length / Sequence.Length</c> values each, one after the other.</summary>
    public DataRows(ImmutableArray<double> values, ImmutableArray<int> sequence)
    {
        _values = values.IsDefault ? [] : values;
        Sequence = sequence.IsDefault ? [] : sequence;
    }

    private DataRows(ReadOnlyMemory<double>[] views, ImmutableArray<int> sequence)
    {
        _views = views;
        Sequence = sequence;
    }

    /// <summary>No rows.</summary>
    public static DataRows Empty { get; } = new(ImmutableArray<double>.Empty, ImmutableArray<int>.Empty);

    /// <summary>
    /// Rows that are views of data nothing changes while the run lasts (a data set the sender keeps): a receiver in the
    /// sender's process may keep them instead of copies (<see cref="AreViews"/>).
    /// </summary>
    internal static DataRows OfViews(ReadOnlyMemory<double>[] views, ImmutableArray<int> sequence)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Length != sequence.Length)
        {
            throw new ArgumentException($"{views.Length} rows with {sequence.Length} sequence numbers.", nameof(views));
        }

        return new(views, sequence);
    }

    /// <summary>The sequence number of every row.</summary>
    public ImmutableArray<int> Sequence { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Sequence.Length;

    /// <summary>True when the rows are views of the sender's data (<see cref="OfViews"/>), which outlive the message.</summary>
    public bool AreViews => _views is not null;

    /// <summary>Row <paramref name="k"/> (call <see cref="FindProblem"/> first: it checks the rows' lengths).</summary>
    public ReadOnlyMemory<double> Row(int k, int pointLength) =>
        _views is { } views ? views[k] : _values.AsMemory().Slice(k * pointLength, pointLength);

    /// <summary>All values, row after row (a copy for views: what goes on the wire).</summary>
    public ImmutableArray<double> Values
    {
        get
        {
            if (_views is not { } views)
            {
                return _values;
            }

            var values = new double[views.Sum(v => v.Length)];
            var offset = 0;
            foreach (var view in views)
            {
                view.Span.CopyTo(values.AsSpan(offset));
                offset += view.Length;
            }

            return ImmutableCollectionsMarshal.AsImmutableArray(values);
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first problem: values that do not make rows of
    /// <paramref name="pointLength"/>, a NaN or infinite value, or sequence numbers that are not increasing after
    /// <paramref name="after"/>.
    /// </summary>
    public void Validate(int pointLength, long after, string owner)
    {
        if (FindProblem(pointLength, after) is { } problem)
        {
            throw new ArgumentException($"{owner}: {problem}");
        }
    }

    /// <summary>
    /// The first problem <see cref="Validate"/> would name, or null: a node checks every step's rows, and names itself
    /// (a string per call) only when they are wrong.
    /// </summary>
    public string? FindProblem(int pointLength, long after)
    {
        var sequence = Sequence;
        if (_views is null && _values.Length != sequence.Length * pointLength)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{_values.Length} values for {sequence.Length} rows; every data point has {pointLength} components.");
        }

        var previous = after;
        for (var k = 0; k < sequence.Length; k++)
        {
            if (sequence[k] <= previous)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"data point {sequence[k]} arrives after data point {previous}; points must arrive in order.");
            }

            previous = sequence[k];
            if (_views is { } views && views[k].Length != pointLength)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"data point {sequence[k]} has {views[k].Length} components; every data point has {pointLength}.");
            }

            var row = Row(k, pointLength).Span;
            for (var j = 0; j < pointLength; j++)
            {
                if (!double.IsFinite(row[j]))
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"data point {sequence[k]} component {j} is {row[j]}; values must be finite.");
                }
            }
        }

        return null;
    }
}

/// <summary><see cref="DataRows"/> on the wire: all values, row after row, and the rows' sequence numbers.</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.DataRowsSurrogate")]
public struct DataRowsSurrogate
{
    /// <summary>The rows' values, one row after the other.</summary>
    [Id(0)]
    public ImmutableArray<double> Values;

    /// <summary>The rows' sequence numbers.</summary>
    [Id(1)]
    public ImmutableArray<int> Sequence;
}

/// <summary>Converts <see cref="DataRows"/> to and from <see cref="DataRowsSurrogate"/>; views arrive as rows of their own.</summary>
[RegisterConverter]
public sealed class DataRowsConverter : IConverter<DataRows, DataRowsSurrogate>
{
    /// <inheritdoc/>
    public DataRows ConvertFromSurrogate(in DataRowsSurrogate surrogate) => new(surrogate.Values, surrogate.Sequence);

    /// <inheritdoc/>
    public DataRowsSurrogate ConvertToSurrogate(in DataRows value) => new() { Values = value.Values, Sequence = value.Sequence };
}

/// <summary>A node's violation with the sequence number of the data point that caused it (round 0: the node index).</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.SequencedViolation")]
public sealed record SequencedViolation([property: Id(0)] long Sequence, [property: Id(1)] Violation Violation);

/// <summary>
/// One lockstep step of a node: take <see cref="Rows"/> into its stream, run the protocol node on every queued local
/// vector up to data point <see cref="CommitThrough"/>, then look ahead (without changing the node) through
/// <see cref="ProbeThrough"/> for the first point whose local vector would violate the current constraints.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.NodeStepRequest")]
public sealed record NodeStepRequest(
    [property: Id(0)] DataRows Rows,
    [property: Id(1)] long CommitThrough,
    [property: Id(2)] long ProbeThrough);

/// <summary>What a step found: the violation of the committed points (at most one) and the first violating look-ahead point.</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.NodeStepResult")]
public sealed record NodeStepResult(
    [property: Id(0)] SequencedViolation? Violation,
    [property: Id(1)] long FirstProbeViolation)
{
    /// <summary>Marks "no violation ahead".</summary>
    public const long None = -1;
}

/// <summary>Where a lockstep run's rounds stand (<see cref="LockstepRun"/>).</summary>
/// <param name="RoundsClosed">Rounds closed so far (round 0 included).</param>
/// <param name="TotalRounds">Rounds the data makes (round 0 included).</param>
/// <param name="Steps">Steps taken (one call per node each).</param>
/// <param name="NodeTime">Time spent waiting for the nodes' steps.</param>
/// <param name="CoordinatorTime">Time spent waiting for the coordinator to close rounds (syncs included).</param>
/// <param name="Elapsed">Time spent running rounds: the run's wall time.</param>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.LockstepProgress")]
public sealed record LockstepProgress(
    [property: Id(0)] int RoundsClosed,
    [property: Id(1)] int TotalRounds,
    [property: Id(2)] int Steps,
    [property: Id(3)] TimeSpan NodeTime,
    [property: Id(4)] TimeSpan CoordinatorTime,
    [property: Id(5)] TimeSpan Elapsed)
{
    /// <summary>True when every round is closed.</summary>
    public bool IsComplete => RoundsClosed >= TotalRounds;
}

/// <summary>
/// What the coordinator's silo needs to run a started lockstep experiment's rounds (<see cref="ILockstepGrain.Start"/>):
/// its configuration, the monitored data's layout (the values arrive beforehand in <see cref="ILockstepGrain.LoadData"/>
/// pieces) and the driver's look-ahead cap.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.LockstepPlan")]
public sealed record LockstepPlan(
    [property: Id(0)] ExperimentConfig Config,
    [property: Id(1)] int PointLength,
    [property: Id(2)] ImmutableArray<int> NodeSchedule,
    [property: Id(3)] int MaxLookaheadRounds);

/// <summary>A node grain's state as seen from outside.</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.NodeStatus")]
public sealed record NodeStatus
{
    /// <summary>Node index.</summary>
    [Id(0)]
    public int NodeIndex { get; init; }

    /// <summary>The silo hosting this activation.</summary>
    [Id(1)]
    public required string Silo { get; init; }

    /// <summary>False for an activation that was never configured (e.g. reactivated after its silo died).</summary>
    [Id(10)]
    public bool Configured { get; init; }

    /// <summary>Protocol state.</summary>
    [Id(2)]
    public NodeState State { get; init; }

    /// <summary>Constraint version held.</summary>
    [Id(3)]
    public int ConstraintVersion { get; init; }

    /// <summary>The node's current local vector (the last one the protocol node checked).</summary>
    [Id(4)]
    public ImmutableArray<double> LocalVector { get; init; } = [];

    /// <summary>Data updates the protocol node checked.</summary>
    [Id(5)]
    public long DataUpdates { get; init; }

    /// <summary>Stopwatch ticks spent in the timed checks.</summary>
    [Id(6)]
    public long CheckTicks { get; init; }

    /// <summary>Rows received but not yet checked.</summary>
    [Id(7)]
    public int QueuedRows { get; init; }

    /// <summary>Paced: true while the node's timer runs.</summary>
    [Id(8)]
    public bool Running { get; init; }

    /// <summary>Violations this node sent (paced) or returned (lockstep).</summary>
    [Id(9)]
    public long ViolationsSent { get; init; }

    /// <summary>Checks whose time went into <see cref="CheckTicks"/> (the node times a sample of its checks).</summary>
    [Id(11)]
    public long TimedChecks { get; init; }

    /// <summary>Paced: the sequence number of the last row the node took (−1 before its window filled).</summary>
    [Id(12)]
    public long ConsumedSequence { get; init; } = -1;
}

/// <summary>
/// Lockstep rounds to close at the coordinator, in order: rounds without violations (their global vectors, k × d values),
/// then optionally one round with violations (in data order) and its global vector.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.RoundBatch")]
public sealed record RoundBatch(
    [property: Id(0)] ImmutableArray<double> CleanRoundGlobalVectors,
    [property: Id(1)] ImmutableArray<SequencedViolation> Violations,
    [property: Id(2)] ImmutableArray<double> ViolationRoundGlobalVector);

/// <summary>A neighbourhood-tuning prefix (rows, their length and schedule) that the coordinator tunes on before monitoring.</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.TuningData")]
public sealed record TuningData(
    [property: Id(0)] ImmutableArray<double> Values,
    [property: Id(1)] int PointLength,
    [property: Id(2)] ImmutableArray<int> Schedule);

/// <summary>Bytes Orleans puts on the wire for protocol messages (header estimate + serialized body).</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.WireTraffic")]
public sealed record WireTraffic
{
    /// <summary>Orleans messages that carried protocol messages (requests, one-way calls and responses).</summary>
    [Id(0)]
    public long Messages { get; init; }

    /// <summary>Header bytes of those messages (framing, ids, addresses, interface type; estimated from Orleans' layout).</summary>
    [Id(1)]
    public long HeaderBytes { get; init; }

    /// <summary>Body bytes: the calls and responses serialized with Orleans' serializer, as the runtime writes them.</summary>
    [Id(2)]
    public long BodyBytes { get; init; }

    /// <summary>Header plus body.</summary>
    public long TotalBytes => HeaderBytes + BodyBytes;

    /// <summary>Adds two tallies.</summary>
    public WireTraffic Add(WireTraffic other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new() { Messages = Messages + other.Messages, HeaderBytes = HeaderBytes + other.HeaderBytes, BodyBytes = BodyBytes + other.BodyBytes };
    }
}
