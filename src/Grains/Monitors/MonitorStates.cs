using System.Collections.Immutable;
using AutoMon.Protocol;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// What a monitor's coordinator grain stores (the silo's "AutoMon" grain storage): its definition and counters. The
/// coordinator's protocol state is not stored: a monitor that lost it runs a full sync with every node (a recovery).
/// </summary>
[GenerateSerializer, Alias("AutoMon.Grains.MonitorState")]
public sealed class MonitorState
{
    [Id(0)] public MonitorConfig? Config { get; set; }

    /// <summary>Incremented by every recovery; node grains report violations under the epoch they were restarted in.</summary>
    [Id(1)] public int Epoch { get; set; }

    [Id(2)] public long Messages { get; set; }

    [Id(3)] public long FullSyncs { get; set; }

    [Id(4)] public long LazySyncs { get; set; }

    [Id(5)] public long Violations { get; set; }

    [Id(6)] public long LastEvent { get; set; }

    [Id(7)] public long Recoveries { get; set; }

    [Id(8)] public MonitorRecovery? LastRecovery { get; set; }
}

/// <summary>
/// A recovery of a monitor: when its coordinator found its protocol state lost (its silo died, or a node died while a
/// violation was being resolved), why, how long the estimate went without the guarantee (from then until the full sync
/// with every node completed), and the messages the full sync cost.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.MonitorRecovery")]
public sealed record MonitorRecovery(
    [property: Id(0)] DateTimeOffset DetectedAt,
    [property: Id(1)] string Reason,
    [property: Id(2)] double UnguardedSeconds,
    [property: Id(3)] long Messages);

/// <summary>
/// What a monitor's node grain stores: written when it is configured, after every sync it applies, at least every
/// <see cref="MonitorConfig.CheckpointInterval"/> points, and when it deactivates. A node grain that lost its silo
/// reactivates from it with the constraints it held; the points taken after the last write are gone, and the producer
/// replays them (<see cref="PushResult.Durable"/>).
/// </summary>
[GenerateSerializer, Alias("AutoMon.Grains.MonitorNodeState")]
public sealed class MonitorNodeState
{
    [Id(0)] public MonitorConfig? Config { get; set; }

    [Id(1)] public int Index { get; set; }

    [Id(2)] public int Epoch { get; set; }

    [Id(3)] public long Updates { get; set; }

    [Id(4)] public long Violations { get; set; }

    /// <summary>The window's points, oldest first, one after the other (empty with window 1).</summary>
    [Id(5)] public ImmutableArray<double> Window { get; set; } = [];

    /// <summary>The node's local vector (the window's running average, or its last point).</summary>
    [Id(6)] public ImmutableArray<double> Point { get; set; } = [];

    /// <summary>The protocol node's checkpoint, without its DC-argument sync (<see cref="MonitorNodeArgument"/>).</summary>
    [Id(7)] public NodeCheckpoint? Protocol { get; set; }

    /// <summary>A violation the node reported and the monitor has not resolved (its silo was unreachable).</summary>
    [Id(8)] public Violation? Pending { get; set; }

    [Id(9)] public long UpdatesAtSend { get; set; } = -1;

    [Id(10)] public int CheckedVersion { get; set; } = -1;

    /// <summary>True once the adaptive fallback switched the monitor to centralisation (until a recovery restarts the node).</summary>
    [Id(11)] public bool Centralized { get; set; }

    /// <summary>Centralised: points taken whose report has not reached the monitor yet.</summary>
    [Id(12)] public long Unreported { get; set; }
}

/// <summary>
/// The sync that carried a node's DC argument (the ADCD-E matrix: d² doubles), stored apart from the node's state
/// because it changes rarely (ADCD-E: once) while the state is written at every sync.
/// </summary>
[GenerateSerializer, Alias("AutoMon.Grains.MonitorNodeArgument")]
public sealed class MonitorNodeArgument
{
    [Id(0)] public Sync? Sync { get; set; }
}

/// <summary>What the monitor registry grain stores: the ids of the monitors that exist.</summary>
[GenerateSerializer, Alias("AutoMon.Grains.MonitorRegistryState")]
public sealed class MonitorRegistryState
{
    [Id(0)] public ImmutableArray<string> Ids { get; set; } = [];
}

/// <summary>What became of a violation a node grain handed to its monitor (<see cref="IMonitorGrain.Resolve"/>).</summary>
public enum ResolveOutcome
{
    /// <summary>Resolved: the syncs it called for reached the nodes.</summary>
    Resolved,

    /// <summary>Not needed: the monitor recovered (every node restarted and was synced with its current vector) or the
    /// violation was from before the node's last restart.</summary>
    Superseded,

    /// <summary>The monitor could not reach every node to recover; the node reports the violation again later.</summary>
    Unavailable,

    /// <summary>No such monitor (deleted).</summary>
    UnknownMonitor,
}
