using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using AutoMon.Grains.Hosting;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Membership;
using AutoMon.Silos.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using static AutoMon.Silos.Tests.MembershipTestData;

namespace AutoMon.Silos.Tests;

/// <summary>A grain state with what AutoMon's states hold: strings, arrays, lists and nested records.</summary>
[GenerateSerializer]
public sealed record StorageTestState
{
    [Id(0)] public string Name { get; init; } = "";

    [Id(1)] public double[] Values { get; init; } = [];

    [Id(2)] public List<StorageTestItem> Items { get; init; } = [];

    [Id(3)] public StorageTestItem? Nested { get; init; }

    [Id(4)] public byte[] Blob { get; init; } = [];

    /// <summary>Value equality through JSON (records compare arrays by reference).</summary>
    public static string Text(StorageTestState? state) => JsonSerializer.Serialize(state);

    public static StorageTestState Sample(string name, int size = 3) => new()
    {
        Name = name,
        Values = Enumerable.Range(0, size).Select(i => i * 0.5 - 1).ToArray(),
        Items = [new("a", [1, 2, 3]), new("ünïcödé", [])],
        Nested = new StorageTestItem("nested", [42]),
    };
}

[GenerateSerializer]
public sealed record StorageTestItem([property: Id(0)] string Label, [property: Id(1)] int[] Counts);

/// <summary>
/// The <see cref="IGrainStorage"/> contract AutoMon's grains rely on, run against our DynamoDB provider (on moto) and
/// against Orleans' memory provider (in a silo), so both provably behave the same.
/// </summary>
public abstract class GrainStorageContract
{
    protected const string StateName = "contract";

    protected abstract IGrainStorage Storage { get; }

    protected static GrainId NewGrainId() => GrainId.Create("storagetest", Guid.NewGuid().ToString("N"));

    protected static GrainState<StorageTestState> Empty() => new();

    protected static GrainState<StorageTestState> With(StorageTestState state, string? etag) => new(state, etag);

    /// <summary>What a fresh activation reads.</summary>
    protected async Task<GrainState<StorageTestState>> ReadAsync(GrainId grainId, string stateName = StateName, IGrainStorage? storage = null)
    {
        var state = Empty();
        await (storage ?? Storage).ReadStateAsync(stateName, grainId, state);
        return state;
    }

    [Fact]
    public async Task Reading_a_missing_state_gives_the_default_state_and_no_etag()
    {
        var read = await ReadAsync(NewGrainId());

        Assert.Null(read.ETag);
        Assert.False(read.RecordExists);
        Assert.Equal(StorageTestState.Text(new StorageTestState()), StorageTestState.Text(read.State));
    }

    [Fact]
    public async Task A_written_state_reads_back_equal_with_the_writes_etag()
    {
        var grain = NewGrainId();
        var written = With(StorageTestState.Sample("round trip", 1000), etag: null);

        await Storage.WriteStateAsync(StateName, grain, written);
        var read = await ReadAsync(grain);

        Assert.NotNull(written.ETag);
        Assert.True(written.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(StorageTestState.Text(written.State), StorageTestState.Text(read.State));
    }

    [Fact]
    public async Task Each_write_changes_the_etag_and_a_writer_holding_the_latest_etag_may_write_again()
    {
        var grain = NewGrainId();
        var state = With(StorageTestState.Sample("v1"), etag: null);
        await Storage.WriteStateAsync(StateName, grain, state);
        var first = state.ETag;

        state.State = StorageTestState.Sample("v2");
        await Storage.WriteStateAsync(StateName, grain, state);

        Assert.NotEqual(first, state.ETag);
        Assert.Equal("v2", (await ReadAsync(grain)).State!.Name);
    }

    [Fact]
    public async Task A_writer_with_a_stale_etag_is_refused_and_the_stored_state_is_unchanged()
    {
        var grain = NewGrainId();
        var stale = await ReadAsync(grain);
        stale.State = StorageTestState.Sample("first");
        await Storage.WriteStateAsync(StateName, grain, stale);
        var staleETag = stale.ETag;

        // Another activation reads and writes: the first one's etag is now stale.
        var current = await ReadAsync(grain);
        current.State = StorageTestState.Sample("second");
        await Storage.WriteStateAsync(StateName, grain, current);

        stale.State = StorageTestState.Sample("lost update");
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, stale));

