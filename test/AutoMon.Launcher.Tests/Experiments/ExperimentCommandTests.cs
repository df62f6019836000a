using System.Text.Json;
using AutoMon.Launcher.Commands;
using AutoMon.Launcher.Experiments;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using AutoMon.Protocol.Simulation;
using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

public sealed class ExperimentCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-experiment-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Output(string name = "out") => Path.Combine(_directory, name);

    [Fact]
    public async Task Quadratic_sweep_writes_the_four_files_of_every_paper_error_bound()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "40", "--output", output);

        double[] paperBounds = [0.015, 0.02, 0.03, 0.04, 0.05, 0.08, 0.1, 1.0];
        var rows = ReadCsv(Path.Combine(output, "results.csv"));
        Assert.Equal(paperBounds, rows.Select(r => Number(r["error_bound"])));
        foreach (var row in rows)
        {
            var folder = Path.Combine(output, row["folder"]);
            foreach (var file in new[] { "config.json", "summary.json", "function_values.csv", "sync_history.csv", "function_values.png" })
            {
                Assert.True(File.Exists(Path.Combine(folder, file)), $"{row["folder"]}/{file} missing");
            }
        }
    }

    [Fact]
    public async Task A_given_window_is_the_one_the_heading_names_and_the_runs_use()
    {
        var output = Output();

        var printed = await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--window", "1", "--iterations", "30",
            "--error-bounds", "0.5", "--output", output);

        Assert.StartsWith("quadratic: n=10, d=40, W=1, 30 iterations", printed, StringComparison.Ordinal);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.5", "config.json")));
        Assert.Equal(1, config.RootElement.GetProperty("sliding_window_size").GetInt32());
        var row = Assert.Single(ReadCsv(Path.Combine(output, "results.csv")));
        Assert.InRange(Number(row["max_error"]), 0, 0.5);
    }

    [Fact]
    public async Task Function_values_have_one_row_per_round_with_the_simulate_columns()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "40", "--error-bound", "0.03", "--output", output);

        var lines = File.ReadAllLines(Path.Combine(output, "error_bound_0.03", "function_values.csv"));
        Assert.Equal("round,true_value,estimate,error,lower_threshold,upper_threshold", lines[0]);

        // Windows of 20 fill first; then round 0 and one round per 10 updates: 40 - 20 + 1 rounds.
        Assert.Equal(21, lines.Length - 1);
        Assert.All(lines.Skip(1), line => Assert.Equal(6, line.Split(',').Length));
    }

    [Fact]
    public async Task Sync_history_lists_each_full_sync_with_the_reference_point()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "40", "--error-bound", "0.015", "--output", output);

        var folder = Path.Combine(output, "error_bound_0.015");
        var syncs = File.ReadAllLines(Path.Combine(folder, "sync_history.csv"));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        Assert.Equal(summary.RootElement.GetProperty("full_syncs").GetInt32(), syncs.Length);
        Assert.NotEmpty(syncs);

        // Iteration, then x0's 40 coordinates.
        Assert.All(syncs, line => Assert.Equal(41, line.Split(',').Length));
    }

    [Fact]
    public async Task Summary_and_config_carry_the_counters_the_baselines_and_the_paper_config()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "kld", "--iterations", "210", "--error-bound", "0.02", "--output", output);

        var folder = Path.Combine(output, "error_bound_0.02");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        var c = config.RootElement;
        Assert.Equal("kld", c.GetProperty("node_type").GetString());
        Assert.Equal("simulation", c.GetProperty("engine").GetString());
        Assert.Equal(12, c.GetProperty("num_nodes").GetInt32());
        Assert.Equal(20, c.GetProperty("d").GetInt32());
        Assert.Equal(200, c.GetProperty("sliding_window_size").GetInt32());
        Assert.Equal(0.02, c.GetProperty("error_bound").GetDouble());

        // The neighbourhood the reference tuned for ε = 0.02 (aws_experiments/distributed_kld_air_quality.py).
        Assert.Equal(0.1527777777777778, c.GetProperty("neighborhood_size").GetDouble());

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var s = summary.RootElement;
        Assert.Equal("X", s.GetProperty("adcd").GetString());
        Assert.True(s.GetProperty("total_msgs_broadcast_disabled").GetInt64() > 0);
        Assert.True(s.GetProperty("baselines").GetProperty("centralization").GetProperty("messages").GetInt64() > 0);
        Assert.Equal(0.02, s.GetProperty("config").GetProperty("error_bound").GetDouble());
    }

    [Fact]
    public async Task Config_and_summary_record_the_slack_and_sync_the_sweep_ran_with()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "40", "--error-bound", "0.03",
            "--slack", "none", "--sync", "eager", "--output", output);

        var folder = Path.Combine(output, "error_bound_0.03");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.Equal("none", config.RootElement.GetProperty("slack").GetString());
        Assert.Equal("eager", config.RootElement.GetProperty("sync").GetString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        Assert.Equal("none", summary.RootElement.GetProperty("config").GetProperty("slack").GetString());
        Assert.Equal("eager", summary.RootElement.GetProperty("config").GetProperty("sync").GetString());
    }

    [Fact]
    public async Task Results_are_the_in_process_simulators_on_the_same_generated_data()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "60", "--error-bound", "0.02", "--seed", "3", "--output", output);

        var function = AutoMon.Numerics.Functions.FunctionCatalog.Create("quadratic", new() { Dimension = 40, HMatrix = DataGenerators.QuadraticHMatrix(40, 3) });
        var data = DataGenerators.Generate(Workload.Quadratic, new GeneratorOptions(10, 60, 40, 3));
        var expected = Simulator.Run(new SimulationOptions { Function = function, StreamKind = StreamKind.WindowedAverage, WindowSize = 20, ErrorBound = 0.02 }, data);
        var row = Assert.Single(ReadCsv(Path.Combine(output, "results.csv")));
        Assert.Equal(expected.Statistics.TotalMessagesBroadcastDisabled, long.Parse(row["messages"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected.MaxError, Number(row["max_error"]));
        Assert.Equal(expected.Statistics.FullSyncs.Count, int.Parse(row["full_syncs"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Files_have_the_simulate_commands_formats()
    {
        var main = Output("main");
        var simulate = Output("simulate");

        await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "40", "--error-bound", "0.02", "--output", main);
        await Succeeds("simulate", "--function", "quadratic", "--nodes", "10", "--iterations", "40", "--window", "20", "--error-bound", "0.02", "--output", simulate);

        var folder = Path.Combine(main, "error_bound_0.02");
        foreach (var file in new[] { "function_values.csv", "sync_history.csv" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(simulate, file)), File.ReadAllText(Path.Combine(folder, file)));
        }

        // Every key simulate writes, with the same counters; the launcher adds the engine (and wire bytes when measured).
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(simulate, "summary.json")));
        using var actual = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        foreach (var property in expected.RootElement.EnumerateObject())
        {
            Assert.True(actual.RootElement.TryGetProperty(property.Name, out var value), $"summary.json lacks {property.Name}");
            if (property.Name.EndsWith("_msgs", StringComparison.Ordinal) || property.Name.StartsWith("bytes_", StringComparison.Ordinal))
            {
                Assert.Equal(property.Value.GetInt64(), value.GetInt64());
            }
        }

        foreach (var property in expected.RootElement.GetProperty("config").EnumerateObject())
        {
            Assert.True(actual.RootElement.GetProperty("config").TryGetProperty(property.Name, out _), $"config lacks {property.Name}");
        }
    }

    [Fact]
    public async Task Error_bounds_option_gives_one_results_row_per_bound_in_the_order_given()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--error-bounds", "0.3, 0.05,0.8", "--output", output);

        var rows = ReadCsv(Path.Combine(output, "results.csv"));
        Assert.Equal([0.3, 0.05, 0.8], rows.Select(r => Number(r["error_bound"])));
        Assert.All(rows, r => Assert.True(Number(r["reduction_vs_centralization"]) > 0));
        Assert.All(rows, r => Assert.Equal(string.Empty, r["wire_bytes"]));
    }

    [Fact]
    public async Task Max_error_of_a_constant_Hessian_workload_stays_within_each_error_bound()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "80", "--output", output);

        Assert.All(ReadCsv(Path.Combine(output, "results.csv")), r => Assert.True(Number(r["max_error"]) <= Number(r["error_bound"]), $"ε={r["error_bound"]}: {r["max_error"]}"));
    }

    [Fact]
    public async Task Figures_are_PNGs_of_the_figure_size()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--error-bounds", "0.1,0.5", "--output", output);

        foreach (var name in new[] { "max_error_vs_messages.png", "max_error_vs_bytes.png", "function_values.png", "error_bound_0.1/function_values.png" })
        {
            var path = Path.Combine(output, name);
            Assert.Equal((1000, 650), PngSize(path));

            // Axes, labels, legend and lines: far more than a blank canvas compresses to.
            Assert.True(new FileInfo(path).Length > 15_000, $"{name}: {new FileInfo(path).Length} bytes");
        }
    }

    [Fact]
    public async Task Progress_lines_and_the_summary_table_go_to_a_redirected_output()
    {
        var output = await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--error-bounds", "0.1,0.5", "--output", Output());

        Assert.Contains("[1/2] inner_product", output, StringComparison.Ordinal);
        Assert.Contains("[2/2] inner_product", output, StringComparison.Ordinal);
        Assert.Contains("vs central.", output, StringComparison.Ordinal);
        Assert.Contains("max error", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_summary_table_of_a_paper_workload_puts_the_papers_AWS_points_beside_ours()
    {
        var output = await Succeeds("--engine", "simulation", "--node-type", "quadratic", "--iterations", "40", "--error-bounds", "0.02,0.07", "--output", Output());

        Assert.Contains(SweepDisplay.PaperMaxErrorColumn, output, StringComparison.Ordinal);
        Assert.Contains(SweepDisplay.PaperMessagesColumn, output, StringComparison.Ordinal);
        Assert.Contains("SIGMOD 2022", output, StringComparison.Ordinal);

        // ε = 0.02: the paper's AWS max error 0.0151157 and 10993 messages; ε = 0.07, which the paper did not run: blank.
        var published = TableRow(output, "0.02");
        Assert.Equal(["0.01512", "10,993"], published[^2..]);
        var unpublished = TableRow(output, "0.07");
        Assert.Equal(["", ""], unpublished[^2..]);
    }

    [Fact]
    public async Task The_summary_table_of_a_workload_the_paper_did_not_run_on_AWS_has_no_paper_columns()
    {
        var output = await Succeeds("--engine", "simulation", "--node-type", "entropy", "--iterations", "40", "--error-bounds", "0.05,0.1", "--output", Output());

        Assert.Contains("vs central.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("paper AWS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Centralized_run_sends_every_update_and_knows_f_exactly()
    {
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--centralized", "--output", output);

        var row = Assert.Single(ReadCsv(Path.Combine(output, "results.csv")));
        Assert.Equal("centralization", row["folder"]);

        // n in round 0, then one per data point after the windows filled: 10 + 10 x (40 - 20).
        Assert.Equal("210", row["messages"]);
        Assert.Equal(0, Number(row["max_error"]));
        var values = ReadCsv(Path.Combine(output, "centralization", "function_values.csv"));
        Assert.Equal(21, values.Count);
        Assert.All(values, v => Assert.Equal(v["true_value"], v["estimate"]));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "centralization", "config.json")));
        Assert.Equal("centralization", config.RootElement.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Data_dir_runs_the_reference_layout_data_file()
    {
        var datasets = Path.Combine(_directory, "datasets");
        var folder = Directory.CreateDirectory(Path.Combine(datasets, "inner_product")).FullName;
        var generated = DataGenerators.Generate(Workload.InnerProduct, new GeneratorOptions(10, 40, 40, 7));
        NumpyTextFile.WriteTable(Path.Combine(folder, "data_file.txt"), generated.Values, 40);
        var output = Output();

        await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--error-bound", "0.1", "--data-dir", datasets, "--output", output);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.1", "config.json")));
        Assert.Equal(Path.Combine(folder, "data_file.txt"), config.RootElement.GetProperty("data").GetString());

        // The same rows as generating them with that seed.
        var fromGenerator = Output("generated");
        await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--error-bound", "0.1", "--seed", "7", "--output", fromGenerator);
        Assert.Equal(
            File.ReadAllText(Path.Combine(fromGenerator, "error_bound_0.1", "function_values.csv")),
            File.ReadAllText(Path.Combine(output, "error_bound_0.1", "function_values.csv")));
    }

    [Fact]
    public async Task A_failing_error_bound_keeps_the_results_of_the_others()
    {
        var output = Output();
        using var stdout = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var request = ExperimentCommand.Parse("--node-type", "inner_product", "--iterations", "40", "--error-bounds", "0.1,0.2,0.3", "--output", output,
            "--parallel", "1", "--engine", "simulation");

        var exitCode = await ExperimentCommand.RunAsync(request, stdout, stderr, _ => new FailingAt(0.2), CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Contains("ε=0.2 failed: injected failure", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal([0.1, 0.3], ReadCsv(Path.Combine(output, "results.csv")).Select(r => Number(r["error_bound"])));
        Assert.True(File.Exists(Path.Combine(output, "error_bound_0.1", "summary.json")));
        Assert.True(File.Exists(Path.Combine(output, "error_bound_0.2", "error.txt")));
        Assert.True(File.Exists(Path.Combine(output, "max_error_vs_messages.png")));
    }

    [Fact]
    public void Error_bounds_run_one_per_core_and_on_a_local_cluster_up_to_four_per_core()
    {
        int Default(params string[] args) =>
            ExperimentCommand.DefaultParallelism(ExperimentCommand.Parse(["--node-type", "quadratic", .. args]), bounds: 8);

        var cores = Environment.ProcessorCount;
        Assert.Equal(cores, Default());
        Assert.Equal(cores, Default("--silos", "1"));
        Assert.Equal(Math.Min(8, 4 * cores), Default("--silos", "3"));
        // A fault injected into the cluster strikes one run, so the bounds keep their usual pace.
        Assert.Equal(cores, Default("--silos", "3", "--inject-fault", "node-1@300"));
        Assert.Equal(1, ExperimentCommand.DefaultParallelism(ExperimentCommand.Parse("--node-type", "quadratic", "--silos", "3"), bounds: 1));
    }

    [Fact]
    public async Task Results_csv_is_written_after_each_error_bound()
    {
        var output = Output();
        var request = ExperimentCommand.Parse("--node-type", "inner_product", "--iterations", "40", "--error-bounds", "0.1,0.2", "--output", output, "--parallel", "1", "--engine", "simulation");
        var seen = new List<int>();

        // The second run looks at results.csv before it starts: the first error bound's row is already there.
        var runner = new Observing(() => seen.Add(File.Exists(Path.Combine(output, "results.csv")) ? ReadCsv(Path.Combine(output, "results.csv")).Count : 0));
        var exitCode = await ExperimentCommand.RunAsync(request, TextWriter.Null, TextWriter.Null, _ => runner, CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Equal([0, 1], seen);
    }

    /// <summary>The cells of the summary table's row of error bound <paramref name="errorBound"/> (ASCII border: '|' between cells).</summary>
    private static string[] TableRow(string output, string errorBound)
    {
        var line = Assert.Single(output.Split('\n'), l => l.Split('|').Length > 2 && l.Split('|')[1].Trim() == errorBound);
        var cells = line.Split('|');
        return cells[1..^1].Select(c => c.Trim()).ToArray();
    }

    private sealed class FailingAt(double errorBound) : IExperimentRunner
    {
        private readonly SimulationRunner _inner = new();

        public string Engine => "failing";

        public void Validate(ExperimentSpec spec) => _inner.Validate(spec);

        public Task<ExperimentResult> RunAsync(ExperimentSpec spec, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken) =>
            spec.ErrorBound.Equals(errorBound)
                ? throw new InvalidOperationException("injected failure")
                : _inner.RunAsync(spec, progress, cancellationToken);
    }

    private sealed class Observing(Action beforeEachRun) : IExperimentRunner
    {
        private readonly SimulationRunner _inner = new();

        public string Engine => "observing";

        public void Validate(ExperimentSpec spec) => _inner.Validate(spec);

        public Task<ExperimentResult> RunAsync(ExperimentSpec spec, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
        {
            beforeEachRun();
            return _inner.RunAsync(spec, progress, cancellationToken);
        }
    }
}
