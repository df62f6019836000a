using AutoMon.Grains.Hosting;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace AutoMon.Silos.Tests;

/// <summary>The silo's <c>grain-storage</c> settings: parsed, validated, and the "AutoMon" provider they register.</summary>
public sealed class GrainStorageSettingsTests
{
    [Fact]
    public void Memory_is_the_default_and_is_not_written_out()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one"], out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(GrainStorageKind.Memory, options.GrainStorage);
        Assert.Equal("AutoMonGrainState", options.GrainStorageTable);
        Assert.DoesNotContain("--grain-storage", SiloSettings.ToArguments(options));
    }

    [Fact]
    public void DynamoDB_storage_takes_its_table_and_the_silos_dynamodb_endpoint_and_region()
    {
        Assert.True(SiloCommandLine.TryParse(
            ["--role", "all-in-one", "--grain-storage", "dynamodb", "--grain-storage-table", "States", "--dynamodb-region", "eu-west-1"],
            out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(GrainStorageKind.DynamoDB, options.GrainStorage);
        var storage = new DynamoDBGrainStorageOptions();
        options.ConfigureGrainStorage(storage);
        Assert.Equal("States", storage.TableName);
        Assert.Equal("eu-west-1", storage.Region);
        var arguments = SiloSettings.ToArguments(options);
        Assert.Equal("dynamodb", arguments[arguments.IndexOf("--grain-storage") + 1]);
        Assert.Equal("States", arguments[arguments.IndexOf("--grain-storage-table") + 1]);
    }

    [Fact]
    public void DynamoDB_storage_needs_a_region_or_endpoint_a_valid_table_and_a_table_of_its_own()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--grain-storage", "dynamodb"], out _, out var noRegion));
        Assert.Contains(noRegion, p => p.Contains("--grain-storage-table", StringComparison.Ordinal) && p.Contains("Region", StringComparison.Ordinal));

        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--grain-storage", "dynamodb", "--grain-storage-table", "x",
            "--dynamodb-region", "us-west-2"], out _, out var badTable));
        Assert.Contains(badTable, p => p.Contains("'x' is not a DynamoDB table name", StringComparison.Ordinal));

        Assert.False(SiloCommandLine.TryParse(["--role", "coordinator", "--grain-storage", "dynamodb", "--dynamodb-region", "us-west-2",
            "--dynamodb-table", "Shared", "--grain-storage-table", "Shared"], out _, out var shared));
        Assert.Contains(shared, p => p.Contains("table of its own", StringComparison.Ordinal));

        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--grain-storage", "disk"], out _, out var unknown));
        Assert.Contains(unknown, p => p.Contains("disk", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dynamodb_silo_registers_the_AutoMon_provider_with_its_table_and_orleans_binary_serializer()
    {
        var options = new SiloHostOptions
        {
            GrainStorage = GrainStorageKind.DynamoDB,
            GrainStorageTable = "States",
            DynamoDBServiceUrl = "http://127.0.0.1:1",
        };
        var builder = SiloHostBuilder.CreateHostBuilder(options);
        builder.Logging.ClearProviders();
        using var host = builder.Build();

        Assert.IsType<DynamoDBGrainStorage>(host.Services.GetRequiredKeyedService<IGrainStorage>(AutoMonGrainStorage.Name));
        var storage = host.Services.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(AutoMonGrainStorage.Name);
        Assert.Equal("States", storage.TableName);
        Assert.Equal("http://127.0.0.1:1", storage.ServiceUrl);
        Assert.IsType<OrleansGrainStorageSerializer>(storage.GrainStorageSerializer);
    }
}
