using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

/// <summary>Tests that change the process's current folder run alone.</summary>
[CollectionDefinition(nameof(CurrentDirectory), DisableParallelization = true)]
public sealed class CurrentDirectory;

[Collection(nameof(CurrentDirectory))]
public sealed class MainCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-main-").FullName;
    private readonly string _previous = Environment.CurrentDirectory;

    public MainCommandTests() => Environment.CurrentDirectory = _directory;

    public void Dispose()
    {
        Environment.CurrentDirectory = _previous;
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Node_type_quadratic_runs_its_sweep_on_the_grains_and_writes_under_results_quadratic_timestamp()
    {
        var output = await Succeeds("--node-type", "quadratic", "--iterations", "40");

        var run = Assert.Single(Directory.GetDirectories(Path.Combine(_directory, "results", "quadratic")));
        var rows = ReadCsv(Path.Combine(run, "results.csv"));
        Assert.Equal(8, rows.Count);
        Assert.All(rows, r => Assert.True(long.Parse(r["wire_bytes"], System.Globalization.CultureInfo.InvariantCulture) > 0));
        Assert.Contains("\"engine\": \"grains\"", File.ReadAllText(Path.Combine(run, rows[0]["folder"], "config.json")), StringComparison.Ordinal);
        Assert.Contains(run, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_runs_in_the_same_second_get_separate_folders()
    {
        await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--error-bound", "0.3");
        await Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "40", "--error-bound", "0.3");

        Assert.Equal(2, Directory.GetDirectories(Path.Combine(_directory, "results", "inner_product")).Length);
    }
}
