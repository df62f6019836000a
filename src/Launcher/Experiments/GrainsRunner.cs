using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;
using AutoMon.Launcher.Cluster;
using GrainsPacing = AutoMon.Grains.Experiments.Pacing;

namespace AutoMon.Launcher.Experiments;

/// <summary>
/// The Orleans engine: the coordinator grain and the node grains, on an all-in-one silo embedded in the launcher process
/// (the default) or on a local multi-process cluster (<c>--silos K</c>), and the grains' <see cref="ExperimentDriver"/>
/// runs each experiment on them. Lockstep runs equal the in-process simulation exactly; paced runs put every node on its
/// own timer, with the given latencies.
/// </summary>
internal sealed class GrainsRunner(IGrainHost host, FaultInjection? injection = null) : IExperimentRunner, IAsyncDisposable
{
    public const string Name = "grains";

    /// <summary>Paced: time between two data updates of a node when no --round-interval is given (the driver's default).</summary>
    public static readonly TimeSpan DefaultRoundInterval = TimeSpan.FromMilliseconds(100);

    private readonly IGrainHost _host = host ?? throw new ArgumentNullException(nameof(host));
    private int _experiments;
    private int _injected;

    /// <summary>The engine on an embedded all-in-one silo; its log goes to <paramref name="siloLog"/> when given (else nowhere).</summary>
    public GrainsRunner(TextWriter? siloLog = null)
        : this(new EmbeddedSilo(siloLog))
    {
    }

    public string Engine => Name;

    public string Description => $"{Name} on {_host.Description}";

    public void Validate(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Mode == ExperimentMode.Centralization)
        {
            throw new ArgumentException("The grains engine runs AutoMon only; --centralized runs on --engine simulation.");
        }

        if (spec.Adaptive)
        {
            throw new ArgumentException("--adaptive runs on --engine simulation (and simulate) only; the grains engine does not support it.");
        }

        if (spec.Protocol != MonitoringProtocol.AutoMon)
        {
            throw new ArgumentException($"--protocol {spec.Protocol.Name()} runs on --engine simulation (and simulate) only; the grains engine runs AutoMon.");
        }

        ToConfig(spec).ThrowIfInvalid();
    }

    public async Task<ExperimentResult> RunAsync(ExperimentSpec spec, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        Validate(spec);
        var grains = await _host.StartAsync(cancellationToken).ConfigureAwait(false);
        var config = ToConfig(spec);
        try
        {
            AutoMon.Grains.Experiments.ExperimentResult result;
            IReadOnlyList<SiloFault> faults = [];
            if (config.Pacing == GrainsPacing.Lockstep && _host is ISiloFaults silos)
            {
                (result, faults) = await new LockstepRecovery(grains, silos, NextId(spec), TakeInjection()).RunAsync(spec, config, progress, cancellationToken)
                    .ConfigureAwait(false);
            }
            else if (_host is ISiloFaults pacedSilos)
            {
                var options = new ExperimentDriverOptions { CheckpointInterval = CheckpointInterval(spec, config) };
                progress?.Report(new ExperimentProgress(0, 1, "paced"));
                (result, faults) = await new PacedFaultWatch(pacedSilos, TakeInjection()).RunAsync(
                    (options, token) => new ExperimentDriver(grains, options).RunPacedAsync(NextId(spec)(), config, spec.Data, token), options, cancellationToken)
                    .ConfigureAwait(false);
            }
            else
            {
                var driver = new ExperimentDriver(grains, new ExperimentDriverOptions { CheckpointInterval = CheckpointInterval(spec, config) });
                result = await RunOnAsync(driver, NextId(spec)(), spec, config, progress, cancellationToken).ConfigureAwait(false);
            }

            if (faults.Count == 0)
            {
                await ReleaseAsync(grains, result.ExperimentId, config.NodeCount).ConfigureAwait(false);
            }

            var placement = new GrainPlacement(result.Coordinator.Silo, result.NodesPerSilo);
            return ExperimentResult.ForAutoMon(Engine, result.Summary, new WireTraffic(result.Wire.Messages, result.Wire.TotalBytes), placement, result.Paced,
                faults);
        }
        catch (Exception e) when (e is not OperationCanceledException and not SiloLossException && _host.Diagnose() is { } cause)
        {
            // A silo process died under the run: say which and why, rather than the grain call's timeout or broken link.
            throw new InvalidOperationException(cause, e);
        }
    }

    // A finished run's grains would otherwise stay (for a week) beside the next run's: a sweep of 10,000-node runs on the
    // embedded silo held every earlier run's windows and nodes (977 MB after four instead of 470). Only after a run without
    // a silo loss: after one, the cluster's directory is still settling. The results are collected by now, so a release
    // that fails loses nothing and does not fail the run.
    private static async Task ReleaseAsync(IGrainFactory grains, string experimentId, int nodeCount)
    {
        try
        {
            await new ExperimentDriver(grains).ReleaseAsync(experimentId, nodeCount).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
        }
    }

    // Every attempt of a run gets fresh grains: a replay never meets the state of the attempt it replaces.
    private Func<string> NextId(ExperimentSpec spec) => () => string.Create(CultureInfo.InvariantCulture,
        $"{spec.NodeType}-{spec.ErrorBound:R}-{Interlocked.Increment(ref _experiments)}-{Guid.NewGuid():N}");

    // --inject-fault applies once per launch: to the first run that reaches its round.
    private FaultInjection? TakeInjection() => injection is not null && Interlocked.Exchange(ref _injected, 1) == 0 ? injection : null;

    private static async Task<AutoMon.Grains.Experiments.ExperimentResult> RunOnAsync(ExperimentDriver driver, string id, ExperimentSpec spec,
        ExperimentConfig config, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        AutoMon.Grains.Experiments.ExperimentResult result;
        if (config.Pacing == GrainsPacing.Paced)
        {
            progress?.Report(new ExperimentProgress(0, 1, "paced"));
            result = await driver.RunPacedAsync(id, config, spec.Data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var run = await driver.StartLockstepAsync(id, config, spec.Data, cancellationToken).ConfigureAwait(false);

            await run.RunToEndAsync(r => progress?.Report(new ExperimentProgress(r.RoundsClosed, r.TotalRounds, "lockstep")),
                cancellationToken: cancellationToken).ConfigureAwait(false);

            result = await run.ResultAsync().ConfigureAwait(false);
        }

        return result;
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
        var network = spec.Network;
        return new ExperimentConfig
        {
            Function = spec.Recipe,
            NodeCount = spec.Data.NodeCount,
            StreamKind = spec.StreamKind,
            WindowSize = spec.WindowSize,
            ErrorBound = spec.ErrorBound,
            NeighborhoodSize = spec.NeighborhoodSize,
            SingleSampleRounds = spec.SingleSampleRounds,
            SlackType = spec.Slack,
            SyncType = spec.Sync,
            Pacing = network.Pacing,
            RoundInterval = network.RoundInterval ?? DefaultRoundInterval,
            LazySyncLatency = network.LazySyncLatency ?? TimeSpan.Zero,
            FullSyncLatency = network.FullSyncLatency ?? TimeSpan.Zero,
            WanLatency = network.WanLatency ?? TimeSpan.Zero,
        };
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
