namespace AutoMon.Protocol;

/// <summary>Why a node reports a violation (reference <c>common_messages.ViolationOrigin</c>; same values on the wire).</summary>
public enum ViolationOrigin
{
    /// <summary>x − slack is outside the node's safe zone (or the node has not been synced yet).</summary>
    SafeZone = 0,

    /// <summary>x − slack is outside the domain or the neighbourhood box of the last sync.</summary>
    Domain = 1,

    /// <summary>x − slack passed the safe-zone test yet f(x − slack) is outside [L, U]: the constraints are wrong, a full sync is forced.</summary>
    FaultySafeZone = 2,
}

/// <summary>A node's protocol state (reference <c>common_node.State</c>).</summary>
public enum NodeState
{
    /// <summary>Checking its data updates against its safe zone.</summary>
    Monitoring = 0,

    /// <summary>Reported a violation (with its local vector) and waits for a Sync or LazySync.</summary>
    WaitForSync = 1,

    /// <summary>Answered a GetLocalVector request; the coordinator may or may not include it in the sync that follows.</summary>
    SuspectWaitForSync = 2,
}

/// <summary>The coordinator's protocol state (reference <c>common_coordinator.State</c>).</summary>
public enum CoordinatorState
{
    /// <summary>No violation being resolved.</summary>
    Idle = 0,

    /// <summary>Collecting local vectors one node at a time to resolve violations with a subset of the nodes.</summary>
    LazySync = 1,

    /// <summary>Collecting every node's local vector for a full (eager) sync.</summary>
    FullSync = 2,
}

/// <summary>How slack is given to nodes at a sync (reference <c>SlackType</c>).</summary>
public enum SlackType
{
    /// <summary>No slack: every node checks its own x against the safe zone. Only valid with <see cref="SyncType.Eager"/>.</summary>
    NoSlack = 0,

    /// <summary>Drift slack: s_i = x_i − x0 at the sync, so every node starts at x0 (x − s = x0).</summary>
    Drift = 1,
}

/// <summary>How violations are resolved (reference <c>SyncType</c>).</summary>
public enum SyncType
{
    /// <summary>Always a full sync of all nodes.</summary>
    Eager = 0,

    /// <summary>Lazy sync adding nodes in random order (numpy's legacy shuffle).</summary>
    LazyRandom = 1,

    /// <summary>Lazy sync adding the least-recently lazy-synced node first.</summary>
    LazyLRU = 2,
}

/// <summary>Message types and their wire codes (reference <c>common_messages.MessageType</c>).</summary>
public enum MessageType
{
    /// <summary>Node → coordinator: constraint version, violation origin, local vector.</summary>
    Violation = 0,

    /// <summary>Coordinator → node: the constraint version the coordinator holds for the node.</summary>
    GetLocalVector = 1,

    /// <summary>Node → coordinator: constraint version, local vector.</summary>
    LocalVectorInfo = 2,

    /// <summary>Coordinator → node: full sync (x0, slack, thresholds, neighbourhood, DC type and argument).</summary>
    Sync = 3,

    /// <summary>Coordinator → node: new slack only.</summary>
    LazySync = 4,

    /// <summary>Data source → node: one data point.</summary>
    DataUpdate = 5,
}

/// <summary>Extension helpers for the protocol enums.</summary>
public static class ProtocolTypeExtensions
{
    /// <summary>True for the two lazy sync types.</summary>
    public static bool IsLazy(this SyncType syncType) => syncType != SyncType.Eager;
}
