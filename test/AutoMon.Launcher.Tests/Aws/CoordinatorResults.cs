using System.Net;
using System.Net.Sockets;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Launcher.Aws;
using AutoMon.Silos.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// Real coordinator output for the <c>--block</c> tests: a silo runs small experiments on its grains as the silo host's
/// experiment path does (<see cref="ExperimentRunner"/>: the request's data and config, the grains' driver, the grains'
/// <see cref="SummaryJson"/> files), and those files are put in S3 where a coordinator uploads them, summary.json
/// (the completion marker) last. The driver's result is kept, so tests can compare with the baselines it computed.
/// </summary>
internal static class CoordinatorResults
{
    public const string Workload = "inner_product";
    public const int Nodes = 4;

    /// <summary>One experiment's files and the driver's result.</summary>
    public sealed record Run(double ErrorBound, string Folder, ExperimentResult Result);

    /// <summary>Runs one experiment per error bound on one all-in-one silo.</summary>
    public static async Task<IReadOnlyList<Run>> RunAsync(string folder, params double[] errorBounds)
    {
        var options = new SiloHostOptions
        {
            Role = SiloRole.AllInOne,
            Membership = MembershipKind.Localhost,
            Address = IPAddress.Loopback,
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            ClusterId = "aws-results-" + Guid.NewGuid().ToString("N"),
        };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => SiloHostBuilder.Configure(silo, options));
        using var host = builder.Build();
        await host.StartAsync();
        var runs = new List<Run>();
        try
        {
            foreach (var bound in errorBounds)
            {
                var request = new ExperimentRequest
                {
                    Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = Workload, Nodes = Nodes, Iterations = 60, ErrorBound = bound },
                    ExperimentId = "aws-results-" + AwsNaming.PythonFloat(bound),
                    OutputDirectory = Path.Combine(folder, "silo-output", AwsNaming.PythonFloat(bound)),
                };
                var (config, data) = request.Build();
                var driver = new ExperimentDriver(host.Services.GetRequiredService<IGrainFactory>(),
                    new ExperimentDriverOptions { MaxLookaheadRounds = request.Lookahead });
                var result = await driver.RunAsync(request.EffectiveExperimentId, config, data);
                ResultFiles.Write(request.OutputDirectory, result);
                runs.Add(new Run(bound, request.OutputDirectory, result));
            }
        }
        finally
        {
            await host.StopAsync();
        }

        return runs;
    }

    /// <summary>Puts a silo's output folder under the experiment's results prefix, as the coordinator uploads it.</summary>
    public static async Task UploadAsync(AwsSession session, double? errorBound, string siloOutput, string? summaryOverride = null)
    {
        var prefix = AwsNaming.ResultsPrefix(Workload, errorBound) + AwsSweepResults.CoordinatorFolder + "/";
        foreach (var file in new[] { "sync_history.csv", "function_values.csv" })
        {
            await MotoAws.PutResultAsync(session, prefix + file, await File.ReadAllTextAsync(Path.Combine(siloOutput, file)));
        }

        await MotoAws.PutResultAsync(session, prefix + AwsNaming.CompletionMarkerFile,
            summaryOverride ?? await File.ReadAllTextAsync(Path.Combine(siloOutput, "summary.json")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
