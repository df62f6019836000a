using AutoMon.Grains.Monitors;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AutoMon.Silos.Service.Demo;

/// <summary>
/// The demo's synthetic producer (<c>serve --demo</c>, docs/service.md). Starting, it creates the monitor
/// <see cref="DemoMonitor.Id"/> (the service's host starts it after the silo, so the monitor exists once the host has
/// started); then every <see cref="DemoOptions.Interval"/> it pushes one point of <see cref="DemoMonitor.Point"/> to each
/// node through <see cref="IMonitorNodeGrain.Push"/>, the API's path, and, once all the pushes returned, computes the true
/// f(x̄) from its own copy of every node's window and publishes it with the monitor's state to the
/// <see cref="MonitorTruthFeed"/>. It runs until the host stops.
/// </summary>
/// <remarks>
/// The producer owns the demo monitor's data: when the monitor exists already at start, it leaves it alone and does not run;
/// when a user deletes it (a push answers "unknown node") or pushes to it (the monitor counts points the producer did not
/// send, so f(x̄) is no longer known), it says so in the log and stops. Restart the service to get the demo back.
/// </remarks>
public sealed partial class DemoProducer(IGrainFactory grains, MonitorTruthFeed truths, DemoOptions options, ILogger<DemoProducer> logger)
    : BackgroundService
{
    private MonitorConfig? _config;
    private long _rounds;

    /// <summary>Rounds completed (every node took its point and the truth was published).</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Creates the demo monitor, then starts the rounds.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var config = DemoMonitor.Definition.ToConfig(out var errors)
            ?? throw new InvalidOperationException("The demo monitor's definition is invalid: " + string.Join("; ", errors.SelectMany(e => e.Value)));
        if (await grains.GetGrain<IMonitorGrain>(config.Id).Create(config).WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            _config = config;
            LogCreated(logger, config.Id, DemoMonitor.Formula, config.Nodes.Length, config.Run.WindowSize, config.Run.ErrorBound, options.Interval.TotalMilliseconds);
        }
        else
        {
            LogExists(logger, config.Id);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_config is not { } config)
        {
            return;
        }

        try
        {
            await RunAsync(config, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
#pragma warning disable CA1031 // A failing demo must not take the service down with it: say why and stop.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogFailed(logger, exception, config.Id);
            return;
        }

        LogStopped(logger, config.Id, Rounds);
    }

    private async Task RunAsync(MonitorConfig config, CancellationToken stoppingToken)
    {
        // f as the monitor's grains build it, from the monitor's own definition; windows as its node grains keep them.
        var f = config.Run.Function.Create().Function;
        var monitor = grains.GetGrain<IMonitorGrain>(config.Id);
        var nodes = config.Nodes.Select(name => grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(config.Id, name))).ToArray();
        var windows = config.Nodes.Select(_ => LocalVectorStreams.Create(StreamKind.WindowedAverage, config.Dimension, config.Run.WindowSize)).ToArray();
        var mean = new double[config.Dimension];
        using var timer = new PeriodicTimer(options.Interval);
        for (long step = 0; !stoppingToken.IsCancellationRequested; step++)
        {
            // One point per node, pushed concurrently; a round ends when every push has returned, violations resolved.
            var points = Enumerable.Range(0, nodes.Length).Select(i => DemoMonitor.Point(options.Seed, i, step)).ToArray();
            var results = await Task.WhenAll(nodes.Select((node, i) => node.Push(new PointBatch([[.. points[i]]])))).ConfigureAwait(false);
            if (results.Any(r => r.Status != PushStatus.Accepted))
            {
                LogDeleted(logger, config.Id);
                return;
            }

            for (var i = 0; i < windows.Length; i++)
            {
                windows[i].Update(points[i]);
            }

            // No push of ours is in flight: this state is within ε of f(x̄), unless someone else pushed.
            var snapshot = await monitor.GetSnapshot().ConfigureAwait(false);
            var expected = (step + 1) * nodes.Length;
            if (snapshot is null)
            {
                LogDeleted(logger, config.Id);
                return;
            }

            if (snapshot.Updates != expected)
            {
                LogForeignPoints(logger, config.Id, snapshot.Updates, expected);
                return;
            }

            LocalVectorStreams.Average(windows, mean);
            truths.Publish(new MonitorTruth(snapshot, f.Value(mean)));
            Interlocked.Increment(ref _rounds);
            await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Demo monitor {Monitor} created: f = {Formula}, {Nodes} nodes, window {Window}, ε = {ErrorBound}; each node takes a point every {IntervalMs} ms")]
    private static partial void LogCreated(ILogger logger, string monitor, string formula, int nodes, int window, double errorBound, double intervalMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A monitor '{Monitor}' exists already: the demo producer leaves it alone and does not run")]
    private static partial void LogExists(ILogger logger, string monitor);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The demo monitor '{Monitor}' was deleted: the demo producer stops (restart serve --demo to get it back)")]
    private static partial void LogDeleted(ILogger logger, string monitor);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The demo monitor '{Monitor}' took points the demo producer did not send ({Updates} updates, {Expected} sent): its true value is unknown, so the demo producer stops")]
    private static partial void LogForeignPoints(ILogger logger, string monitor, long updates, long expected);

    [LoggerMessage(Level = LogLevel.Error, Message = "The demo producer of monitor '{Monitor}' failed and stops")]
    private static partial void LogFailed(ILogger logger, Exception exception, string monitor);

    [LoggerMessage(Level = LogLevel.Information, Message = "The demo producer of monitor '{Monitor}' stopped after {Rounds} rounds")]
    private static partial void LogStopped(ILogger logger, string monitor, long rounds);
}
