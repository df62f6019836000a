using System.CommandLine;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace AutoMon.Silos.Hosting;

/// <summary>Entry point of <c>AutoMon.Silos</c>: parse the command line, run one silo until stopped.</summary>
public static class SiloProgram
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

        // An experiment that cannot run (unknown workload, settings that do not fit it, data missing) fails before the silo starts.
        (ExperimentConfig Config, DataSet Data)? experiment = null;
        string? downloaded = null;
        if (options.Experiment is { } request)
        {
            try
            {
                if (request.DataS3 is { } source)
                {
                    // Only this coordinator reads the data: the driver hands every node grain its rows.
                    downloaded = Path.Combine(Path.GetTempPath(), "automon-data-" + Guid.NewGuid().ToString("N"));
                    var files = await S3DataDownloader.DownloadAsync(source, downloaded, cancellationToken).ConfigureAwait(false);
                    Console.WriteLine($"AutoMon experiment: downloaded {files.Count} data file(s) from {source.Uri}");
                    request = request with { Run = request.Run with { DataDirectory = downloaded } };
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

                    Console.WriteLine($"AutoMon experiment: downloaded the weights {Path.GetFileName(npz[0])} from {weightsSource.Uri}");
                    request = request with { Run = request.Run with { Weights = npz[0] } };
                    options.Experiment = request;
                }

                experiment = request.Build();
            }
            catch (Exception exception) when (exception is ArgumentException or IOException or DataFormatException or InvalidDataException)
            {
                DeleteFolder(downloaded);
                return await ExperimentRunner.FailAsync(request, $"experiment failed: {exception.Message}", Console.Error).ConfigureAwait(false);
            }
        }

        try
        {
            return await RunStartedAsync(options, experiment, cancellationToken).ConfigureAwait(false);
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

    private static async Task<int> RunStartedAsync(SiloHostOptions options, (ExperimentConfig Config, DataSet Data)? experiment, CancellationToken cancellationToken)
    {

        // The max run time bounds everything, starting the silo included.
        var stopRequested = cancellationToken;
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.MaxRunTime is { } limit)
        {
            run.CancelAfter(limit);
        }

        cancellationToken = run.Token;
        using var host = SiloHostBuilder.CreateHostBuilder(options).Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            return options.Experiment is { } unstarted
                ? await ExperimentRunner.FailAsync(unstarted, "the silo did not start within the max run time", Console.Error).ConfigureAwait(false)
                : 1;
        }

        var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
        // One stable line for operators and supervising processes.
        Console.WriteLine(
            $"AutoMon silo started: {silo.SiloAddress} name={silo.Name} role={SiloMetadataKeys.RoleName(options.Role)} " +
            $"region={options.Region} cluster={options.ClusterId} membership={options.EffectiveMembership} gateway={silo.GatewayAddress}");

        if (experiment is { } built)
        {
            var code = await ExperimentRunner.RunAsync(
                host.Services, options.Experiment!, built.Config, built.Data, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return code;
        }

        if (options.StopWhenCoordinatorLeaves)
        {
            _ = CoordinatorWatch.StopWhenCoordinatorLeavesAsync(host.Services, Console.Out, options.CoordinatorJoinTimeout);
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
                Console.Error.WriteLine($"AutoMon silo: still stopping {SupervisorGoneGrace.TotalSeconds:F0} s after standard input closed; exiting");
                Environment.Exit(0);
            }, CancellationToken.None);
        }

        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        if (run.IsCancellationRequested && !stopRequested.IsCancellationRequested)
        {
            Console.WriteLine($"AutoMon silo stopped: max run time {options.MaxRunTime} reached");
        }

        return 0;
    }
}
