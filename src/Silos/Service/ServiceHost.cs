using AutoMon.Grains.Monitors;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Service.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace AutoMon.Silos.Service;

/// <summary>
/// A silo that also serves the monitoring service's HTTP API (docs/service.md): one process, one ASP.NET Core host with
/// Orleans in it (<c>UseOrleans</c> with <see cref="SiloHostBuilder.Configure"/>), the API's handlers on the silo's own
/// grain factory. The API listens on <see cref="SiloHostOptions.Address"/>:<see cref="SiloHostOptions.HttpPort"/> and
/// requires the options' API key (<see cref="SiloHostOptions.ReadApiKey"/>, <see cref="ApiKeyAuthentication"/>) unless
/// <see cref="SiloHostOptions.NoAuth"/>.
/// </summary>
public static class ServiceHost
{
    /// <summary>The largest request body the API reads (1 MiB); a larger one is answered 413.</summary>
    public const long MaxRequestBodyBytes = 1 << 20;

    /// <summary>The meter the monitor grains count on, served at <c>/metrics</c>.</summary>
    public const string MeterName = "AutoMon";

    /// <summary>The web host of a silo with the API, logging to the console as silos do.</summary>
    public static WebApplication Build(SiloHostOptions options) => Build(options, null);

    /// <summary>
    /// The web host of a silo with the API, logging through <paramref name="loggers"/> (owned by the caller; null: the
    /// silo host's console logging).
    /// </summary>
    public static WebApplication Build(SiloHostOptions options, ILoggerFactory? loggers) => Build(options, loggers, null);

    /// <summary>
    /// The web host of a silo with the API, and with <paramref name="demo"/> the demo monitor and its producer
    /// (<see cref="DemoProducer"/>, <c>serve --demo</c>); null: no demo.
    /// </summary>
    public static WebApplication Build(SiloHostOptions options, ILoggerFactory? loggers, DemoOptions? demo) =>
        Build(options, loggers, demo, null);

    /// <summary>As <see cref="Build(SiloHostOptions, ILoggerFactory?, DemoOptions?)"/>, with <paramref name="subscriptionClock"/>
    /// timing the monitors' subscriptions (<see cref="MonitorSubscription.ClockKey"/>; tests); null: the system clock.</summary>
    internal static WebApplication Build(SiloHostOptions options, ILoggerFactory? loggers, DemoOptions? demo, TimeProvider? subscriptionClock) =>
        Build(options, loggers, demo, subscriptionClock, null);

    /// <summary>As above, with <paramref name="configureSilo"/> run on the silo after its own configuration (tests).</summary>
    internal static WebApplication Build(
        SiloHostOptions options, ILoggerFactory? loggers, DemoOptions? demo, TimeProvider? subscriptionClock, Action<ISiloBuilder>? configureSilo)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.HttpPort is not { } port)
        {
            throw new ArgumentException("--http-port is required to serve the HTTP API.", nameof(options));
        }

        // The key the API requires; null only with NoAuth. Missing or unfit: the silo does not start (naming the settings).
        var apiKey = options.ReadApiKey();

        // No content root files and nothing watched: the silo's settings are the only configuration.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = SiloHostBuilder.HostArguments, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (loggers is null)
        {
            builder.Logging.AddSiloConsole(options.LogFormat);
        }
        else
        {
            // Registered as an instance, so the host uses it without disposing it.
            builder.Services.AddSingleton(loggers);
        }

        builder.UseOrleans(silo =>
        {
            SiloHostBuilder.Configure(silo, options);
            configureSilo?.Invoke(silo);
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Address, port);
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });
        builder.Services.AddProblemDetails();
        if (apiKey is not null)
        {
            builder.Services.AddApiKeyAuthentication(apiKey);
        }

        builder.Services.AddSingleton<MonitorTruthFeed>();
        if (subscriptionClock is not null)
        {
            builder.Services.AddKeyedSingleton(MonitorSubscription.ClockKey, subscriptionClock);
        }
        if (demo is not null)
        {
            // Registered after UseOrleans: started after the silo, stopped before it.
            builder.Services.AddSingleton(demo);
            builder.Services.AddHostedService<DemoProducer>();
        }

        // GET /metrics: the grains' AutoMon meter as Prometheus text, read at each scrape (no cached answer).
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(MeterName)
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // The page's files hold no data: public (served before authentication). The API and /metrics require the key when
        // there is one.
        app.UseLivePage();
        if (apiKey is not null)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        var api = app.MapMonitorApi();
        var metrics = app.MapPrometheusScrapingEndpoint();
        if (apiKey is not null)
        {
            api.RequireAuthorization();
            metrics.RequireAuthorization();
        }

        return app;
    }
}
