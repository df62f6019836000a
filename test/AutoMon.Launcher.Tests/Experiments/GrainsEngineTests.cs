using System.Globalization;
using System.Text.Json;
using AutoMon.Launcher.Cluster;
using AutoMon.Launcher.Commands;
using AutoMon.Launcher.Experiments;
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
    public async Task Each_run_releases_its_grains_once_its_results_are_collected()
    {
        var request = ExperimentCommand.Parse("--node-type", "inner_product", "--iterations", "30", "--error-bound", "0.3");
        var silo = new EmbeddedSilo();
        await using var runner = new GrainsRunner(silo);
        var spec = ExperimentCommand.Prepare(request, runner, Path.Combine(_directory, "released")).SpecFor(0.3);

        var result = await runner.RunAsync(spec, null, CancellationToken.None);

        Assert.Equal(10, result.Placement!.NodesPerSilo.Values.Sum());
        var management = (await silo.StartAsync(CancellationToken.None)).GetGrain<IManagementGrain>(0);
        // Deactivation follows the release call; give it time, and fail if the run's grains are still there.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var left = await ActivationsAsync();
        while ((left.Nodes > 0 || left.Coordinators > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            left = await ActivationsAsync();
        }

        Assert.Equal((0, 0), left);

        async Task<(int Nodes, int Coordinators)> ActivationsAsync()
        {
            var statistics = await management.GetSimpleGrainStatistics();
            int Count(string type) => statistics.Where(g => g.GrainType.Contains(type, StringComparison.Ordinal)).Sum(g => g.ActivationCount);
            return (Count("NodeGrain"), Count("CoordinatorGrain"));
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
        await Succeeds("--node-type", "inner_product", "--iterations", "40", "--error-bound", "0.05", "--engine", "grains", "--pacing", "paced",
            "--round-interval", "500ms", "--lazy-sync-latency", "100ms", "--full-sync-latency", "200ms", "--wan-latency", "100ms",
            "--time-scale", "0.01", "--output", output);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.05", "config.json")));
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
        var folder = Path.Combine(output, "error_bound_0.05");
        var rounds = int.Parse(row["rounds"], CultureInfo.InvariantCulture);
        Assert.Equal(1 + rounds, File.ReadAllLines(Path.Combine(folder, "function_values.csv")).Length);
        Assert.True(File.ReadAllLines(Path.Combine(folder, "checkpoint_values.csv")).Length >= 2);
        Assert.True(File.Exists(Path.Combine(folder, "checkpoint_values.png")));
        Assert.All(Enumerable.Range(0, 10), node => Assert.True(File.Exists(Path.Combine(folder, "nodes", $"node_{node}_sync_history.csv"))));

        // The nodes' files carry what the paper's measure needs. A node's round is where its data was: the rows are dealt one
        // per node, the windows take the first n·W (round 0), then each round n more.
        var histories = Enumerable.Range(0, 10).Select(i => ReadCsv(Path.Combine(folder, "nodes", $"node_{i}_sync_history.csv"))).ToList();
        Assert.All(histories, h => Assert.NotEmpty(h));
        var (n, window) = (c.GetProperty("num_nodes").GetInt32(), c.GetProperty("sliding_window_size").GetInt32());
        foreach (var record in histories.SelectMany(h => h))
        {
            var sequence = Int(record["sequence"]);
            Assert.Equal(sequence < n * window ? 0 : ((sequence - (n * window)) / n) + 1, Int(record["round"]));
        }

        // coordinator_round: a full sync's is the round of its row in the coordinator's sync_history.csv, every full sync
        // the coordinator made reached the nodes, a lazy sync's is a round of no full sync, and each node applies in order.
        var coordinatorRounds = File.ReadAllLines(Path.Combine(folder, "sync_history.csv")).Select(l => Int(l.Split(',')[0])).ToList();
        var fullSyncRounds = histories.SelectMany(h => h).Where(r => r["kind"] == "sync")
            .GroupBy(r => Int(r["constraint_version"])).OrderBy(g => g.Key)
            .Select(g => Assert.Single(g.Select(r => Int(r["coordinator_round"])).Distinct())).ToList();
        Assert.Equal(coordinatorRounds, fullSyncRounds);
        Assert.All(histories.SelectMany(h => h).Where(r => r["kind"] == "lazy_sync"), r => Assert.DoesNotContain(Int(r["coordinator_round"]), coordinatorRounds));
        Assert.All(histories, h => Assert.Equal(h.Select(r => Int(r["coordinator_round"])).Order(), h.Select(r => Int(r["coordinator_round"]))));

        // The estimate in force at round r, rebuilt from the nodes' files alone: a full sync counts from the earliest round
        // at which any node applied it, with f(x̄) of that round; the newest sync in force by round r holds.
        var values = ReadCsv(Path.Combine(folder, "function_values.csv"));
        var trueValues = values.Select(r => Number(r["true_value"])).ToList();
        var syncs = histories.SelectMany(h => h).Where(r => r["kind"] == "sync")
            .GroupBy(r => Int(r["constraint_version"]))
            .Select(g => (Version: g.Key, Round: g.Min(r => Int(r["round"])), Lower: Number(g.First()["lower_threshold"]), Upper: Number(g.First()["upper_threshold"])))
            .ToList();
        Assert.True(syncs.Count > 1, $"{syncs.Count} full sync(s): too few to rebuild the series from");
        var errors = new List<double>();
        for (var r = 0; r < values.Count; r++)
        {
            Assert.Equal(r, Int(values[r]["round"]));
            var inForce = syncs.Where(s => s.Round <= r).OrderBy(s => s.Version).Select(s => ((int Round, double Lower, double Upper)?)(s.Round, s.Lower, s.Upper)).LastOrDefault();
            var estimate = inForce is { } sync ? trueValues[sync.Round] : double.NaN;
            Assert.Equal(estimate, Number(values[r]["estimate"]));
            Assert.Equal(Math.Abs(estimate - trueValues[r]), Number(values[r]["error"]));
            Assert.Equal((inForce?.Lower ?? double.NaN, inForce?.Upper ?? double.NaN), (Number(values[r]["lower_threshold"]), Number(values[r]["upper_threshold"])));
            errors.Add(Math.Abs(estimate - trueValues[r]));
        }

        // max_error is the largest of rounds 1.., in results.csv and summary.json alike.
        var maxError = errors.Skip(1).Max();
        Assert.True(maxError > 0);
        Assert.Equal(maxError, Number(row["max_error"]));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        Assert.Equal(maxError, summary.RootElement.GetProperty("max_error").GetDouble());

        static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
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
