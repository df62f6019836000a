using System.Net;
using System.Net.Http.Headers;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Service;
using AutoMon.Silos.Service.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// One all-in-one silo serving the HTTP API on free loopback ports, in this process, for the whole collection. The API
/// requires <see cref="ApiKey"/>, which <see cref="Http"/> sends: every API test goes through authentication.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    private readonly DemoOptions? _demo;
    private readonly TimeProvider? _subscriptionClock;
    private readonly Action<ISiloBuilder>? _configureSilo;

    private readonly ILoggerFactory _loggers = LoggerFactory.Create(_ => { });
    private WebApplication? _app;

    /// <summary>The key the API requires.</summary>
    public string ApiKey { get; } = ApiKeys.Generate();

    /// <summary>A client of the API that sends <see cref="ApiKey"/>.</summary>
    public HttpClient Http { get; } = new();

    /// <summary>The API's root, e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress => Http.BaseAddress ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>A service with the demo on (<c>serve --demo</c>); the collection fixture has none.</summary>
    public static ServiceFixture WithDemo(DemoOptions demo) => new(demo);

    public ServiceFixture()
    {
    }

    private ServiceFixture(DemoOptions demo) => _demo = demo;

    /// <summary>A service whose monitor subscriptions lapse and renew by <paramref name="clock"/>.</summary>
    internal ServiceFixture(TimeProvider clock) => _subscriptionClock = clock;

    /// <summary>A service with <paramref name="configureSilo"/> run on its silo (e.g. grain-storage write policy).</summary>
    internal ServiceFixture(Action<ISiloBuilder> configureSilo) => _configureSilo = configureSilo;

    /// <summary>The silo's services (e.g. its grain storage).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("not started");

    /// <summary>The silo's grains.</summary>
    public IGrainFactory Grains => _app?.Services.GetRequiredService<IGrainFactory>() ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var options = new SiloHostOptions
        {
            Role = SiloRole.AllInOne,
            Membership = MembershipKind.Localhost,
            Address = IPAddress.Loopback,
            SiloPort = MotoServer.FreePort(),
            GatewayPort = MotoServer.FreePort(),
            HttpPort = MotoServer.FreePort(),
            ClusterId = "service-tests",
            ApiKey = ApiKey,
        };
        _app = ServiceHost.Build(options, _loggers, _demo, _subscriptionClock, _configureSilo);
        await _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Http.BaseAddress = new Uri($"http://127.0.0.1:{options.HttpPort}/");
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }

        _loggers.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
