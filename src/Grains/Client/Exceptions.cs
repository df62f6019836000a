namespace AutoMon.Client;

/// <summary>There is no such monitor, or the monitor has no such node (the HTTP API's 404).</summary>
public sealed class MonitorNotFoundException : KeyNotFoundException
{
    /// <summary>No monitor <paramref name="monitor"/> (<paramref name="node"/> null), or no node <paramref name="node"/> of it.</summary>
    public MonitorNotFoundException(string monitor, string? node)
        : base(node is null ? $"There is no monitor '{monitor}'." : $"Monitor '{monitor}' has no node '{node}'.")
    {
        Monitor = monitor;
        Node = node;
    }

    /// <summary>The monitor's id.</summary>
    public string Monitor { get; }

    /// <summary>The node's name; null when the monitor itself is missing.</summary>
    public string? Node { get; }
}

/// <summary>The monitor definition is invalid (the HTTP API's 400 "Invalid monitor"); <see cref="Errors"/> names each field.</summary>
public sealed class InvalidMonitorException : ArgumentException
{
    /// <summary>The problems <paramref name="errors"/>, by field.</summary>
    public InvalidMonitorException(IReadOnlyDictionary<string, string[]> errors)
        : base("The monitor definition is invalid: " + string.Join("; ", (errors ?? throw new ArgumentNullException(nameof(errors))).SelectMany(e => e.Value)) + ".")
    {
        Errors = errors;
    }

    /// <summary>The problems, by field (id, function, dimension, errorBound, nodes, window, ...).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
}

/// <summary>
/// A point of a push is invalid (wrong number of components, or a non-finite one): the HTTP API's 400 "Invalid point".
/// No point of the push was taken.
/// </summary>
public sealed class InvalidPointException : ArgumentException
{
    /// <summary>Point <paramref name="index"/> for node <paramref name="node"/> of <paramref name="monitor"/> is <paramref name="problem"/>.</summary>
    public InvalidPointException(string monitor, string node, int index, string problem)
        : base(FormattableString.Invariant($"Point {index} for node '{node}' of monitor '{monitor}' {problem}. No point of this push was taken."))
    {
        Monitor = monitor;
        Node = node;
        Index = index;
    }

    /// <summary>The monitor's id.</summary>
    public string Monitor { get; }

    /// <summary>The node's name.</summary>
    public string Node { get; }

    /// <summary>The index of the first bad point in the push.</summary>
    public int Index { get; }
}

/// <summary>
/// The cluster could not take a push within <see cref="AutoMonClientOptions.PushRetryTimeout"/>: a silo was lost and the
/// monitor is still recovering (the HTTP API's 503). <see cref="Accepted"/> points of the push were taken; the others were
/// not: push them again.
/// </summary>
public sealed class MonitorUnavailableException : TimeoutException
{
    /// <summary>Node <paramref name="node"/> of <paramref name="monitor"/> took <paramref name="accepted"/> points before giving up.</summary>
    public MonitorUnavailableException(string monitor, string node, int accepted, string reason, Exception? inner)
        : base(FormattableString.Invariant($"Node '{node}' of monitor '{monitor}' took {accepted} points of the push and cannot take more now: {reason}."), inner)
    {
        Monitor = monitor;
        Node = node;
        Accepted = accepted;
    }

    /// <summary>The monitor's id.</summary>
    public string Monitor { get; }

    /// <summary>The node's name.</summary>
    public string Node { get; }

    /// <summary>Points of the push the node took.</summary>
    public int Accepted { get; }
}

/// <summary>
/// A node lost points with its silo (it restored an older state) that this producer no longer holds: it pushed them
/// through another <see cref="MonitorNode"/> or process. The node holds <see cref="NodeUpdates"/> points.
/// </summary>
public sealed class PointsLostException : InvalidOperationException
{
    /// <summary>The node holds <paramref name="nodeUpdates"/> points; this producer holds the points from <paramref name="heldFrom"/> on.</summary>
    public PointsLostException(string monitor, string node, long nodeUpdates, long heldFrom)
        : base(FormattableString.Invariant($"Node '{node}' of monitor '{monitor}' restored a state with {nodeUpdates} points after losing its silo; this producer holds the points from {heldFrom} on only, so points {nodeUpdates}..{heldFrom - 1} are lost."))
    {
        Monitor = monitor;
        Node = node;
        NodeUpdates = nodeUpdates;
    }

    /// <summary>The monitor's id.</summary>
    public string Monitor { get; }

    /// <summary>The node's name.</summary>
    public string Node { get; }

    /// <summary>The points the node holds.</summary>
    public long NodeUpdates { get; }
}
