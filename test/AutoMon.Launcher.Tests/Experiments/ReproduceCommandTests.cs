using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

public sealed class ReproduceCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-reproduce-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Reproduce_runs_each_workload_into_its_folder_and_draws_the_overview()
    {
        var output = Path.Combine(_directory, "paper");

        var text = await Succeeds("reproduce", "--engine", "simulation", "--node-types", "inner_product,quadratic", "--max-iterations", "40", "--output", output);

        // The inner product's ten error bounds with AutoMon and, as in the paper's figure, CB.
        var innerProduct = ReadCsv(Path.Combine(output, "inner_product", "results.csv"));
        Assert.Equal(20, innerProduct.Count);
        Assert.Equal(10, innerProduct.Count(r => r["protocol"] == "cb"));
        Assert.Equal(8, ReadCsv(Path.Combine(output, "quadratic", "results.csv")).Count);
        Assert.True(File.Exists(Path.Combine(output, "quadratic", "max_error_vs_messages.png")));
        var (width, height) = PngSize(Path.Combine(output, "max_error_vs_messages_all.png"));
        Assert.True(width >= 1000 && height >= 500, $"{width}x{height}");
        Assert.Contains("Reproduced 2 of 2 workloads", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_competitors_reproduce_also_compares_AutoMon_with_GM_and_CB_on_their_functions()
    {
        var output = Path.Combine(_directory, "competitors");

        var text = await Succeeds("reproduce", "--engine", "simulation", "--node-types", "quadratic", "--max-iterations", "40",
            "--competitors", "--output", output);

        foreach (var (nodeType, protocol) in new[] { ("entropy", "gm"), ("variance", "gm"), ("cosine_similarity", "cb") })
        {
            var rows = ReadCsv(Path.Combine(output, "compare_" + nodeType, "results.csv"));
            Assert.Equal(rows.Count / 2, rows.Count(r => r["protocol"] == protocol));
            Assert.Equal(rows.Count / 2, rows.Count(r => r["protocol"] == "automon"));
        }

        Assert.True(File.Exists(Path.Combine(output, "max_error_vs_messages_competitors.png")));
        Assert.Contains("and 3 of 3 comparisons", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("quadratic,cubic", "cubic")]
    [InlineData("quadratic,,kld", "--node-types: entry 2 of \"quadratic,,kld\" is empty")]
    public async Task Reproduce_rejects_an_unknown_or_blank_workload_before_running_anything(string nodeTypes, string expected)
    {
        var output = Path.Combine(_directory, "bad");

        var line = await FailsWithOneLine("reproduce", "--node-types", nodeTypes, "--output", output);

        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }
}
