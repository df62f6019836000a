using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Monitors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Messaging;

namespace AutoMon.Client;

/// <summary>
/// The .NET client of the monitoring service (docs/service.md, "From .NET"): create, read and delete monitors, push points
/// to their nodes and watch their estimates, over an Orleans client connected to the silos' gateways. It calls the same
/// grains as the HTTP API and answers the same way (exceptions instead of problem details).
/// </summary>
public sealed class AutoMonClient : IAsyncDisposable
{
    private readonly IHost? _host;
    private readonly X509Certificate2? _ownedCertificate;
    private readonly IGrainFactory _grains;
    private readonly TimeSpan _pushRetryTimeout;
    private readonly ConcurrentDictionary<(string Monitor, string Node), MonitorNode> _nodes = new();

    /// <summary>A client over an existing grain factory (a silo's, or an Orleans client the application already runs).</summary>
    public AutoMonClient(IGrainFactory grains, TimeSpan? pushRetryTimeout = null)
        : this(null, grains, pushRetryTimeout ?? new AutoMonClientOptions().PushRetryTimeout)
    {
    }

    private AutoMonClient(IHost? host, IGrainFactory grains, TimeSpan pushRetryTimeout, X509Certificate2? ownedCertificate = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _host = host;
        _ownedCertificate = ownedCertificate;
        _grains = grains;
        _pushRetryTimeout = pushRetryTimeout;
    }

    /// <summary>The grain factory underneath, for an application that also calls grains (e.g. Orleans' management grain).</summary>
    public IGrainFactory Grains => _grains;

    /// <summary>Connects to the silos' gateways (<see cref="AutoMonClientOptions"/>); dispose the client to disconnect.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names each option), or the certificate file cannot be read.</exception>
    /// <exception cref="ConnectionFailedException">
    /// No gateway accepted the connection: none listens there, or the cluster uses TLS and this client holds no certificate
    /// or another one (the message says which it may be).
    /// </exception>
    public static async Task<AutoMonClient> ConnectAsync(AutoMonClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid AutoMon client options: " + string.Join("; ", problems), nameof(options));
        }

