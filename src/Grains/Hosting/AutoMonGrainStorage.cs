namespace AutoMon.Grains.Hosting;

/// <summary>The grain storage every AutoMon silo registers (memory or DynamoDB, by the silo's <c>grain-storage</c> setting).</summary>
public static class AutoMonGrainStorage
{
    /// <summary>The provider name grains persist with: <c>[PersistentState("state", AutoMonGrainStorage.Name)]</c>.</summary>
    public const string Name = "AutoMon";
}
