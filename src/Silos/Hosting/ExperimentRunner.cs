using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace AutoMon.Silos.Hosting;

/// <summary>Runs an <see cref="ExperimentRequest"/> through a silo's own grain factory and reports the result.</summary>
public static class ExperimentRunner
{
    /// <summary>
    /// Runs <paramref name="request"/> (built into <paramref name="config"/> and <paramref name="data"/>); prints summary.json
    /// to <paramref name="output"/>, writes the result files when asked and uploads them to S3 when asked (summary.json
    /// last); 0 on success, 1 on failure (explained on <paramref name="error"/>, and uploaded as error.txt).
    /// </summary>
    public static async Task<int> RunAsync(
        IServiceProvider services, ExperimentRequest request, ExperimentConfig config, DataSet data, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var grains = services.GetRequiredService<IGrainFactory>();
        var id = request.EffectiveExperimentId;
        ExperimentResult result;
        try
        {
            if (request.WaitForSilos > 0)
            {
                await WaitForSilosAsync(grains, request.WaitForSilos, request.SiloWaitTimeout, output, cancellationToken).ConfigureAwait(false);
            }

            await output.WriteLineAsync($"AutoMon experiment {id}: {request.Workload}, {config.NodeCount} nodes, {config.Pacing}").ConfigureAwait(false);
            var driver = new ExperimentDriver(grains, new ExperimentDriverOptions { MaxLookaheadRounds = request.Lookahead });
            result = await driver.RunAsync(id, config, data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or TimeoutException or IOException or OrleansException)
        {
            return await FailAsync(request, $"experiment failed: {exception.Message}", error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await FailAsync(request, "experiment stopped before it finished (max run time reached, or the silo was asked to stop)", error)
                .ConfigureAwait(false);
        }

        await output.WriteLineAsync(SummaryJson.ForGrainRun(result)).ConfigureAwait(false);
        var folder = request.OutputDirectory ?? (request.ResultsS3 is null ? null : Path.Combine(Path.GetTempPath(), "automon-results-" + Guid.NewGuid().ToString("N")));
        try
        {
            if (folder is not null)
            {
                ResultFiles.Write(folder, result);
                await output.WriteLineAsync($"AutoMon experiment {id}: results in {Path.GetFullPath(folder)}").ConfigureAwait(false);
            }

            if (request.ResultsS3 is { } s3)
            {
                using var uploader = new S3ResultsUploader(s3);
                var keys = await uploader.UploadFolderAsync(folder!, CancellationToken.None).ConfigureAwait(false);
                await output.WriteLineAsync($"AutoMon experiment {id}: uploaded {keys.Count} files to {s3.Uri}").ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The results are computed: keep them where they are and say so.
            var kept = folder is null ? "" : $" (the files are in {Path.GetFullPath(folder)})";
            return await FailAsync(request, $"writing the results failed: {exception.Message}{kept}", error).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// Reports a failure on <paramref name="error"/> and, when results go to S3, uploads it as error.txt so a launcher
    /// waiting there learns it at once instead of waiting out its timeout; 1.
    /// </summary>
    public static async Task<int> FailAsync(ExperimentRequest request, string message, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(error);
        await error.WriteLineAsync($"AutoMon.Silos: {message}").ConfigureAwait(false);
        if (request.ResultsS3 is { } s3)
        {
            try
            {
                using var uploader = new S3ResultsUploader(s3);
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                await uploader.UploadErrorAsync(message, timeout.Token).ConfigureAwait(false);
                await error.WriteLineAsync($"AutoMon.Silos: the error is in {s3.Uri}{S3ResultsUploader.ErrorFile}").ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException)
            {
                await error.WriteLineAsync($"AutoMon.Silos: could not upload the error either: {exception.Message}").ConfigureAwait(false);
            }
        }

        return 1;
    }

    private static async Task WaitForSilosAsync(IGrainFactory grains, int silos, TimeSpan wait, TextWriter output, CancellationToken cancellationToken)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        var last = -1;
        while (true)
        {
            var active = (await management.GetHosts(onlyActive: true).ConfigureAwait(false)).Count;
            if (active >= silos)
            {
                return;
            }

            if (active != last)
            {
                await output.WriteLineAsync($"AutoMon experiment: {active} of {silos} silos active, waiting").ConfigureAwait(false);
                last = active;
            }

            try
            {
                await Task.Delay(500, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Only {active} of {silos} silos became active within {wait.TotalMinutes:G4} minutes.");
            }
        }
    }
}
