namespace AutoMon.Grains.Hosting;

/// <summary>The grain storage every AutoMon silo registers (memory or DynamoDB, by the silo's <c>grain-storage</c> setting).</summary>
public static class AutoMonGrainStorage
{
    /// <summary>The provider name grains persist with: <c>[PersistentState("state", AutoMonGrainStorage.Name)]</c>.</summary>
    public const string Name = "AutoMon";
}

/// <summary>
/// When AutoMon's grains write their state to the <see cref="AutoMonGrainStorage.Name"/> storage (options pattern). A silo
/// with DynamoDB storage turns both on. With the in-memory storage both stay off: its state lives and dies with the silo,
/// so grains write only what defines them (a monitor's definition, a node's configuration) and nothing per sync.
/// </summary>
public sealed class AutoMonGrainStorageOptions
{
    /// <summary>
    /// Write at every sync a node applies, every <c>checkpointInterval</c> points, and after every exchange of a monitor's
    /// coordinator; pushes then report what is written (<c>durable</c>) so producers keep the rest to send again.
    /// </summary>
    public bool WriteCheckpoints { get; set; }

    /// <summary>
    /// Write when a grain deactivates, so a silo that shuts down (SIGTERM) hands its grains over with nothing lost. Off for
    /// the in-memory storage, which a stopping silo takes down before its grains deactivate.
    /// </summary>
    public bool WriteOnDeactivation { get; set; }
}
