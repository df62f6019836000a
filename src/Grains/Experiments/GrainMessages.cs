using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Protocol;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// Data rows for one node: row k is <c>Values[k·L .. (k+1)·L)</c> with L = Values.Length / Sequence.Length, and
/// <c>Sequence[k]</c> is its position in the experiment's data (strictly increasing), which orders violations exactly as
/// the simulation does.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.DataRows")]
public sealed record DataRows(
    [property: Id(0)] ImmutableArray<double> Values,
    [property: Id(1)] ImmutableArray<int> Sequence)
{
    /// <summary>No rows.</summary>
    public static DataRows Empty { get; } = new([], []);

    /// <summary>Number of rows.</summary>
    public int Count => Sequence.IsDefault ? 0 : Sequence.Length;

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
        var values = Values.IsDefault ? [] : Values;
        var sequence = Sequence.IsDefault ? [] : Sequence;
        if (values.Length != sequence.Length * pointLength)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{values.Length} values for {sequence.Length} rows; every data point has {pointLength} components.");
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
            for (var j = 0; j < pointLength; j++)
            {
                var value = values[(k * pointLength) + j];
                if (!double.IsFinite(value))
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"data point {sequence[k]} component {j} is {value}; values must be finite.");
                }
            }
        }

        return null;
    }
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
