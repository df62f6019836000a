using System.Globalization;
using System.Text.Json;
using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

public sealed class GrainsEngineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-grains-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Lockstep_on_the_grains_gives_the_simulations_results()
    {
        var grains = Path.Combine(_directory, "grains");
        var simulation = Path.Combine(_directory, "simulation");
        string[] run = ["--node-type", "quadratic", "--iterations", "60", "--error-bounds", "0.015,0.05"];

        await Succeeds([.. run, "--engine", "grains", "--output", grains]);
        await Succeeds([.. run, "--engine", "simulation", "--output", simulation]);

        var expected = ReadCsv(Path.Combine(simulation, "results.csv"));
        var actual = ReadCsv(Path.Combine(grains, "results.csv"));
        foreach (var column in new[] { "error_bound", "max_error", "mean_error", "messages", "payload_bytes", "rounds", "full_syncs", "lazy_syncs", "periodic_oracle_period" })
        {
            Assert.Equal(expected.Select(r => r[column]), actual.Select(r => r[column]));
        }

        foreach (var folder in actual.Select(r => r["folder"]))
        {
            Assert.Equal(File.ReadAllText(Path.Combine(simulation, folder, "function_values.csv")), File.ReadAllText(Path.Combine(grains, folder, "function_values.csv")));
            Assert.Equal(File.ReadAllText(Path.Combine(simulation, folder, "sync_history.csv")), File.ReadAllText(Path.Combine(grains, folder, "sync_history.csv")));
        }
    }

    [Fact]
    public async Task Grains_measure_wire_bytes_beyond_the_protocol_payload()
    {
        var output = Path.Combine(_directory, "wire");

        await Succeeds("--node-type", "inner_product", "--iterations", "40", "--error-bound", "0.05", "--engine", "grains", "--output", output);

        var row = Assert.Single(ReadCsv(Path.Combine(output, "results.csv")));
        Assert.True(long.Parse(row["wire_bytes"], CultureInfo.InvariantCulture) > long.Parse(row["payload_bytes"], CultureInfo.InvariantCulture));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.05", "summary.json")));
        Assert.True(summary.RootElement.GetProperty("wire_messages").GetInt64() > 0);
        Assert.Equal("grains", summary.RootElement.GetProperty("engine").GetString());
    }

    [Fact]
    public async Task With_verbose_the_embedded_silo_logs_AutoMon_information_and_no_Orleans_information_on_standard_error()
    {
        var output = Path.Combine(_directory, "verbose");

        var (exitCode, console, error) = await Run("--node-type", "inner_product", "--nodes", "2", "--iterations", "30", "--error-bound", "0.3",
            "--engine", "grains", "--output", output, "--verbose");

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}\n{console}");
        Assert.Matches(@"info: AutoMon\.Grains\.Experiments\.CoordinatorGrain: Experiment \S+ started: inner_product, 2 nodes", error);
        Assert.Contains("info: AutoMon.Grains.Experiments.NodeGrain: Node 1 of experiment", error, StringComparison.Ordinal);
        Assert.DoesNotContain("info: Orleans", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Node 1 of experiment", console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paced_run_scales_its_latencies_records_them_and_is_measured_on_every_round()
    {
        var output = Path.Combine(_directory, "paced");

        // The paper's pace ten times slower, scaled down a hundredfold: 5 ms between updates, 1 ms lazy, 2 ms full, 1 ms WAN.
        await Succeeds("--node-type", "inner_product", "--iterations", "40", "--error-bound", "0.3", "--engine", "grains", "--pacing", "paced",
            "--round-interval", "500ms", "--lazy-sync-latency", "100ms", "--full-sync-latency", "200ms", "--wan-latency", "100ms",
            "--time-scale", "0.01", "--output", output);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.3", "config.json")));
        var c = config.RootElement;
        Assert.Equal("paced", c.GetProperty("pacing").GetString());
        Assert.Equal(0.005, c.GetProperty("round_interval_seconds").GetDouble());
        Assert.Equal(0.001, c.GetProperty("lazy_sync_latency_seconds").GetDouble());
        Assert.Equal(0.002, c.GetProperty("full_sync_latency_seconds").GetDouble());
        Assert.Equal(0.001, c.GetProperty("wan_latency_seconds").GetDouble());
        var row = Assert.Single(ReadCsv(Path.Combine(output, "results.csv")));
        Assert.True(long.Parse(row["messages"], CultureInfo.InvariantCulture) > 0);

        // Every data round's error is known, so the periodic oracle replays on it; the checkpoints and the nodes' sync
        // histories are written beside it.
        Assert.NotEqual(string.Empty, row["periodic_oracle_period"]);
        var folder = Path.Combine(output, "error_bound_0.3");
        var rounds = int.Parse(row["rounds"], CultureInfo.InvariantCulture);
        Assert.Equal(1 + rounds, File.ReadAllLines(Path.Combine(folder, "function_values.csv")).Length);
        Assert.True(File.ReadAllLines(Path.Combine(folder, "checkpoint_values.csv")).Length >= 2);
        Assert.True(File.Exists(Path.Combine(folder, "checkpoint_values.png")));
        Assert.All(Enumerable.Range(0, 10), node => Assert.True(File.Exists(Path.Combine(folder, "nodes", $"node_{node}_sync_history.csv"))));
    }

    [Fact]
    public async Task Centralized_without_an_engine_runs_in_process()
    {
        var output = Path.Combine(_directory, "central");

        await Succeeds("--node-type", "inner_product", "--iterations", "40", "--centralized", "--output", output);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "centralization", "config.json")));
        Assert.Equal("simulation", config.RootElement.GetProperty("engine").GetString());
    }
}
