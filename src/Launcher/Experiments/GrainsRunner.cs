using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol.Simulation;
using AutoMon.Silos.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using GrainsPacing = AutoMon.Grains.Experiments.Pacing;

namespace AutoMon.Launcher.Experiments;

/// <summary>
/// The Orleans engine: an all-in-one silo embedded in the launcher process (localhost clustering on free loopback ports,
/// started on first use and stopped on dispose) hosts the coordinator grain and the node grains, and the grains'
/// <see cref="ExperimentDriver"/> runs each experiment on them. Lockstep runs equal the in-process simulation exactly;
/// paced runs put every node on its own timer, with the given latencies.
/// </summary>
internal sealed class GrainsRunner : IExperimentRunner, IAsyncDisposable
{
    public const string Name = "grains";

    /// <summary>Paced: time between two data updates of a node when no --round-interval is given (the driver's default).</summary>
    public static readonly TimeSpan DefaultRoundInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a grain call may take in the embedded silo.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromHours(2);

    private readonly SemaphoreSlim _start = new(1, 1);
    private IHost? _host;
    private int _experiments;

    public string Engine => Name;

    public void Validate(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Mode == ExperimentMode.Centralization)
        {
            throw new ArgumentException("The grains engine runs AutoMon only; --centralized runs on --engine simulation.");
        }

        ToConfig(spec).ThrowIfInvalid();
    }

    public async Task<ExperimentResult> RunAsync(ExperimentSpec spec, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        Validate(spec);
        var grains = await StartAsync(cancellationToken).ConfigureAwait(false);
        var config = ToConfig(spec);
        var driver = new ExperimentDriver(grains, new ExperimentDriverOptions { CheckpointInterval = CheckpointInterval(spec, config) });
        var id = string.Create(CultureInfo.InvariantCulture,
            $"{spec.NodeType}-{spec.ErrorBound:R}-{Interlocked.Increment(ref _experiments)}-{Guid.NewGuid():N}");

        AutoMon.Grains.Experiments.ExperimentResult result;
        if (config.Pacing == GrainsPacing.Paced)
        {
            progress?.Report(new ExperimentProgress(0, 1, "paced"));
            result = await driver.RunPacedAsync(id, config, spec.Data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var run = await driver.StartLockstepAsync(id, config, spec.Data, cancellationToken).ConfigureAwait(false);

            // Rounds in slices of about 1 %, so the progress bar moves.
            var slice = Math.Max(1, run.TotalRounds / 100);
            while (!run.IsComplete)
            {
                await run.RunRoundsAsync(slice, cancellationToken).ConfigureAwait(false);
                progress?.Report(new ExperimentProgress(run.RoundsClosed, run.TotalRounds, "lockstep"));
            }

            result = await run.ResultAsync().ConfigureAwait(false);
        }

        return ExperimentResult.ForAutoMon(Engine, result.Summary, new WireTraffic(result.Wire.Messages, result.Wire.TotalBytes));
    }

    /// <summary>
    /// Paced: sample f(x̄) against the estimate about 20 times over the run (each checkpoint pauses the nodes), so
    /// function_values.csv has a curve; null for lockstep, which has every round.
    /// </summary>
    internal static TimeSpan? CheckpointInterval(ExperimentSpec spec, ExperimentConfig config)
    {
        if (config.Pacing != GrainsPacing.Paced)
        {
            return null;
        }

        var monitoring = spec.Data.RowCount - spec.Data.TuningRowCount;
        var updatesPerNode = Math.Max(1, (monitoring / spec.Data.NodeCount) - spec.WindowSize);
        var duration = config.RoundInterval * updatesPerNode;
        return duration / 20 > TimeSpan.FromMilliseconds(200) ? duration / 20 : null;
    }

    /// <summary>The grains' experiment settings for <paramref name="spec"/>.</summary>
    internal static ExperimentConfig ToConfig(ExperimentSpec spec)
    {
        var recipe = spec.Recipe;
        var h = recipe.Options.HMatrix;
        var network = spec.Network;
        return new ExperimentConfig
        {
            Function = new FunctionSpec
            {
                Name = recipe.Name,
                Dimension = spec.Function.Dimension,
                Seed = recipe.Options.Seed,
                HMatrix = h is null ? [] : [.. h.Cast<double>()],
                HMatrixPath = recipe.Options.HMatrixPath,
                WeightsPath = recipe.Options.WeightsPath,
            },
            NodeCount = spec.Data.NodeCount,
            StreamKind = spec.StreamKind,
            WindowSize = spec.WindowSize,
            ErrorBound = spec.ErrorBound,
            NeighborhoodSize = spec.NeighborhoodSize,
            SingleSampleRounds = spec.SingleSampleRounds,
            Pacing = network.Pacing == Pacing.Paced ? GrainsPacing.Paced : GrainsPacing.Lockstep,
            RoundInterval = network.RoundInterval ?? DefaultRoundInterval,
            LazySyncLatency = network.LazySyncLatency ?? TimeSpan.Zero,
            FullSyncLatency = network.FullSyncLatency ?? TimeSpan.Zero,
            WanLatency = network.WanLatency ?? TimeSpan.Zero,
        };
    }

    private async Task<IGrainFactory> StartAsync(CancellationToken cancellationToken)
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
                    SiloPort = FreePort(),
                    GatewayPort = FreePort(),
                    ClusterId = "automon-launcher-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                };
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });

                // The console belongs to the progress display; the silo speaks only when something is wrong.
                builder.Logging.ClearProviders();
                builder.Logging.SetMinimumLevel(LogLevel.None);
                builder.UseOrleans(silo =>
                {
                    SiloHostBuilder.Configure(silo, options);

                    // A lockstep step that ends in a full sync runs ADCD-X at the coordinator: seconds for the DNN, more on a
                    // busy machine. Orleans' default 30 s response timeout would fail the experiment; a local run waits
                    // (Ctrl+C still cancels).
                    silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = ResponseTimeout);
                });
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
