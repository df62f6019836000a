using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Launcher.Tests.Data;

/// <summary>The reference's <c>datasets/</c> layout, shared by the launcher and the silo host: which files a workload reads.</summary>
public sealed class ReferenceDatasetsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Folder(string name) => Directory.CreateDirectory(_dir.PathOf(name)).FullName;

    private static IEnumerable<string> Names(IEnumerable<string> files) => files.Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    [Fact]
    public void The_workload_folder_is_the_nested_one_when_it_exists_else_the_folder_given()
    {
        var nested = Folder("air_quality");

        Assert.Equal(nested, ReferenceDatasets.WorkloadFolder(_dir.Path, "kld"));
        Assert.Equal(_dir.Path, ReferenceDatasets.WorkloadFolder(_dir.Path, "dnn"));
    }

    [Fact]
    public void Kld_reads_only_the_station_files()
    {
        var folder = Folder("air_quality");
        foreach (var name in new[] { "PRSA_Data_Aotizhongxin_20130301-20170228.csv", "PRSA_Data_Changping_20130301-20170228.csv", "README.txt" })
        {
            File.WriteAllText(Path.Combine(folder, name), "No\n");
        }

        var files = ReferenceDatasets.RequiredFiles(folder, Workload.AirQualityKld, "kld");

        Assert.Equal(["PRSA_Data_Aotizhongxin_20130301-20170228.csv", "PRSA_Data_Changping_20130301-20170228.csv"], Names(files));
    }

    [Fact]
    public void Quadratic_reads_its_data_file_schedule_and_H_matrix()
    {
        var folder = Folder("quadratic");
        foreach (var name in new[] { "data_file.txt", "node_schedule_file.txt", "H_matrix.txt", "notes.md" })
        {
            File.WriteAllText(Path.Combine(folder, name), "1\n");
        }

        var files = ReferenceDatasets.RequiredFiles(folder, Workload.Quadratic, "quadratic");

        Assert.Equal(["H_matrix.txt", "data_file.txt", "node_schedule_file.txt"], Names(files));
    }

    [Fact]
    public void Inner_product_without_a_schedule_reads_its_data_file_only()
    {
        var folder = Folder("inner_product");
        File.WriteAllText(Path.Combine(folder, "data_file.txt"), "1\n");

        Assert.Equal(["data_file.txt"], Names(ReferenceDatasets.RequiredFiles(folder, Workload.InnerProduct, "inner_product")));
    }

    [Fact]
    public void A_missing_file_is_named_with_its_folder_and_the_reference_layout()
    {
        var folder = Folder("intrusion_detection");

        var error = Assert.Throws<FileNotFoundException>(() => ReferenceDatasets.RequiredFiles(folder, Workload.IntrusionDetection, "dnn"));

        Assert.Equal($"--data-dir: dnn needs corrected, not found in {folder} (the reference's datasets/intrusion_detection/ layout).", error.Message);
    }

    [Fact]
    public void Data_file_rows_beyond_tuning_and_monitoring_are_left_out()
    {
        var folder = Folder("inner_product");
        var generated = DataGenerators.Generate(Workload.InnerProduct, new GeneratorOptions(2, 12, 2, 1, 0));
        NumpyTextFile.WriteTable(Path.Combine(folder, "data_file.txt"), generated.Values, 2);

        var loaded = ReferenceDatasets.Load(folder, new ReferenceDataRequest
        {
            Workload = Workload.InnerProduct, NodeType = "inner_product", Nodes = 2, Iterations = 8, Dimension = 2, TuningIterations = 2,
        });

        Assert.Equal((20, 4, 2), (loaded.Data.RowCount, loaded.Data.TuningRowCount, loaded.TuningIterations));
        Assert.Equal(generated.Values[..40].ToArray(), loaded.Data.Values.ToArray());
    }
}
