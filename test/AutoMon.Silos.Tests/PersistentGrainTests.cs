using AutoMon.Grains.Hosting;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;

namespace AutoMon.Silos.Tests;

public interface IStorageTestCounterGrain : IGrainWithStringKey
{
    Task<int> Add(int amount);

    Task<int> Get();

    Task<string?> ETag();

    Task Deactivate();
}

[GenerateSerializer]
public sealed class StorageTestCounter
{
    [Id(0)] public int Total { get; set; }

    [Id(1)] public List<int> History { get; set; } = [];
}

/// <summary>A grain persisting its state with the silo's "AutoMon" storage, as AutoMon's grains will.</summary>
public sealed class StorageTestCounterGrain(
    [PersistentState("counter", AutoMonGrainStorage.Name)] IPersistentState<StorageTestCounter> counter) : Grain, IStorageTestCounterGrain
{
    public async Task<int> Add(int amount)
    {
        counter.State.Total += amount;
        counter.State.History.Add(amount);
        await counter.WriteStateAsync();
        return counter.State.Total;
    }

    public Task<int> Get() => Task.FromResult(counter.State.Total);

    public Task<string?> ETag() => Task.FromResult(counter.Etag);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>With <c>--grain-storage dynamodb</c> a grain's <c>[PersistentState]</c> outlives its activation and its silo.</summary>
[Collection(MotoCollection.Name)]
public sealed class PersistentGrainTests(MotoServer moto)
{
    [Fact]
    public async Task A_grain_keeps_its_state_across_deactivation_and_a_silo_restart_with_dynamodb_storage()
    {
        var options = new SiloHostOptions
        {
            GrainStorage = GrainStorageKind.DynamoDB,
            GrainStorageTable = MembershipTestData.UniqueName("grain-state"),
            DynamoDBServiceUrl = moto.ServiceUrl,
            DynamoDBRegion = MotoServer.Region,
            SiloPort = MotoServer.FreePort(),
            GatewayPort = MotoServer.FreePort(),
        };
        var args = SiloSettings.ToArguments(options);
        Assert.Contains("--grain-storage", args);
        Assert.Equal("dynamodb", args[args.IndexOf("--grain-storage") + 1]);
        var key = Guid.NewGuid().ToString("N");

        string? etag;
        await using (var silo = await StartAsync(options))
        {
            var grain = silo.Grains.GetGrain<IStorageTestCounterGrain>(key);
            Assert.Equal(0, await grain.Get());
            Assert.Equal(5, await grain.Add(5));
            Assert.Equal(8, await grain.Add(3));
            etag = await grain.ETag();

            await grain.Deactivate();
            await Task.Delay(500);
            Assert.Equal(8, await grain.Get());
            Assert.Equal(etag, await grain.ETag());
        }

        // A new silo (a new process, as far as grain state goes): the state comes back from the table.
        await using (var silo = await StartAsync(options))
        {
            var grain = silo.Grains.GetGrain<IStorageTestCounterGrain>(key);
            Assert.Equal(8, await grain.Get());
            Assert.Equal(etag, await grain.ETag());
            Assert.Equal(10, await grain.Add(2));
        }
    }

    private async Task<RunningSilo> StartAsync(SiloHostOptions options)
    {
        var builder = SiloHostBuilder.CreateHostBuilder(options);
        builder.Logging.ClearProviders();
        builder.Services.AddSerializer(s => s.AddAssembly(typeof(StorageTestCounterGrain).Assembly));
        // The silo host takes credentials from the default AWS chain; moto takes any.
        builder.Services.PostConfigure<DynamoDBGrainStorageOptions>(AutoMonGrainStorage.Name, o =>
        {
            o.AccessKey = MotoServer.AccessKey;
            o.SecretKey = MotoServer.SecretKey;
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return new RunningSilo(host);
    }

    private sealed class RunningSilo(IHost host) : IAsyncDisposable
    {
        public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            host.Dispose();
        }
    }
}
