using System.Text.Json;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using AutoMon.Protocol.Simulation;
using AutoMon.Silos.Hosting;

namespace AutoMon.Silos.Tests;

/// <summary>
/// <c>AutoMon.Silos --experiment ... --data-dir DIR</c> runs on the reference's data files (the launcher's loader, shared)
/// instead of the seeded generators.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class ExperimentDataFilesTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"automon-datafiles-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>
    /// Writes <c>datasets/inner_product/data_file.txt</c> from another seed than the silo's, so a silo that generated its
    /// data would not match; returns the datasets folder.
    /// </summary>
    internal static string WriteInnerProductDatasets(string root)
    {
        var folder = Path.Combine(root, "datasets", "inner_product");
        Directory.CreateDirectory(folder);
        var data = DataGenerators.Generate(Workload.InnerProduct, new GeneratorOptions(4, 40, 4, 7, 0));
        NumpyTextFile.WriteTable(Path.Combine(folder, ReferenceDatasets.DataFile), data.Values, 4);
        return Path.Combine(root, "datasets");
    }

    /// <summary>What the launcher's simulation computes on the same file: the expected counters.</summary>
    internal static SimulationResult SimulateOnFile(string datasets)
    {
        var request = new ExperimentRequest { Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = "inner_product", Nodes = 4, Iterations = 40, Dimension = 4, Window = 5, ErrorBound = 0.1, Seed = 3 } };
        var data = NumpyTextFile.ReadDataSet(Path.Combine(datasets, "inner_product", ReferenceDatasets.DataFile), 4, 0, null, 4);
        var (config, _) = request.Build();
        return Simulator.Run(config.ToSimulationOptions(config.Function.Create()), data);
    }

    internal static void AssertSameCounters(SimulationResult expected, JsonElement summary)
    {
        for (var k = 0; k < CoordinatorStatistics.CounterNames.Count; k++)
        {
            Assert.Equal(expected.Statistics.Counters[k], summary.GetProperty(CoordinatorStatistics.CounterNames[k]).GetInt64());
        }

        Assert.Equal(expected.Statistics.BytesSent, summary.GetProperty("bytes_sent").GetInt64());
    }

    [Fact]
    public async Task An_all_in_one_silo_with_data_dir_monitors_the_files_rows_as_the_simulation_does()
    {
        var datasets = WriteInnerProductDatasets(_folder);
        var output = Path.Combine(_folder, "out");
        await using var silo = SiloProcess.StartAllInOne(
            "--experiment", "inner_product", "--nodes", "4", "--iterations", "40", "--dim", "4", "--window", "5", "--error-bound", "0.1",
            "--seed", "3", "--data-dir", datasets, "--output", output);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{silo.Output}");
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "summary.json")));
        AssertSameCounters(SimulateOnFile(datasets), summary.RootElement);
    }

    [Fact]
    public async Task A_data_dir_without_the_workloads_file_fails_before_the_silo_starts_naming_the_file()
    {
        var datasets = Path.Combine(_folder, "datasets");
        Directory.CreateDirectory(Path.Combine(datasets, "inner_product"));
        await using var silo = SiloProcess.StartAllInOne("--experiment", "inner_product", "--dim", "4", "--data-dir", datasets);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.Contains("inner_product needs data_file.txt, not found in", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AutoMon silo started", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Quadratic_reads_its_H_matrix_from_the_data_folder()
    {
        var folder = Path.Combine(_folder, "quadratic");
        Directory.CreateDirectory(folder);
        var data = DataGenerators.Generate(Workload.Quadratic, new GeneratorOptions(2, 10, 2, 1, 0));
        NumpyTextFile.WriteTable(Path.Combine(folder, ReferenceDatasets.DataFile), data.Values, 2);
        NumpyTextFile.WriteHMatrix(Path.Combine(folder, ReferenceDatasets.HMatrixFile), new double[,] { { 1.5, 0.25 }, { 0.25, -2 } });

        var (config, _) = new ExperimentRequest { Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = "quadratic", Nodes = 2, Iterations = 10, Dimension = 2, Window = 2, Seed = 1, DataDirectory = _folder } }.Build();

        Assert.Equal([1.5, 0.25, 0.25, -2], config.Function.HMatrix.ToArray());
    }
}
