using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AutoMon.Grains.Placement;
using Orleans.Metadata;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace AutoMon.Silos.Hosting;

/// <summary>Runs an <see cref="ExperimentRequest"/> through a silo's own grain factory and reports the result.</summary>
public static partial class ExperimentRunner
{
    /// <summary>
    /// Runs <paramref name="request"/> (built into <paramref name="config"/> and <paramref name="data"/>); logs summary.json
    /// to <paramref name="logger"/>, writes the result files when asked and uploads them to S3 when asked (summary.json
    /// last); 0 on success, 1 on failure (logged as an error, and uploaded as error.txt).
    /// </summary>
    public static async Task<int> RunAsync(
        IServiceProvider services, ExperimentRequest request, ExperimentConfig config, DataSet data, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(logger);
        if (request.Standby)
        {
            return await CoordinatorStandby.RunAsync(services, request, config, data, logger, cancellationToken).ConfigureAwait(false);
        }

        var id = request.EffectiveExperimentId;
        ExperimentResult result;
        try
        {
            if (request.WaitForSilos > 0)
            {
                await WaitForSilosAsync(services, request.WaitForSilos, request.SiloWaitTimeout, logger, cancellationToken).ConfigureAwait(false);
            }

            result = await DriveAsync(services, request, id, config, data, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsRunFailure(exception))
        {
            return await FailAsync(request, $"experiment failed: {exception.Message}", logger).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await StoppedAsync(request, logger).ConfigureAwait(false);
        }

        return await PublishAsync(request, result, faults: null, logger).ConfigureAwait(false);
    }

    /// <summary>Runs the experiment on fresh grains under <paramref name="id"/> through this silo's grain factory.</summary>
    internal static Task<ExperimentResult> DriveAsync(
        IServiceProvider services, ExperimentRequest request, string id, ExperimentConfig config, DataSet data, ILogger logger, CancellationToken cancellationToken)
    {
        LogStarting(logger, id, request.Workload, config.NodeCount, config.Pacing);
        var driver = new ExperimentDriver(services.GetRequiredService<IGrainFactory>(), new ExperimentDriverOptions { MaxLookaheadRounds = request.Lookahead });
        return driver.RunAsync(id, config, data, cancellationToken);
    }

    /// <summary>The failures of a run that end it with error.txt (not bugs: those surface as they are).</summary>
    internal static bool IsRunFailure(Exception exception) =>
        exception is ArgumentException or InvalidOperationException or TimeoutException or IOException or OrleansException;

    /// <summary>A run stopped by its silo: reported as a failure.</summary>
    internal static Task<int> StoppedAsync(ExperimentRequest request, ILogger logger) =>
        FailAsync(request, "experiment stopped before it finished (max run time reached, or the silo was asked to stop)", logger);

    /// <summary>
    /// Logs summary.json (with <paramref name="faults"/>, if any), writes the result files when asked and uploads them to
    /// S3 when asked (summary.json last); 0, or 1 when writing failed (logged, and uploaded as error.txt).
    /// </summary>
    internal static async Task<int> PublishAsync(ExperimentRequest request, ExperimentResult result, IReadOnlyList<SiloFault>? faults, ILogger logger)
    {
        var id = request.EffectiveExperimentId;
        LogSummary(logger, id, SummaryJson.ForGrainRun(result, faults));
        var folder = request.OutputDirectory ?? (request.ResultsS3 is null ? null : Path.Combine(Path.GetTempPath(), "automon-results-" + Guid.NewGuid().ToString("N")));
        try
        {
            if (folder is not null)
            {
                ResultFiles.Write(folder, result, faults);
                LogResultsWritten(logger, id, Path.GetFullPath(folder));
            }

            if (request.ResultsS3 is { } s3)
            {
                using var uploader = new S3ResultsUploader(s3);
                var keys = await uploader.UploadFolderAsync(folder!, CancellationToken.None).ConfigureAwait(false);
                LogResultsUploaded(logger, id, keys.Count, s3.Uri);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The results are computed: keep them where they are and say so.
            var kept = folder is null ? "" : $" (the files are in {Path.GetFullPath(folder)})";
            return await FailAsync(request, $"writing the results failed: {exception.Message}{kept}", logger).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// Logs a failure as an error (standard error) and, when results go to S3, uploads it as error.txt so a launcher
    /// waiting there learns it at once instead of waiting out its timeout; 1.
    /// </summary>
    public static async Task<int> FailAsync(ExperimentRequest request, string message, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(logger);
        LogFailed(logger, message);
        // A standby's own trouble is not the experiment's: the active coordinator may still finish it.
        if (request.ResultsS3 is { } s3 && !request.Standby)
        {
            try
            {
                using var uploader = new S3ResultsUploader(s3);
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                await uploader.UploadErrorAsync(message, timeout.Token).ConfigureAwait(false);
                LogErrorUploaded(logger, s3.Uri + S3ResultsUploader.ErrorFile);
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException)
            {
                LogErrorNotUploaded(logger, exception.Message);
            }
        }

        return 1;
    }

    // Placement runs on this silo and reads its own views: the membership snapshot, the cluster manifest (the silos that
    // can host grains) and the silo metadata cache (their roles and node ranges). The membership table may list a silo
    // before those views do; placing then would put a node on the wrong silo. So wait until all three have them.
    internal static async Task WaitForSilosAsync(IServiceProvider services, int silos, TimeSpan wait, ILogger logger, CancellationToken cancellationToken)
    {
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var manifest = services.GetRequiredService<IClusterManifestProvider>();
        var metadata = services.GetRequiredService<ISiloMetadataCache>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        var last = -1;
        while (true)
        {
            var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
            var known = manifest.Current.Silos;
            var ready = active.Count(s => known.ContainsKey(s) && metadata.GetSiloMetadata(s).Metadata.ContainsKey(AutoMonSiloMetadata.Role));
            if (ready >= silos)
            {
                return;
            }

            if (ready != last)
            {
                LogWaitingForSilos(logger, ready, silos);
                last = ready;
            }

            try
            {
                await Task.Delay(250, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Only {ready} of {silos} silos became active within {wait.TotalMinutes:G4} minutes.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon experiment {Experiment}: {Workload}, {Nodes} nodes, {Pacing}")]
    private static partial void LogStarting(ILogger logger, string experiment, string workload, int nodes, Pacing pacing);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon experiment {Experiment}: summary.json {Summary}")]
    private static partial void LogSummary(ILogger logger, string experiment, string summary);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon experiment {Experiment}: results in {Folder}")]
    private static partial void LogResultsWritten(ILogger logger, string experiment, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon experiment {Experiment}: uploaded {Count} files to {Destination}")]
    private static partial void LogResultsUploaded(ILogger logger, string experiment, int count, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon experiment: {Active} of {Silos} silos active, waiting")]
    private static partial void LogWaitingForSilos(ILogger logger, int active, int silos);

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon.Silos: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon.Silos: the error is in {Location}")]
    private static partial void LogErrorUploaded(ILogger logger, string location);

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon.Silos: could not upload the error either: {Reason}")]
    private static partial void LogErrorNotUploaded(ILogger logger, string reason);
}
