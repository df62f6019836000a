using System.Globalization;
using System.Net;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Local;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AutoMon.Launcher.Cluster;

/// <summary>
/// An all-in-one silo in the launcher's process (localhost clustering on free loopback ports), started on first use and
/// stopped on dispose: the default home of the grains engine. Silent, unless given a <paramref name="log"/> (the launcher's
/// <c>--verbose</c>): then AutoMon's messages from Information and everyone else's (Orleans) from Warning go there.
/// </summary>
internal sealed class EmbeddedSilo(TextWriter? log = null) : IGrainHost
{
    private readonly SemaphoreSlim _start = new(1, 1);
    private IHost? _host;

    public string Description => "an embedded all-in-one silo";

    public async Task<IGrainFactory> StartAsync(CancellationToken cancellationToken)
    {
        await _start.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_host is null)
            {
                var options = new SiloHostOptions
                {
                    Role = SiloRole.AllInOne,
                    Membership = MembershipKind.Localhost,
                    Address = IPAddress.Loopback,
                    SiloPort = LocalDynamoDB.FreePort(),
                    GatewayPort = LocalDynamoDB.FreePort(),
                    ClusterId = "automon-launcher-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                    // A lockstep step that ends in a full sync runs ADCD-X at the coordinator: seconds for the DNN, more on a busy
                    // machine. Orleans' default 30 s would fail the experiment; a local run waits (Ctrl+C still cancels).
                    ResponseTimeout = LocalSiloCluster.ResponseTimeout,
                };
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });

                // The console belongs to the progress display; the silo speaks only when asked to.
                builder.Logging.ClearProviders();
                if (log is null)
                {
                    builder.Logging.SetMinimumLevel(LogLevel.None);
                }
                else
                {
                    builder.Logging.SetMinimumLevel(LogLevel.Warning);
                    builder.Logging.AddFilter("AutoMon", LogLevel.Information);
                    builder.Logging.AddProvider(new WriterLoggerProvider(log));
                }

                // Its own cluster on ports nobody else is told of: Orleans' default directory (SiloHostBuilder.Configure).
                builder.UseOrleans(silo => SiloHostBuilder.Configure(silo, options, alone: true));
                var host = builder.Build();
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
                _host = host;
            }

            return _host.Services.GetRequiredService<IGrainFactory>();
        }
        finally
        {
            _start.Release();
        }
    }

    /// <summary>The started silo's services (for tests).</summary>
    internal IServiceProvider Services => _host?.Services ?? throw new InvalidOperationException("The embedded silo has not started.");

    public string? Diagnose() => null;

    public async ValueTask DisposeAsync()
    {
        if (_host is { } host)
        {
            _host = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await host.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping took too long; the process is ending anyway.
            }

            host.Dispose();
        }

        _start.Dispose();
    }
}