        Assert.Equal(current.ETag, error.StoredEtag);
        Assert.Equal(staleETag, error.CurrentEtag);
        var read = await ReadAsync(grain);
        Assert.Equal("second", read.State!.Name);
        Assert.Equal(current.ETag, read.ETag);
    }

    [Fact]
    public async Task A_first_write_over_an_existing_state_is_refused()
    {
        var grain = NewGrainId();
        var existing = With(StorageTestState.Sample("existing"), etag: null);
        await Storage.WriteStateAsync(StateName, grain, existing);

        var blind = With(StorageTestState.Sample("blind"), etag: null);
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, blind));

        Assert.Equal(existing.ETag, error.StoredEtag);
        Assert.Null(error.CurrentEtag);
        Assert.Equal("existing", (await ReadAsync(grain)).State!.Name);
    }

    [Fact]
    public async Task Of_concurrent_first_writes_exactly_one_wins()
    {
        for (var round = 0; round < 3; round++)
        {
            var grain = NewGrainId();
            var writers = Enumerable.Range(0, 6).Select(i => With(StorageTestState.Sample($"writer {i}"), etag: null)).ToList();

            var outcomes = await Task.WhenAll(writers.Select(async w =>
            {
                try
                {
                    await Storage.WriteStateAsync(StateName, grain, w);
                    return true;
                }
                catch (InconsistentStateException)
                {
                    return false;
                }
            }));

            var winner = writers[Assert.Single(Enumerable.Range(0, writers.Count), i => outcomes[i])];
            var read = await ReadAsync(grain);
            Assert.Equal(winner.State!.Name, read.State!.Name);
            Assert.Equal(winner.ETag, read.ETag);
        }
    }

    [Fact]
    public async Task A_cleared_state_reads_as_the_default_and_the_next_write_is_a_first_write()
    {
        var grain = NewGrainId();
        var state = With(StorageTestState.Sample("to clear"), etag: null);
        await Storage.WriteStateAsync(StateName, grain, state);
        var beforeClear = state.ETag;

        await Storage.ClearStateAsync(StateName, grain, state);

        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        var read = await ReadAsync(grain);
        Assert.Null(read.ETag);
        Assert.False(read.RecordExists);
        Assert.Equal(StorageTestState.Text(new StorageTestState()), StorageTestState.Text(read.State));

        // A writer still holding the etag from before the clear is refused; the clearing grain writes anew.
        var stale = With(StorageTestState.Sample("stale"), beforeClear);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, stale));
        state.State = StorageTestState.Sample("after clear");
        await Storage.WriteStateAsync(StateName, grain, state);
        Assert.Equal("after clear", (await ReadAsync(grain)).State!.Name);
    }

    [Fact]
    public async Task Clearing_with_a_stale_etag_is_refused_and_the_state_stays()
    {
        var grain = NewGrainId();
        var stale = With(StorageTestState.Sample("v1"), etag: null);
        await Storage.WriteStateAsync(StateName, grain, stale);
        var current = await ReadAsync(grain);
        current.State = StorageTestState.Sample("v2");
        await Storage.WriteStateAsync(StateName, grain, current);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, grain, stale));

        Assert.Equal(current.ETag, error.StoredEtag);
        Assert.Equal("v2", (await ReadAsync(grain)).State!.Name);
    }

    [Fact]
    public async Task States_of_two_grains_and_of_two_state_names_do_not_mix()
    {
        var (grainA, grainB) = (NewGrainId(), NewGrainId());
        await Storage.WriteStateAsync(StateName, grainA, With(StorageTestState.Sample("A"), null));
        await Storage.WriteStateAsync(StateName, grainB, With(StorageTestState.Sample("B"), null));
        await Storage.WriteStateAsync("other", grainA, With(StorageTestState.Sample("A other"), null));

        Assert.Equal("A", (await ReadAsync(grainA)).State!.Name);
        Assert.Equal("B", (await ReadAsync(grainB)).State!.Name);
        Assert.Equal("A other", (await ReadAsync(grainA, "other")).State!.Name);
        Assert.False((await ReadAsync(grainB, "other")).RecordExists);

        var clearA = await ReadAsync(grainA);
        await Storage.ClearStateAsync(StateName, grainA, clearA);
        Assert.Equal("B", (await ReadAsync(grainB)).State!.Name);
        Assert.Equal("A other", (await ReadAsync(grainA, "other")).State!.Name);
    }
}

