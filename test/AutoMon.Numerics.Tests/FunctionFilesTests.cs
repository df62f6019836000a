using System.Globalization;
using System.IO.Compression;
using System.Text;
using AutoMon.Numerics.Functions;

namespace AutoMon.Numerics.Tests;

public sealed class FunctionFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("automon-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Weights_from_an_npz_give_the_same_network_as_the_arrays_they_hold()
    {
        var original = DenseNetwork.Initialize([3, 4, 1], Activation.Tanh, Activation.Identity, seed: 5);
        var path = Path.Combine(_dir, "net.npz");
        WriteNpz(path, original);

        var f = FunctionCatalog.Create("mlp", new FunctionOptions { Dimension = 3, WeightsPath = path });
        var expected = MonitoredFunctions.Network("mlp", original);
        double[] x = [0.3, -0.7, 0.2];
        Assert.Equal(expected.Value(x), f.Function.Value(x));
    }

    [Fact]
    public void Weights_given_as_the_bytes_of_an_npz_give_the_same_network_as_the_file()
    {
        var original = DenseNetwork.Initialize([3, 4, 1], Activation.Tanh, Activation.Identity, seed: 6);
        var path = Path.Combine(_dir, "net.npz");
        WriteNpz(path, original);

        var f = FunctionCatalog.Create("mlp", new FunctionOptions { Dimension = 3, WeightsNpz = File.ReadAllBytes(path) });
        var expected = MonitoredFunctions.Network("mlp", original);
        double[] x = [0.1, 0.9, -0.4];
        Assert.Equal(expected.Value(x), f.Function.Value(x));
    }

    [Fact]
    public void A_written_network_reads_back_as_the_same_function()
    {
        var original = DenseNetwork.Initialize([3, 5, 2, 1], Activation.Tanh, Activation.Identity, seed: 8);
        var path = Path.Combine(_dir, "written.npz");

        FunctionFiles.WriteNetwork(path, original);

        var f = FunctionCatalog.Create("mlp", new FunctionOptions { Dimension = 3, WeightsPath = path });
        double[] x = [-0.2, 0.5, 0.8];
        Assert.Equal(MonitoredFunctions.Network("mlp", original).Value(x), f.Function.Value(x));
    }

    [Fact]
    public void Bytes_that_are_not_an_npz_are_named_in_the_error()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            FunctionCatalog.Create("mlp", new FunctionOptions { Dimension = 3, WeightsNpz = Encoding.ASCII.GetBytes("not a zip") }));

        Assert.Contains("the given weights", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_weights_file_is_named_in_the_error()
    {
        var path = Path.Combine(_dir, "absent.npz");
        var e = Assert.Throws<FileNotFoundException>(() => FunctionCatalog.Create("mlp", new FunctionOptions { WeightsPath = path }));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void H_matrix_text_is_read_as_savetxt_writes_it()
    {
        var path = Path.Combine(_dir, "H_matrix.txt");
        File.WriteAllText(path, "# H\n1.000000 -2.500000\n3.250000e-01 4\n");
        var f = FunctionCatalog.Create("quadratic", new FunctionOptions { Dimension = 2, HMatrixPath = path }).Function;
        // x = (1, 2): 1 - 2.5*2 + 0.325*2 + 4*4 = 12.65
        Assert.Equal(12.65, f.Value([1.0, 2]), 12);
    }

    [Fact]
    public void A_ragged_matrix_file_is_rejected_with_file_and_line()
    {
        var path = Path.Combine(_dir, "H_bad.txt");
        File.WriteAllText(path, "1 2\n3\n");
        var e = Assert.Throws<InvalidDataException>(() => FunctionFiles.ReadMatrix(path));
        Assert.Contains($"{path} line 2: expected 2 values, found 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_matrix_of_the_wrong_size_for_the_dimension_is_rejected()
    {
        var path = Path.Combine(_dir, "H3.txt");
        File.WriteAllText(path, "1 0 0\n0 1 0\n0 0 1\n");
        var e = Assert.Throws<ArgumentException>(() =>
            FunctionCatalog.Create("quadratic", new FunctionOptions { Dimension = 4, HMatrixPath = path }));
        Assert.Contains("3×3", e.Message, StringComparison.Ordinal);
    }

    private static void WriteNpz(string path, DenseNetwork network)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        for (var k = 0; k < network.Layers.Count; k++)
        {
            var layer = network.Layers[k];
            var w = new double[layer.Inputs * layer.Outputs];
            for (var i = 0; i < layer.Inputs; i++)
            {
                for (var o = 0; o < layer.Outputs; o++)
                {
                    w[(i * layer.Outputs) + o] = layer.Weights[o, i];
                }
            }

            Add(zip, $"W{k}.npy", w, $"({layer.Inputs}, {layer.Outputs})");
            Add(zip, $"b{k}.npy", layer.Bias, $"({layer.Outputs},)");
        }
    }

    private static void Add(ZipArchive zip, string name, double[] values, string shape)
    {
        var header = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        header = header.PadRight(118) + "\n";
        using var s = zip.CreateEntry(name).Open();
        s.Write([0x93]);
        s.Write(Encoding.ASCII.GetBytes("NUMPY"));
        s.Write([1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        s.Write(Encoding.ASCII.GetBytes(header));
        foreach (var v in values)
        {
            s.Write(BitConverter.GetBytes(v));
        }
    }
}