        var owned = options.TlsCertificateFile is { } file
            ? ClusterCertificate.Load(file, options.TlsCertificatePassword, nameof(AutoMonClientOptions.TlsCertificateFile))
            : null;
        var certificate = options.TlsCertificate ?? owned;
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.UseStaticClustering([.. options.Gateways]);
                client.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = options.ClusterId;
                    cluster.ServiceId = options.ServiceId;
                });
                if (certificate is not null)
                {
                    client.UseTls(certificate, tls => ClusterCertificate.Configure(tls, certificate));
                }
            })
            .Build();
        var gateways = string.Join(", ", options.Gateways);
        var tls = certificate is null
            ? "If the silos use TLS (--tls-certificate), set TlsCertificate or TlsCertificateFile to their certificate"
            : "Check that the silos use TLS with this same certificate (--tls-certificate)";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = host.StartAsync(timeout.Token);
        try
        {
            await start.WaitAsync(options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Stop the start still under way (bounded), then release everything.
            await timeout.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            host.Dispose();
            owned?.Dispose();
            if (e is TimeoutException)
            {
                throw new ConnectionFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"Could not connect to the AutoMon gateways {gateways} within {options.ConnectTimeout.TotalSeconds:0.#} s (ConnectTimeout). Are the silos running? {tls}."), e);
            }

            if (e is OperationCanceledException)
            {
                throw;
            }

            throw new ConnectionFailedException($"Could not connect to the AutoMon gateways {gateways}: {e.Message.ReplaceLineEndings(" ")} Are the silos running? {tls}.", e);
        }

        return new AutoMonClient(host, host.Services.GetRequiredService<IClusterClient>(), options.PushRetryTimeout, owned);
    }

    /// <summary>Creates a monitor; returns it as <see cref="GetMonitorAsync"/> shows it.</summary>
    /// <exception cref="InvalidMonitorException">The definition is invalid (<see cref="InvalidMonitorException.Errors"/> names each field).</exception>
    /// <exception cref="InvalidOperationException">A monitor with this id exists.</exception>
    public async Task<MonitorSnapshot> CreateMonitorAsync(MonitorDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var config = definition.ToConfig(out var errors);
        if (config is null)
        {
            throw new InvalidMonitorException(errors.AsReadOnly());
        }

        var monitor = _grains.GetGrain<IMonitorGrain>(config.Id);
        if (!await monitor.Create(config).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"A monitor with id '{config.Id}' exists; delete it first or choose another id.");
        }

        Forget(config.Id);

        return await monitor.GetSnapshot().ConfigureAwait(false) ?? throw new MonitorNotFoundException(config.Id, null);
    }

    /// <summary>The monitor's estimate and counters; null when there is no such monitor.</summary>
    public async Task<MonitorSnapshot?> GetMonitorAsync(string id) =>
        MonitorKeys.IsValidName(id) ? await _grains.GetGrain<IMonitorGrain>(id).GetSnapshot().ConfigureAwait(false) : null;

    /// <summary>Deletes the monitor (its nodes forget their points; the id is free again); false when there was none.</summary>
    public async Task<bool> DeleteMonitorAsync(string id)
    {
        Forget(id);
        return MonitorKeys.IsValidName(id) && await _grains.GetGrain<IMonitorGrain>(id).Delete().ConfigureAwait(false);
    }

    // The producers' positions in a monitor's node streams end with the monitor.
    private void Forget(string? monitor)
    {
        foreach (var key in _nodes.Keys.Where(k => k.Monitor == monitor))
        {
            _nodes.TryRemove(key, out _);
        }
    }

    /// <summary>Node <paramref name="node"/> of monitor <paramref name="monitor"/>, to push points to (the same object
    /// for the same names: it holds the producer's position and the points the node has not yet stored).</summary>
    public MonitorNode Node(string monitor, string node)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(node);
        return _nodes.GetOrAdd((monitor, node), key => new MonitorNode(_grains, key.Monitor, key.Node, _pushRetryTimeout));
    }

    /// <summary>
    /// The monitor's estimates: its current state first, then one state per full sync (each sets the estimate again), in
    /// the order the monitor published them even when notifications arrive out of order (one missing for 2 s
    /// is given up); lazy syncs alone give none. The client
    /// subscribes a grain observer to the monitor (renewed every <see cref="MonitorSubscription.Renewal"/>), so no sync is
    /// lost between two reads; a consumer more than <see cref="WatchBufferCapacity"/> states behind loses the oldest pending ones, never
    /// the newest. The stream ends when the monitor is deleted (after the states still pending); stopping the enumeration
    /// (break, dispose or <paramref name="cancellationToken"/>, which throws <see cref="OperationCanceledException"/>)
    /// ends the subscription.
    /// </summary>
    /// <exception cref="MonitorNotFoundException">There is no such monitor when the stream starts.</exception>
    public async IAsyncEnumerable<MonitorState> WatchAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!MonitorKeys.IsValidName(id))
        {
            throw new MonitorNotFoundException(id, null);
        }

        var monitor = _grains.GetGrain<IMonitorGrain>(id);
        var watcher = new MonitorWatcher(WatchBufferCapacity);
        var observer = _grains.CreateObjectReference<IMonitorObserver>(watcher);
        MonitorSnapshot? snapshot;
        try
        {
            snapshot = await monitor.Subscribe(observer).ConfigureAwait(false);
        }
        catch
        {
            _grains.DeleteObjectReference<IMonitorObserver>(observer);
            throw;
        }

        if (snapshot is null)
        {
            _grains.DeleteObjectReference<IMonitorObserver>(observer);
            throw new MonitorNotFoundException(id, null);
        }

        try
        {
            watcher.Start(snapshot);
            yield return MonitorState.From(snapshot);
            var renewal = DateTime.UtcNow + MonitorSubscription.Renewal;
            while (true)
            {
                if (DateTime.UtcNow >= renewal)
                {
                    // Renew by the clock (a busy monitor's events do not renew the subscription). No monitor any more:
                    // the stream ends after the states still pending.
                    renewal = DateTime.UtcNow + MonitorSubscription.Renewal;
                    if (await monitor.Subscribe(observer).ConfigureAwait(false) is null)
                    {
                        watcher.Gone();
                    }
                }

                var (state, deleted) = await watcher.ReadAsync(renewal - DateTime.UtcNow, cancellationToken).ConfigureAwait(false);
                if (deleted)
                {
                    yield break;
                }

                if (state is not null)
                {
                    yield return state;
                }
            }
        }
        finally
        {
            // Unsubscribe before the reference goes, so that the coordinator stops notifying it at once; a failure here
            // (the cluster is gone) only leaves a subscription that lapses by itself.
            try
            {
                await monitor.Unsubscribe(observer).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
            }

            _grains.DeleteObjectReference<IMonitorObserver>(observer);
            GC.KeepAlive(watcher);
        }
    }

    /// <summary>How many states a <see cref="WatchAsync"/> consumer may fall behind before the oldest pending one is dropped.</summary>
    public const int WatchBufferCapacity = 1024;

    /// <summary>Disconnects (a client over an existing grain factory has nothing to close).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            try
            {
                await _host.StopAsync().ConfigureAwait(false);
            }
            finally
            {
                _host.Dispose();
                _ownedCertificate?.Dispose();
            }
        }
    }
}
