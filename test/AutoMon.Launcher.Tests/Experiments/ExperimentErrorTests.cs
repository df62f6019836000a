using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

public sealed class ExperimentErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-experiment-errors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] Quick(params string[] args) => ["--iterations", "40", "--output", Path.Combine(_directory, "out"), .. args];

    [Fact]
    public async Task Unknown_node_type_is_one_line_listing_the_known_ones()
    {
        var line = await FailsWithOneLine(Quick("--node-type", "cubic"));

        Assert.Contains("Unknown --node-type 'cubic'", line, StringComparison.Ordinal);
        Assert.Contains("inner_product, quadratic, kld", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "out")));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public async Task Error_bound_that_is_not_a_positive_number_is_rejected(string bound)
    {
        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--error-bound", bound));

        Assert.Contains("--error-bound must be a positive number", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.1,abc", "'abc' is not a number")]
    [InlineData("0.1,-2", "must be a positive number")]
    [InlineData("0.1,0.1", "twice")]
    [InlineData(",", "is empty")]
    [InlineData("0.1,,0.2", "entry 2 of \"0.1,,0.2\" is empty")]
    [InlineData("0.1, ", "entry 2 of \"0.1,\" is empty")]
    public async Task Bad_error_bound_list_is_rejected(string list, string expected)
    {
        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--error-bounds", list));

        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_data_dir_is_named()
    {
        var missing = Path.Combine(_directory, "no-such-datasets");

        var line = await FailsWithOneLine(Quick("--node-type", "inner_product", "--data-dir", missing));

        Assert.Contains(missing, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_dir_without_the_workloads_file_names_the_file()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "datasets", "quadratic"));

        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--data-dir", Path.Combine(_directory, "datasets")));

        Assert.Contains("H_matrix.txt", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_dir_without_air_quality_files_says_so()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "datasets", "air_quality"));

        var line = await FailsWithOneLine(["--node-type", "kld", "--iterations", "300", "--output", Path.Combine(_directory, "out"), "--data-dir", Path.Combine(_directory, "datasets")]);

        Assert.Contains("PRSA", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_file_shorter_than_the_run_names_the_file()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory, "datasets", "inner_product")).FullName;
        await File.WriteAllLinesAsync(Path.Combine(folder, "data_file.txt"), Enumerable.Repeat(string.Join(' ', Enumerable.Repeat("1.0", 40)), 50));

        var line = await FailsWithOneLine(Quick("--node-type", "inner_product", "--data-dir", Path.Combine(_directory, "datasets")));

        Assert.Contains("data_file.txt", line, StringComparison.Ordinal);
        Assert.Contains("50 rows", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--pacing", "paced")]
    [InlineData("--wan-latency", "25ms")]
    [InlineData("--lazy-sync-latency", "1s")]
    [InlineData("--round-interval", "10ms")]
    public async Task Network_options_are_rejected_by_the_simulation_engine(string option, string value)
    {
        var line = await FailsWithOneLine(Quick("--engine", "simulation", "--node-type", "quadratic", option, value));

        Assert.Contains("simulation engine", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Centralisation_is_not_a_grains_engine_run()
    {
        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--engine", "grains", "--centralized"));

        Assert.Contains("--centralized runs on --engine simulation", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_time_scale_without_paced_pacing_is_rejected()
    {
        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--time-scale", "0.1"));

        Assert.Contains("--time-scale scales a paced run's interval and latencies: give it with --pacing paced", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_pacing_is_rejected()
    {
        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--pacing", "sometimes"));

        Assert.Contains("--pacing 'sometimes' is not one of lockstep, paced", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_duration_is_rejected()
    {
        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--wan-latency", "soon"));

        Assert.Contains("--wan-latency 'soon' is not a duration", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_engine_lists_the_engines()
    {
        var line = await FailsWithOneLine(Quick("--node-type", "quadratic", "--engine", "warp"));

        Assert.Contains("Unknown --engine 'warp'", line, StringComparison.Ordinal);
        Assert.Contains("grains, simulation", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_few_iterations_to_fill_the_windows_is_rejected()
    {
        var line = await FailsWithOneLine(["--node-type", "quadratic", "--iterations", "10", "--output", Path.Combine(_directory, "out")]);

        Assert.Contains("--iterations must be at least 21", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dnn_needs_its_nine_nodes()
    {
        var line = await FailsWithOneLine(Quick("--node-type", "dnn", "--nodes", "4"));

        Assert.Contains("9 nodes", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_without_a_node_type_ask_for_one()
    {
        var line = await FailsWithOneLine("--error-bound", "0.1");

        Assert.Contains("--node-type is required", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_that_is_a_file_is_rejected()
    {
        var file = Path.Combine(_directory, "taken");
        await File.WriteAllTextAsync(file, "x");

        var line = await FailsWithOneLine("--node-type", "quadratic", "--iterations", "40", "--output", file);

        Assert.Contains("is not a folder", line, StringComparison.Ordinal);
    }
}
