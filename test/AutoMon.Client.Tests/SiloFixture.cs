using System.Net;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Local;
using AutoMon.Silos.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AutoMon.Client.Tests;

/// <summary>
/// One all-in-one silo on free loopback ports in this process (as <c>serve</c> runs it), and an <see cref="AutoMonClient"/>
/// connected to its gateway, for the whole collection.
/// </summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private readonly ILoggerFactory _loggers = LoggerFactory.Create(_ => { });
    private WebApplication? _app;
    private AutoMonClient? _client;

    public AutoMonClient Client => _client ?? throw new InvalidOperationException("The fixture has not started.");

    public AutoMonClientOptions ClientOptions { get; private set; } = new();

    /// <summary>The silo's own grain factory, to look at grains beside the client.</summary>
    public IGrainFactory Grains => _app?.Services.GetRequiredService<IGrainFactory>() ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        var options = new SiloHostOptions
        {
            Role = SiloRole.AllInOne,
            Membership = MembershipKind.Localhost,
            Address = IPAddress.Loopback,
            SiloPort = LocalDynamoDB.FreePort(),
            GatewayPort = LocalDynamoDB.FreePort(),
            HttpPort = LocalDynamoDB.FreePort(),
            ClusterId = "client-tests",
            ServiceId = "client-tests-service",
            // The client talks to the gateway, not HTTP: the API's key is beside the point here.
            NoAuth = true,
        };
        _app = ServiceHost.Build(options, _loggers);
        await _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        ClientOptions = AutoMonClientOptions.ForGateways($"127.0.0.1:{options.GatewayPort}") with
        {
            ClusterId = options.ClusterId,
            ServiceId = options.ServiceId,
        };
        _client = await AutoMonClient.ConnectAsync(ClientOptions).WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }

        _loggers.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "client";
}