/// <summary>The contract against our DynamoDB provider on moto, plus what only DynamoDB has (service ids, the item limit).</summary>
[Collection(MotoCollection.Name)]
public sealed class DynamoDBGrainStorageContractTests : GrainStorageContract, IDisposable
{
    private const string TableName = "contract-grain-state";
    private static readonly ServiceProvider Serialization =
        new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(StorageTestState).Assembly)).BuildServiceProvider();

    private readonly MotoServer _moto;
    private readonly List<DynamoDBGrainStorage> _providers = [];
    private readonly DynamoDBGrainStorage _storage;

    public DynamoDBGrainStorageContractTests(MotoServer moto)
    {
        _moto = moto;
        _storage = NewProvider("contract-service");
    }

    protected override IGrainStorage Storage => _storage;

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    private DynamoDBGrainStorage NewProvider(string serviceId, string tableName = TableName)
    {
        var options = new DynamoDBGrainStorageOptions
        {
            GrainStorageSerializer = new OrleansGrainStorageSerializer(Serialization.GetRequiredService<Serializer>()),
        };
        options.CopyConnectionFrom(_moto.Options(tableName));
        options.TableName = tableName;
        var provider = new DynamoDBGrainStorage("AutoMon", options, Options.Create(new ClusterOptions { ServiceId = serviceId, ClusterId = "c" }),
            Serialization.GetRequiredService<IActivatorProvider>(), NullLogger<DynamoDBGrainStorage>.Instance);
        _providers.Add(provider);
        return provider;
    }

    [Fact]
    public async Task States_of_two_service_ids_do_not_mix()
    {
        var other = NewProvider("other-service");
        var grain = NewGrainId();
        await Storage.WriteStateAsync(StateName, grain, With(StorageTestState.Sample("mine"), null));

        Assert.False((await ReadAsync(grain, storage: other)).RecordExists);
        await other.WriteStateAsync(StateName, grain, With(StorageTestState.Sample("theirs"), null));

        Assert.Equal("mine", (await ReadAsync(grain)).State!.Name);
        Assert.Equal("theirs", (await ReadAsync(grain, storage: other)).State!.Name);
    }

    [Fact]
    public async Task A_state_over_the_item_limit_is_refused_naming_grain_and_size_and_nothing_is_written()
    {
        var grain = NewGrainId();
        var huge = With(StorageTestState.Sample("huge") with { Blob = new byte[GrainStateSchema.MaxItemBytes] }, etag: null);

        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => Storage.WriteStateAsync(StateName, grain, huge));

        Assert.Contains(grain.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains(StateName, error.Message, StringComparison.Ordinal);
        Assert.True(error.ItemBytes > GrainStateSchema.MaxItemBytes);
        Assert.Contains(error.ItemBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Null(huge.ETag);
        Assert.False((await ReadAsync(grain)).RecordExists);
    }

    [Fact]
    public async Task A_large_state_under_the_item_limit_is_stored_whole()
    {
        // 392 KB: near DynamoDB's 400 KB (409,600 bytes) and under moto's stricter 405,000.
        var grain = NewGrainId();
        var blob = new byte[GrainStateSchema.MaxItemBytes - (8 * 1024)];
        new Random(7).NextBytes(blob);
        var large = With(StorageTestState.Sample("large") with { Blob = blob }, etag: null);

        await Storage.WriteStateAsync(StateName, grain, large);

        Assert.Equal(blob, (await ReadAsync(grain)).State!.Blob);
    }

    [Fact]
    public async Task An_item_the_service_refuses_as_too_large_is_reported_as_too_large()
    {
        // Under our limit of 409,600 bytes, over moto's 405,000: the service's own refusal (what DynamoDB would give for an
        // item our count underestimates) is the same exception, naming grain and size.
        var grain = NewGrainId();
        var state = With(StorageTestState.Sample("refused") with { Blob = new byte[406_000] }, etag: null);

        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => Storage.WriteStateAsync(StateName, grain, state));

        Assert.Contains(grain.ToString(), error.Message, StringComparison.Ordinal);
        Assert.InRange(error.ItemBytes, 406_000, GrainStateSchema.MaxItemBytes);
        Assert.False((await ReadAsync(grain)).RecordExists);
    }

    [Fact]
    public async Task A_write_with_an_etag_to_a_state_that_does_not_exist_is_refused()
    {
        var grain = NewGrainId();
        var ghost = With(StorageTestState.Sample("ghost"), etag: "0123456789abcdef");

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, ghost));

        Assert.Null(error.StoredEtag);
        Assert.Equal("0123456789abcdef", error.CurrentEtag);
        Assert.False((await ReadAsync(grain)).RecordExists);
    }

    [Fact]
    public async Task The_table_is_created_on_first_use_keyed_by_grain_reference_and_service_id()
    {
        var tableName = UniqueName("grain-state");
        var provider = NewProvider("svc", tableName);
        var grain = NewGrainId();

        await provider.WriteStateAsync(StateName, grain, With(StorageTestState.Sample("x"), null));

        using var client = DynamoDBClientFactory.Create(_moto.Options(tableName));
        var description = (await client.DescribeTableAsync(tableName)).Table;
        Assert.Equal(
            new[] { ("GrainReference", "HASH"), ("ServiceId", "RANGE") },
            description.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        var item = (await client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new()
            {
                ["GrainReference"] = new AttributeValue { S = $"{StateName}/{grain}" },
                ["ServiceId"] = new AttributeValue { S = "svc" },
            },
            ConsistentRead = true,
        })).Item;
        Assert.NotNull(item["ETag"].S);
        Assert.NotNull(item["State"].B);
    }
}

