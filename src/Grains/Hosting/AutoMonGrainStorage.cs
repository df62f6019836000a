namespace AutoMon.Grains.Hosting;

/// <summary>The grain storage every AutoMon silo registers (memory or DynamoDB, by the silo's <c>grain-storage</c> setting).</summary>
public static class AutoMonGrainStorage
{
    /// <summary>The provider name grains persist with: <c>[PersistentState("state", AutoMonGrainStorage.Name)]</c>.</summary>
    public const string Name = "AutoMon";
}

/// <summary>What AutoMon's grains may expect of the <see cref="AutoMonGrainStorage.Name"/> storage (options pattern).</summary>
public sealed class AutoMonGrainStorageOptions
{
    /// <summary>
    /// True when the storage outlives the silo (DynamoDB): grains then also write their state when they deactivate, so a
    /// silo that shuts down hands them over with nothing lost. False for the in-memory storage, which a stopping silo
    /// takes down before its grains deactivate.
    /// </summary>
    public bool OutlivesSilo { get; set; }
}
