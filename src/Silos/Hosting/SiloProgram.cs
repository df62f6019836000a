using System.CommandLine;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Hosting;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace AutoMon.Silos.Hosting;

/// <summary>Entry point of <c>AutoMon.Silos</c>: parse the command line, run one silo until stopped.</summary>
public static partial class SiloProgram
{
    /// <summary>How long a silo whose supervisor closed its standard input may take to stop gracefully.</summary>
    private static readonly TimeSpan SupervisorGoneGrace = TimeSpan.FromSeconds(20);

    // The generic host handles Ctrl+C and SIGTERM (graceful silo shutdown); System.CommandLine must not race it.
    public static Task<int> RunAsync(string[] args) =>
        SiloCommandLine.Create(RunSiloAsync).Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

    /// <summary>Runs a silo with <paramref name="options"/> until Ctrl+C, SIGTERM or (if asked) end of standard input.</summary>
    public static async Task<int> RunSiloAsync(SiloHostOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);

        // One logger factory for the whole run (before, during and after the host), disposed last: that writes out its queue.
        using var loggers = SiloLogging.CreateLoggerFactory(options.LogFormat);
        var log = loggers.CreateLogger(typeof(SiloProgram));

        // An experiment that cannot run (unknown workload, settings that do not fit it, data missing) fails before the silo starts.
        (ExperimentConfig Config, DataSet Data)? experiment = null;
        string? downloaded = null;
        if (options.TlsCertificateS3 is { } certificateSource)
        {
            // The cluster's key first: without it this silo could not join (or, for a coordinator, report its failure to nobody).
            downloaded = Path.Combine(Path.GetTempPath(), "automon-data-" + Guid.NewGuid().ToString("N"));
            try
            {
                var files = await S3DataDownloader.DownloadAsync(certificateSource, Path.Combine(downloaded, "tls"),
                    "certificate", "the launcher uploads the experiment's there unless --no-tls", cancellationToken).ConfigureAwait(false);
                var pfx = files.Where(f => f.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase)).ToList();
                if (pfx.Count != 1)
                {
                    throw new IOException($"it must hold exactly one .pfx; it holds {pfx.Count}");
                }

                LogCertificateDownloaded(log, certificateSource.Uri);
                options.TlsCertificate = pfx[0];
                options.TlsCertificateS3Uri = options.TlsCertificateS3Region = options.TlsCertificateS3ServiceUrl = null;
            }
            catch (IOException exception)
            {
                DeleteFolder(downloaded);
                return await NotStartedAsync(options, $"--tls-certificate-s3-uri {certificateSource.Uri}: {exception.Message}", loggers).ConfigureAwait(false);
            }
        }

        if (options.Experiment is { } request)
        {
            try
            {
                if (request.DataS3 is { } source)
                {
                    // Only this coordinator reads the data: the driver hands every node grain its rows.
                    downloaded ??= Path.Combine(Path.GetTempPath(), "automon-data-" + Guid.NewGuid().ToString("N"));
                    var files = await S3DataDownloader.DownloadAsync(source, Path.Combine(downloaded, "downloaded-data"), cancellationToken).ConfigureAwait(false);
                    LogDataDownloaded(log, files.Count, source.Uri);
                    request = request.WithDownloadedData(Path.Combine(downloaded, "downloaded-data"));
                    options.Experiment = request;
                }

                if (request.WeightsS3 is { } weightsSource)
                {
                    // Into the one temporary folder deleted when the run ends (beside the data, when there is any).
                    downloaded ??= Path.Combine(Path.GetTempPath(), "automon-data-" + Guid.NewGuid().ToString("N"));
                    var files = await S3DataDownloader.DownloadAsync(weightsSource, Path.Combine(downloaded, "downloaded-weights"), cancellationToken)
                        .ConfigureAwait(false);
                    var npz = files.Where(f => f.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)).ToList();
                    if (npz.Count != 1)
                    {
                        throw new IOException($"{weightsSource.Uri} must hold exactly one .npz (the launcher's upload of --weights); it holds {npz.Count}.");
                    }

                    LogWeightsDownloaded(log, Path.GetFileName(npz[0]), weightsSource.Uri);
                    request = request.WithDownloadedWeights(npz[0]);
                    options.Experiment = request;
                }

                experiment = request.Build();
            }
            catch (Exception exception) when (exception is ArgumentException or IOException or DataFormatException or InvalidDataException)
            {
                DeleteFolder(downloaded);
                return await ExperimentRunner.FailAsync(request, $"experiment failed: {exception.Message}", loggers.CreateLogger(typeof(ExperimentRunner)))
                    .ConfigureAwait(false);
            }
        }

        try
        {
            return await RunStartedAsync(options, experiment, loggers, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            DeleteFolder(downloaded);
        }
    }

    private static void DeleteFolder(string? folder)
    {
        if (folder is not null && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> RunStartedAsync(
        SiloHostOptions options, (ExperimentConfig Config, DataSet Data)? experiment, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger(typeof(SiloProgram));

        // The max run time bounds everything, starting the silo included.
        var stopRequested = cancellationToken;
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.MaxRunTime is { } limit)
        {
            run.CancelAfter(limit);
        }

        cancellationToken = run.Token;
        // Ports taken or an endpoint that refuses: one line naming them, before Orleans starts and logs its lifecycle.
        if (await SiloStartup.CheckAsync(options, cancellationToken).ConfigureAwait(false) is { Count: > 0 } problems)
        {
            return await NotStartedAsync(options, string.Join("; ", problems), loggers).ConfigureAwait(false);
        }

        // With --http-port the same silo runs inside a web host that also serves the monitoring service's API.
        using IHost host = options.HttpPort is null ? SiloHostBuilder.CreateHostBuilder(options, loggers).Build() : Service.ServiceHost.Build(options, loggers);
        try
        {
            if (await SiloStartup.StartAsync(host, cancellationToken).ConfigureAwait(false) is { } mismatch)
            {
                return await NotStartedAsync(options, mismatch, loggers).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            return options.Experiment is { } unstarted
                ? await ExperimentRunner.FailAsync(unstarted, "the silo did not start within the max run time", loggers.CreateLogger(typeof(ExperimentRunner)))
                    .ConfigureAwait(false)
                : 1;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return await NotStartedAsync(options, SiloStartup.Describe(exception, options), loggers).ConfigureAwait(false);
        }

        if (options.TlsCertificate is { } tls)
        {
            using var certificate = ClusterCertificate.Load(tls, options.TlsCertificatePassword, "--tls-certificate");
            LogTls(log, ClusterCertificate.Hash(certificate), certificate.NotAfter.ToUniversalTime());
        }

        var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
        // One stable line for operators and supervising processes.
        LogStarted(log, silo.SiloAddress, silo.Name, SiloMetadataKeys.RoleName(options.Role), options.Region, options.ClusterId,
            options.EffectiveMembership, silo.GatewayAddress);

        if (experiment is { } built)
        {
            var code = await ExperimentRunner.RunAsync(
                host.Services, options.Experiment!, built.Config, built.Data, loggers.CreateLogger(typeof(ExperimentRunner)), cancellationToken)
                .ConfigureAwait(false);
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return code;
        }

        if (options.StopWhenCoordinatorLeaves)
        {
            _ = CoordinatorWatch.StopWhenCoordinatorLeavesAsync(host.Services, loggers.CreateLogger(typeof(CoordinatorWatch)), options.CoordinatorJoinTimeout);
        }

        if (options.ExitWhenStdinCloses)
        {
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            _ = Task.Run(async () =>
            {
                using var stdin = Console.OpenStandardInput();
                await stdin.CopyToAsync(Stream.Null, lifetime.ApplicationStopping).ConfigureAwait(false);
                lifetime.StopApplication();

                // The supervisor is gone, and with it maybe the cluster's membership table (a local DynamoDB it ran): a graceful
                // leave would retry table writes for minutes. Give it a moment, then go.
                await Task.Delay(SupervisorGoneGrace, CancellationToken.None).ConfigureAwait(false);
                LogExitingAfterGrace(log, (int)SupervisorGoneGrace.TotalSeconds);
                loggers.Dispose();
                Environment.Exit(0);
            }, CancellationToken.None);
        }

        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        if (run.IsCancellationRequested && !stopRequested.IsCancellationRequested)
        {
            LogMaxRunTimeReached(log, options.MaxRunTime);
        }

        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon experiment: downloaded {Count} data file(s) from {Source}")]
    private static partial void LogDataDownloaded(ILogger logger, int count, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon silo: downloaded the cluster certificate from {Source}")]
    private static partial void LogCertificateDownloaded(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon experiment: downloaded the weights {File} from {Source}")]
    private static partial void LogWeightsDownloaded(ILogger logger, string file, string source);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "AutoMon silo: mutual TLS; only silos and clients holding the cluster certificate {Sha256} connect (valid until {NotAfter:u})")]
    private static partial void LogTls(ILogger logger, string sha256, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "AutoMon silo started: {Silo} name={Name} role={Role} region={Region} cluster={ClusterId} membership={Membership} gateway={Gateway}")]
    private static partial void LogStarted(
        ILogger logger, SiloAddress silo, string name, string role, string region, string clusterId, MembershipKind membership, SiloAddress? gateway);

    // An experiment's silo also uploads the problem as error.txt, so a launcher waiting in S3 learns it at once.
    private static async Task<int> NotStartedAsync(SiloHostOptions options, string problem, ILoggerFactory loggers)
    {
        if (options.Experiment is { } unstarted)
        {
            return await ExperimentRunner.FailAsync(unstarted, $"the silo did not start: {problem}", loggers.CreateLogger(typeof(ExperimentRunner)))
                .ConfigureAwait(false);
        }

        LogNotStarted(loggers.CreateLogger(typeof(SiloProgram)), problem);
        return 1;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon silo did not start: {Problem}")]
    private static partial void LogNotStarted(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AutoMon silo: still stopping {Seconds} s after standard input closed; exiting")]
    private static partial void LogExitingAfterGrace(ILogger logger, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon silo stopped: max run time {MaxRunTime} reached")]
    private static partial void LogMaxRunTimeReached(ILogger logger, TimeSpan? maxRunTime);
}