/// <summary>An all-in-one silo with the default (memory) grain storage: the provider the silo registers as "AutoMon".</summary>
public sealed class MemoryStorageSilo : IAsyncLifetime
{
    private IHost? _host;

    public IGrainStorage Storage => _host!.Services.GetRequiredKeyedService<IGrainStorage>(AutoMonGrainStorage.Name);

    public async Task InitializeAsync()
    {
        var options = new SiloHostOptions { SiloPort = MotoServer.FreePort(), GatewayPort = MotoServer.FreePort() };
        Assert.Equal(GrainStorageKind.Memory, options.GrainStorage);
        var builder = SiloHostBuilder.CreateHostBuilder(options);
        builder.Logging.ClearProviders();
        builder.Services.AddSerializer(s => s.AddAssembly(typeof(StorageTestState).Assembly));
        _host = builder.Build();
        await _host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_host is { } host)
        {
            await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            host.Dispose();
        }
    }
}

/// <summary>The same contract against Orleans' memory provider, as the silo host registers it.</summary>
[Collection(MotoCollection.Name)]
public sealed class MemoryGrainStorageContractTests(MemoryStorageSilo silo) : GrainStorageContract, IClassFixture<MemoryStorageSilo>
{
    protected override IGrainStorage Storage => silo.Storage;
}
