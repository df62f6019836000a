using System.Text.Json;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;
using AutoMon.Silos.Hosting;

namespace AutoMon.Silos.Tests;

/// <summary>What a user runs: <c>AutoMon.Silos --role all-in-one --experiment ...</c> hosts the grains and runs an experiment end to end.</summary>
[Collection(MotoCollection.Name)]
public sealed class ExperimentProcessTests
{
    [Fact]
    public async Task An_all_in_one_silo_runs_an_experiment_writes_the_simulations_results_and_exits()
    {
        var output = Path.Combine(Path.GetTempPath(), $"automon-exp-{Guid.NewGuid():N}");
        var request = new ExperimentRequest { Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = "inner_product", Nodes = 4, Iterations = 40, Dimension = 4, Window = 5, ErrorBound = 0.1, Seed = 3 } };
        await using var silo = SiloProcess.StartAllInOne(
            "--experiment", "inner_product", "--nodes", "4", "--iterations", "40", "--dim", "4", "--window", "5", "--error-bound", "0.1",
            "--seed", "3", "--output", output);
        try
        {
            var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{silo.Output}");
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "summary.json")));
            var (config, data) = request.Build();
            var expected = Simulator.Run(config.ToSimulationOptions(config.Function.Create()), data);
            for (var k = 0; k < CoordinatorStatistics.CounterNames.Count; k++)
            {
                Assert.Equal(expected.Statistics.Counters[k], summary.RootElement.GetProperty(CoordinatorStatistics.CounterNames[k]).GetInt64());
            }

            Assert.Equal(expected.Statistics.BytesSent, summary.RootElement.GetProperty("bytes_sent").GetInt64());
            Assert.True(summary.RootElement.GetProperty("wire_bytes").GetInt64() > summary.RootElement.GetProperty("protocol_bytes").GetInt64());
            var history = await File.ReadAllLinesAsync(Path.Combine(output, "sync_history.csv"));
            Assert.Equal(expected.Statistics.FullSyncs.Count, history.Length);
            Assert.Contains("\"pacing\": \"lockstep\"", silo.Output, StringComparison.Ordinal);

            // Through the logger: time, level and category, then the line supervisors look for, on standard output.
            Assert.Matches(StartedLine, silo.StandardOutput);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task An_experiment_that_cannot_run_fails_with_a_clear_message_and_a_non_zero_exit()
    {
        await using var silo = SiloProcess.StartAllInOne("--experiment", "inner_product", "--dim", "3");

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.Contains("experiment failed", silo.Output, StringComparison.Ordinal);
        Assert.Contains("even", silo.Output, StringComparison.Ordinal);

        // An error, on standard error where supervisors look for failures.
        Assert.Matches(@"fail: AutoMon\.Silos\.Hosting\.ExperimentRunner\[-?\d+\] AutoMon\.Silos: experiment failed: ", silo.StandardError);
        Assert.DoesNotContain("experiment failed", silo.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_log_format_json_every_line_is_a_json_object_with_the_message()
    {
        await using var silo = SiloProcess.StartAllInOne("--log-format", "json", "--experiment", "inner_product", "--dim", "3");

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var entries = silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        var failure = Assert.Single(entries, e => e.GetProperty("Message").GetString()!.Contains("experiment failed", StringComparison.Ordinal));
        Assert.Equal("Error", failure.GetProperty("LogLevel").GetString());
        Assert.Equal("AutoMon.Silos.Hosting.ExperimentRunner", failure.GetProperty("Category").GetString());
    }

    private const string StartedLine =
        @"(?m)^\d\d:\d\d:\d\d\.\d{3} info: AutoMon\.Silos\.Hosting\.SiloProgram\[-?\d+\] AutoMon silo started: S127\.0\.0\.1:\d+:\d+ name=all-in-one-\d+ role=all-in-one ";
}
