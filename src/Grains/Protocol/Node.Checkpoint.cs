using System.Collections.Immutable;

namespace AutoMon.Protocol;

/// <summary>
/// What a <see cref="Node"/> needs to continue exactly where it stopped: its protocol state, local vector and slack, and
/// the syncs its safe zone was built from (the last one, and the last that carried a DC argument, the ADCD-E matrix or
/// the ADCD-X eigenvalue, which later syncs may only refer to). A host stores it so a node that lost its process resumes with the constraints the coordinator gave it.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Protocol.NodeCheckpoint")]
public sealed record NodeCheckpoint(
    [property: Id(0)] NodeState State,
    [property: Id(1)] int ConstraintVersion,
    [property: Id(2)] ImmutableArray<double> LocalVector,
    [property: Id(3)] ImmutableArray<double> Slack,
    [property: Id(4)] Sync? LastSync,
    [property: Id(5)] Sync? LastArgumentSync,
    [property: Id(6)] ViolationOrigin? LastViolationOrigin,
    [property: Id(7)] long MessagesSent,
    [property: Id(8)] long BytesSent);

public sealed partial class Node
{
    private readonly bool _checkpoints;
    private Sync? _lastSync;
    private Sync? _lastArgumentSync;

    /// <summary>The node's state now, to <see cref="Restore"/> a node from later.</summary>
    /// <exception cref="InvalidOperationException">The node was created without checkpoints.</exception>
    public NodeCheckpoint Checkpoint() => !_checkpoints
        ? throw new InvalidOperationException($"Node {Index} was created without checkpoints (new Node(index, function, checkpoints: true)).")
        : new(
        State, ConstraintVersion, ImmutableArray.Create<double>(_x), ImmutableArray.Create<double>(_slack), _lastSync,
        ReferenceEquals(_lastArgumentSync, _lastSync) ? null : _lastArgumentSync, LastViolationOrigin,
        Statistics.MessagesSent, Statistics.BytesSent);

    /// <summary>
    /// Puts this node in the state <paramref name="checkpoint"/> recorded: the syncs are applied again (same safe zone,
    /// same box), then the later lazy syncs' slack, the state and the local vector are set. Counters other than the
    /// messages and bytes sent start from zero.
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint is of a node with another dimension.</exception>
    public void Restore(NodeCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        RequireLength(checkpoint.LocalVector, "checkpoint's local vector");
        RequireLength(checkpoint.Slack, "checkpoint's slack");
        Reset();
        if (checkpoint.LastArgumentSync is { } argument)
        {
            ApplySync(argument);
        }

        if (checkpoint.LastSync is { } sync)
        {
            ApplySync(sync);
        }

        ConstraintVersion = checkpoint.ConstraintVersion;
        checkpoint.Slack.AsSpan().CopyTo(_slack);
        checkpoint.LocalVector.AsSpan().CopyTo(_x);
        State = checkpoint.State;
        LastViolationOrigin = checkpoint.LastViolationOrigin;
        Statistics.Reset();
        Statistics.RestoreSent(checkpoint.MessagesSent, checkpoint.BytesSent);
    }

    /// <summary>
    /// Back to the state before the first sync, keeping the local vector and the counts of what the node sent: a host
    /// whose coordinator lost its state restarts the protocol from here (the next check is a violation).
    /// </summary>
    public void Restart()
    {
        long messages = Statistics.MessagesSent, bytes = Statistics.BytesSent;
        var x = _x.ToArray();
        Reset();
        x.CopyTo(_x);
        Statistics.RestoreSent(messages, bytes);
    }
}
