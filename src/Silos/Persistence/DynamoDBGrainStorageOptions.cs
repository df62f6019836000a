using AutoMon.Silos.Membership;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace AutoMon.Silos.Persistence;

/// <summary>
/// Where the grain state table lives (the DynamoDB client settings are <see cref="DynamoDBTableOptions"/>', shared with
/// the membership table) and how states are serialized.
/// </summary>
public sealed class DynamoDBGrainStorageOptions() : DynamoDBTableOptions(DefaultTableName), IStorageProviderSerializerOptions
{
    /// <summary>The table name used when none is configured.</summary>
    public const string DefaultTableName = "AutoMonGrainState";

    /// <summary>
    /// How states become bytes. Left unset, a serializer registered under the provider's name (a keyed
    /// <see cref="IGrainStorageSerializer"/>) is used, else Orleans' own binary serializer
    /// (<see cref="OrleansGrainStorageSerializer"/>: the grain state types' generated codecs, version tolerant).
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>The silo lifecycle stage at which the table is provisioned (before grains run).</summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;
}

/// <summary>Checks a named <see cref="DynamoDBGrainStorageOptions"/> when the silo starts, naming the provider and the setting.</summary>
public sealed class DynamoDBGrainStorageOptionsValidator(DynamoDBGrainStorageOptions options, string name) : IConfigurationValidator
{
    /// <inheritdoc />
    public void ValidateConfiguration()
    {
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException(
                $"Invalid configuration of DynamoDB grain storage '{name}': " + string.Join("; ", problems));
        }
    }

    /// <summary>Every problem with <paramref name="options"/>, each naming the setting; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(DynamoDBGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>(DynamoDBTableOptionsValidator.Validate(options));
        if (options.GrainStorageSerializer is null)
        {
            problems.Add($"{nameof(options.GrainStorageSerializer)} is not set");
        }

        return problems;
    }
}
