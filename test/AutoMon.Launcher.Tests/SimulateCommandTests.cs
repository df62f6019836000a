using System.Globalization;
using System.Text;
using System.Text.Json;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Tests.Data;

namespace AutoMon.Launcher.Tests;

public sealed class SimulateCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = await LauncherApp.RunAsync(["simulate", .. args], output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private async Task<JsonElement> Simulate(string outputName, params string[] args)
    {
        var (exitCode, _, error) = await Run([.. args, "--output", _directory.PathOf(outputName)]);
        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        Assert.Equal(string.Empty, error);
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory.PathOf(outputName), "summary.json"))).RootElement;
    }

    private async Task<string> Fails(params string[] args)
    {
        var (exitCode, output, error) = await Run(args);
        Assert.NotEqual(0, exitCode);
        Assert.Equal(string.Empty, output);
        var line = error.TrimEnd();
        Assert.False(string.IsNullOrEmpty(line));
        Assert.DoesNotContain('\n', line);
        return line;
    }

    private static readonly string[] SmallInnerProduct =
        ["--function", "inner_product", "--nodes", "3", "--iterations", "40", "--window", "4", "--dim", "4", "--error-bound", "0.2"];

    /// <summary>
    /// 3 nodes × 40 rows of d = 4 random walks written as np.savetxt text (SplitMix64 + Irwin–Hall normals, + − × only).
    /// The reference (hsivan/automon) was run once on exactly this file; its figures are below.
    /// </summary>
    private string WriteWalkDataFile()
    {
        ulong state = 17;
        double Uniform()
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }

        double Normal()
        {
            var sum = -6.0;
            for (var i = 0; i < 12; i++)
            {
                sum += Uniform();
            }

            return sum;
        }

        var walk = new double[3, 4];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                walk[i, j] = (j < 2 ? 1 : 0.5) + (0.1 * Normal());
            }
        }

        var text = new StringBuilder();
        for (var k = 0; k < 3 * 40; k++)
        {
            var node = k % 3;
            for (var j = 0; j < 4; j++)
            {
                walk[node, j] += 0.08 * Normal();
                text.Append(j > 0 ? " " : string.Empty).Append((walk[node, j] + (0.05 * Normal())).ToString("R", CultureInfo.InvariantCulture));
            }

            text.Append('\n');
        }

        return _directory.Write("walk.txt", text.ToString());
    }

    [Fact]
    public async Task The_summary_has_the_13_reference_counters_in_order_then_the_run_figures()
    {
        var summary = await Simulate("out", SmallInnerProduct);

        string[] expected =
        [
            "true_violations", "false_global_violations", "false_local_violations", "sync_broadcast_msgs", "sync_msgs",
            "get_local_vector_broadcast_msgs", "get_local_vector_msgs", "missed_violations", "rounds_with_violation",
            "total_violation_msgs", "node_return_local_vector_msgs", "total_msgs_broadcast_enabled", "total_msgs_broadcast_disabled",
            "bytes_sent", "bytes_received", "max_error", "mean_error", "rounds", "data_updates", "wall_seconds", "node_check_mean_ns",
            "full_sync_mean_ms",
        ];
        Assert.Equal(expected, summary.EnumerateObject().Take(expected.Length).Select(p => p.Name));
        Assert.Equal(37, summary.GetProperty("rounds").GetInt32());
        Assert.Equal(3 + (36 * 3), summary.GetProperty("data_updates").GetInt32());
        Assert.True(summary.GetProperty("max_error").GetDouble() <= 0.2);
    }

    [Fact]
    public async Task Repeat_times_the_same_run_several_times()
    {
        var once = await Simulate("once", SmallInnerProduct);
        var thrice = await Simulate("thrice", [.. SmallInnerProduct, "--repeat", "3"]);

        Assert.Equal(3, thrice.GetProperty("repeats").GetInt32());
        Assert.True(thrice.GetProperty("wall_seconds_best").GetDouble() <= thrice.GetProperty("wall_seconds").GetDouble());
        Assert.Equal(once.GetProperty("total_msgs_broadcast_disabled").GetInt32(), thrice.GetProperty("total_msgs_broadcast_disabled").GetInt32());
    }

    [Fact]
    public async Task The_summary_reports_both_baselines()
    {
        var summary = await Simulate("out", [.. SmallInnerProduct, "--period", "5"]);

        var baselines = summary.GetProperty("baselines");
        Assert.Equal((37 + 1) * 3, baselines.GetProperty("centralization").GetProperty("messages").GetInt32());
        Assert.Equal((37 + 1) * 3 * (12 + 32), baselines.GetProperty("centralization").GetProperty("bytes").GetInt32());
        Assert.Equal(5, baselines.GetProperty("periodic").GetProperty("period").GetInt32());
        Assert.Equal(3 * 8, baselines.GetProperty("periodic").GetProperty("messages").GetInt32());
        Assert.True(baselines.GetProperty("periodic_oracle").GetProperty("period").GetInt32() >= 1);
    }

    [Fact]
    public async Task A_data_file_run_reproduces_the_reference_figures()
    {
        var data = WriteWalkDataFile();

        var eager = await Simulate("eager", [.. SmallInnerProduct, "--data-file", data, "--sync", "eager"]);
        var random = await Simulate("random", [.. SmallInnerProduct, "--data-file", data, "--sync", "lazy-random"]);
        var noSlack = await Simulate("none", [.. SmallInnerProduct, "--data-file", data, "--sync", "eager", "--slack", "none"]);

        // hsivan/automon on walk.txt: drift_eager, drift_lazy-random, none_eager.
        AssertReference(eager, ReferenceEager, 2844, 1044, 0.06843246162374572);
        AssertReference(random, ReferenceLazyRandom, 2188, 1156, 0.11441774887634915);
        AssertReference(noSlack, ReferenceNoSlack, 11684, 4996, 0.03216751657453676);
        Assert.Equal(ReferenceEagerSyncRounds, File.ReadAllLines(Path.Combine(_directory.PathOf("eager"), "sync_history.csv")).Select(l => int.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task The_sync_history_has_the_round_then_every_component_of_x0_at_full_precision()
    {
        var data = WriteWalkDataFile();

        await Simulate("out", [.. SmallInnerProduct, "--data-file", data, "--sync", "eager"]);

        var first = File.ReadAllLines(Path.Combine(_directory.PathOf("out"), "sync_history.csv"))[0].Split(',');
        Assert.Equal(5, first.Length);
        Assert.Equal("0", first[0]);
        var x0 = first[1..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(ReferenceFirstX0, x0);
    }

    [Fact]
    public async Task Function_values_has_one_row_per_round_with_true_value_estimate_error_and_bounds()
    {
        await Simulate("out", SmallInnerProduct);

        var lines = File.ReadAllLines(Path.Combine(_directory.PathOf("out"), "function_values.csv"));
        Assert.Equal("round,true_value,estimate,error,lower_threshold,upper_threshold", lines[0]);
        Assert.Equal(1 + 37, lines.Length);
        var row = lines[10].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(9, row[0]);
        Assert.Equal(Math.Abs(row[1] - row[2]), row[3], 12);
        Assert.Equal(row[2] - 0.2, row[4], 12);
        Assert.Equal(row[2] + 0.2, row[5], 12);
    }

    public static TheoryData<string, string, string> EveryFunctionAndVariant()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var function in new[] { "inner_product", "quadratic", "kld", "entropy", "variance", "cosine_similarity", "rozenbrock", "sine", "quadratic_inverse", "mlp" })
        {
            foreach (var (slack, sync) in new[] { ("drift", "eager"), ("drift", "lazy-lru"), ("drift", "lazy-random"), ("none", "eager") })
            {
                data.Add(function, slack, sync);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryFunctionAndVariant))]
    public async Task Every_catalog_function_runs_with_every_slack_and_sync_combination(string function, string slack, string sync)
    {
        var nodes = function == "quadratic_inverse" ? "4" : "3";
        var summary = await Simulate("out",
            "--function", function, "--nodes", nodes, "--iterations", "30", "--window", "5", "--error-bound", "0.3", "--slack", slack, "--sync", sync,
            "--seed", "2");

        Assert.Equal(26, summary.GetProperty("rounds").GetInt32());
        Assert.Equal(0, summary.GetProperty("missed_violations").GetInt32());
        Assert.True(summary.GetProperty("full_syncs").GetInt32() >= 1);
    }

    [Fact]
    public async Task The_intrusion_detection_network_runs_on_its_synthetic_stand_in()
    {
        var summary = await Simulate("out",
            "--function", "dnn", "--nodes", "9", "--iterations", "60", "--window", "3", "--error-bound", "0.2", "--sync", "eager",
            "--single-sample-rounds", "--seed", "1");

        Assert.Equal("X", summary.GetProperty("adcd").GetString());
        Assert.Equal(0, summary.GetProperty("missed_violations").GetInt32());
    }

    private string WriteAirQualityStations()
    {
        const string header = "\"No\",\"year\",\"month\",\"day\",\"hour\",\"PM2.5\",\"PM10\",\"SO2\",\"NO2\",\"CO\",\"O3\",\"TEMP\",\"PRES\",\"DEWP\",\"RAIN\",\"wd\",\"WSPM\",\"station\"";
        var folder = _directory.PathOf("prsa");
        Directory.CreateDirectory(folder);
        foreach (var (station, offset) in new[] { ("Dongsi", 0), ("Tiantan", 7) })
        {
            var rows = Enumerable.Range(1, 30).Select(no =>
                $"{no},2013,3,1,{no % 24},{(no * 37 + offset) % 400},{(no * 53 + offset) % 450},4,7,300,77,-0.7,1023,-18.8,0,NNW,4.4,{station}");
            File.WriteAllText(Path.Combine(folder, $"PRSA_Data_{station}_20130301-20170228.csv"), header + "\n" + string.Join("\n", rows) + "\n");
        }

        return folder;
    }

    [Fact]
    public async Task KLD_runs_on_air_quality_station_files_one_node_per_station()
    {
        var folder = WriteAirQualityStations();

        var summary = await Simulate("out",
            "--function", "kld", "--nodes", "2", "--iterations", "25", "--window", "5", "--dim", "6", "--error-bound", "0.3", "--air-quality", folder);

        Assert.Equal(21, summary.GetProperty("rounds").GetInt32());
        Assert.Equal(folder, summary.GetProperty("config").GetProperty("data").GetString());
    }

    [Fact]
    public async Task The_node_count_must_match_the_air_quality_stations()
    {
        var folder = WriteAirQualityStations();

        var error = await Fails("--function", "kld", "--nodes", "12", "--iterations", "25", "--window", "5", "--dim", "6", "--error-bound", "0.3",
            "--air-quality", folder, "--output", _directory.PathOf("out"));

        Assert.Contains("2 stations", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tuning_iterations_tune_the_neighbourhood_of_a_non_constant_Hessian()
    {
        var summary = await Simulate("out",
            "--function", "rozenbrock", "--nodes", "3", "--iterations", "40", "--window", "5", "--error-bound", "0.5", "--neighborhood", "0.2",
            "--tuning-iterations", "20", "--seed", "4");

        var tuning = summary.GetProperty("neighborhood_tuning");
        Assert.True(tuning.GetProperty("trials").GetArrayLength() >= 2);
        Assert.Equal(tuning.GetProperty("chosen").GetDouble(), summary.GetProperty("neighborhood_size").GetDouble());
    }

    [Fact]
    public async Task NoSlack_with_lazy_sync_is_refused_and_nothing_is_written()
    {
        var error = await Fails([.. SmallInnerProduct, "--slack", "none", "--sync", "lazy-lru", "--output", _directory.PathOf("out")]);

        Assert.Contains("--slack none", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.PathOf("out")));
    }

    [Fact]
    public async Task An_unknown_function_is_named_in_the_error()
    {
        var error = await Fails("--function", "banana", "--nodes", "3", "--iterations", "10", "--window", "4", "--error-bound", "1", "--output", _directory.PathOf("out"));

        Assert.Contains("banana", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_NaN_in_the_data_file_is_reported_with_file_and_line()
    {
        var data = _directory.Write("bad.txt", "1 2 3 4\n1 2 3 4\nnan 2 3 4\n");

        var error = await Fails([.. SmallInnerProduct, "--data-file", data, "--output", _directory.PathOf("out")]);

        Assert.Contains("bad.txt", error, StringComparison.Ordinal);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_data_file_is_named_in_the_error()
    {
        var error = await Fails([.. SmallInnerProduct, "--data-file", _directory.PathOf("nowhere.txt"), "--output", _directory.PathOf("out")]);

        Assert.Contains("nowhere.txt", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_file_too_short_for_the_iterations_is_refused()
    {
        var data = _directory.Write("short.txt", string.Concat(Enumerable.Repeat("1 2 3 4\n", 30)));

        var error = await Fails([.. SmallInnerProduct, "--data-file", data, "--output", _directory.PathOf("out")]);

        Assert.Contains("short.txt", error, StringComparison.Ordinal);
        Assert.Contains("120", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_file_with_the_wrong_row_length_is_refused()
    {
        var data = _directory.Write("rows.txt", "1 2 3\n");

        var error = await Fails([.. SmallInnerProduct, "--data-file", data, "--output", _directory.PathOf("out")]);

        Assert.Contains("rows.txt", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_domain_is_refused()
    {
        var error = await Fails([.. SmallInnerProduct, "--domain", "0;1", "--output", _directory.PathOf("out")]);

        Assert.Contains("--domain", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_formula_monitors_like_the_catalog_function_it_spells_out()
    {
        var data = WriteWalkDataFile();
        string[] shape = ["--nodes", "3", "--iterations", "40", "--window", "4", "--error-bound", "0.2", "--data-file", data];

        var catalog = await Simulate("catalog", ["--function", "inner_product", "--dim", "4", .. shape]);
        var formula = await Simulate("formula", ["--function", "dot(x[0:2], x[2:4])", .. shape]);

        // Same AD graph, same protocol: the same syncs at the same rounds with the same x0, the same values every round.
        Assert.Equal(catalog.GetProperty("total_msgs_broadcast_disabled").GetInt64(), formula.GetProperty("total_msgs_broadcast_disabled").GetInt64());
        foreach (var file in new[] { "sync_history.csv", "function_values.csv" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(_directory.PathOf("catalog"), file)), File.ReadAllText(Path.Combine(_directory.PathOf("formula"), file)));
        }
    }

    [Fact]
    public async Task A_formula_with_a_syntax_error_is_refused_naming_the_position()
    {
        var error = await Fails("--function", "dot(x[0:2], x[2:4]", "--nodes", "3", "--iterations", "40", "--window", "4",
            "--data-file", WriteWalkDataFile(), "--output", _directory.PathOf("out"));

        Assert.Contains("position", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.PathOf("out")), "nothing written");
    }

    [Fact]
    public async Task A_formula_without_a_data_file_is_refused()
    {
        var error = await Fails("--function", "x[0]*x[1]", "--nodes", "3", "--iterations", "40", "--window", "4", "--output", _directory.PathOf("out"));

        Assert.Contains("give its data with --data-file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Iterations_shorter_than_the_window_are_refused()
    {
        var error = await Fails("--function", "inner_product", "--nodes", "3", "--iterations", "3", "--window", "4", "--dim", "4", "--error-bound", "1", "--output", _directory.PathOf("out"));

        Assert.Contains("--window", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dimension_whose_matrices_cannot_exist_is_refused_at_once_naming_the_limit()
    {
        var error = await Fails("--function", "inner_product", "--dim", "1000000", "--output", _directory.PathOf("out"));

        Assert.Contains("--dim 1000000 is too large", error, StringComparison.Ordinal);
        Assert.Contains(RunLimits.MaxDimension.ToString(CultureInfo.InvariantCulture), error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_needs_more_memory_than_the_machine_has_is_refused_with_the_figures()
    {
        // 12 matrices of 40,000² doubles: 12.8 GB each, far over any machine this runs on; refused before any is allocated.
        var error = await Fails("--function", "inner_product", "--dim", "40000", "--nodes", "8", "--iterations", "30", "--window", "3",
            "--output", _directory.PathOf("out"));

        Assert.Contains("the run needs about", error, StringComparison.Ordinal);
        Assert.Contains("lower --dim, --nodes or --iterations", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory.PathOf("out")) && Directory.EnumerateFileSystemEntries(_directory.PathOf("out")).Any());
    }

    [Fact]
    public async Task An_output_path_that_is_a_file_is_refused()
    {
        var file = _directory.Write("taken", "keep me");

        await Fails([.. SmallInnerProduct, "--output", file]);

        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public async Task Other_files_in_the_output_folder_are_left_alone()
    {
        var folder = _directory.PathOf("out");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");

        await Simulate("out", SmallInnerProduct);

        Assert.Equal("mine", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.Equal(["function_values.csv", "notes.txt", "summary.json", "sync_history.csv"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_failed_run_keeps_the_results_of_an_earlier_run()
    {
        await Simulate("out", SmallInnerProduct);
        var before = File.ReadAllText(Path.Combine(_directory.PathOf("out"), "summary.json"));
        var data = _directory.Write("bad.txt", "1 2 3 inf\n");

        await Fails([.. SmallInnerProduct, "--data-file", data, "--output", _directory.PathOf("out")]);

        Assert.Equal(before, File.ReadAllText(Path.Combine(_directory.PathOf("out"), "summary.json")));
    }

    private static void AssertReference(JsonElement summary, long[] counters, long bytesSent, long bytesReceived, double maxError)
    {
        string[] names =
        [
            "true_violations", "false_global_violations", "false_local_violations", "sync_broadcast_msgs", "sync_msgs",
            "get_local_vector_broadcast_msgs", "get_local_vector_msgs", "missed_violations", "rounds_with_violation",
            "total_violation_msgs", "node_return_local_vector_msgs", "total_msgs_broadcast_enabled", "total_msgs_broadcast_disabled",
        ];
        Assert.Equal(counters, names.Select(n => summary.GetProperty(n).GetInt64()));
        Assert.Equal(bytesSent, summary.GetProperty("bytes_sent").GetInt64());
        Assert.Equal(bytesReceived, summary.GetProperty("bytes_received").GetInt64());
        Assert.Equal(maxError, summary.GetProperty("max_error").GetDouble(), 12);
    }

    // hsivan/automon (AutoGrad backend, np.random.seed(1) before each run) on walk.txt.
    private static readonly long[] ReferenceEager = [3, 0, 6, 7, 21, 6, 12, 0, 7, 6, 12, 31, 51];
    private static readonly long[] ReferenceLazyRandom = [3, 0, 10, 10, 23, 10, 10, 0, 10, 10, 10, 40, 53];
    private static readonly long[] ReferenceNoSlack = [3, 0, 58, 33, 99, 27, 38, 0, 33, 58, 38, 156, 233];
    private static readonly int[] ReferenceEagerSyncRounds = [0, 4, 8, 18, 27, 30, 34];
    private static readonly double[] ReferenceFirstX0 = [0.7847475585946057, 1.003341368026329, 0.46404606790719566, 0.5290849698152473];
}
