using AutoMon.Grains.Experiments;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace AutoMon.Silos.Hosting;

/// <summary>Runs an <see cref="ExperimentRequest"/> through a silo's own grain factory and reports the result.</summary>
public static class ExperimentRunner
{
    private static readonly TimeSpan SiloWait = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs <paramref name="request"/> (built into <paramref name="config"/> and <paramref name="data"/>); prints summary.json
    /// to <paramref name="output"/>; 0 on success, 1 on failure (explained on <paramref name="error"/>).
    /// </summary>
    public static async Task<int> RunAsync(
        IServiceProvider services, ExperimentRequest request, ExperimentConfig config, DataSet data, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var grains = services.GetRequiredService<IGrainFactory>();
        try
        {
            if (request.WaitForSilos > 0)
            {
                await WaitForSilosAsync(grains, request.WaitForSilos, output, cancellationToken).ConfigureAwait(false);
            }

            var id = request.EffectiveExperimentId;
            await output.WriteLineAsync($"AutoMon experiment {id}: {request.Workload}, {config.NodeCount} nodes, {config.Pacing}").ConfigureAwait(false);
            var driver = new ExperimentDriver(grains, new ExperimentDriverOptions { MaxLookaheadRounds = request.Lookahead });
            var result = await driver.RunAsync(id, config, data, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(ExperimentSummary.Json(result)).ConfigureAwait(false);
            if (request.OutputDirectory is { } folder)
            {
                ExperimentSummary.WriteFiles(folder, result);
                await output.WriteLineAsync($"AutoMon experiment {id}: results in {Path.GetFullPath(folder)}").ConfigureAwait(false);
            }

            return 0;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or TimeoutException or IOException or OrleansException)
        {
            await error.WriteLineAsync($"AutoMon.Silos: experiment failed: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task WaitForSilosAsync(IGrainFactory grains, int silos, TextWriter output, CancellationToken cancellationToken)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SiloWait);
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
                throw new TimeoutException($"Only {active} of {silos} silos became active within {SiloWait.TotalMinutes} minutes.");
            }
        }
    }
}
