using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace AutoMon.Numerics.Functions;

/// <summary>Reads function parameters: a text matrix (np.savetxt) and a .npz of float arrays (network weights).</summary>
public static partial class FunctionFiles
{
    /// <summary>A whitespace-separated matrix, one row per line ('#' starts a comment), as np.savetxt writes it.</summary>
    public static double[,] ReadMatrix(string path)
    {
        RequireFile(path);
        var rows = new List<double[]>();
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            var row = new double[fields.Length];
            for (var j = 0; j < fields.Length; j++)
            {
                if (!double.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]) || !double.IsFinite(row[j]))
                {
                    throw new InvalidDataException($"{path} line {lineNumber}: '{fields[j]}' is not a finite number.");
                }
            }

            if (rows.Count > 0 && row.Length != rows[0].Length)
            {
                throw new InvalidDataException($"{path} line {lineNumber}: expected {rows[0].Length} values, found {row.Length}.");
            }

            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            throw new InvalidDataException($"{path}: no matrix rows found.");
        }

        var m = new double[rows.Count, rows[0].Length];
        for (var i = 0; i < rows.Count; i++)
        {
            for (var j = 0; j < rows[0].Length; j++)
            {
                m[i, j] = rows[i][j];
            }
        }

        return m;
    }

    /// <summary>
    /// A network from a .npz holding W0, b0, W1, b1, … (W_k of shape inputs × outputs, the x @ W + b convention of numpy/jax),
    /// hidden layers with <paramref name="hidden"/> and the last with <paramref name="output"/>.
    /// </summary>
    public static DenseNetwork ReadNetwork(string path, Activation hidden, Activation output) =>
        NetworkOf(ReadNpz(path), path, hidden, output);

    /// <summary>A network from the bytes of a .npz (as <see cref="ReadNetwork(string, Activation, Activation)"/>); <paramref name="where"/> names them in errors.</summary>
    public static DenseNetwork ReadNetwork(byte[] npz, string where, Activation hidden, Activation output) =>
        NetworkOf(ReadNpz(npz, where), where, hidden, output);

    private static DenseNetwork NetworkOf(Dictionary<string, (int[] Shape, double[] Values)> arrays, string path, Activation hidden, Activation output)
    {
        var layers = new List<DenseLayer>();
        for (var k = 0; arrays.ContainsKey($"W{k}"); k++)
        {
            var (wShape, w) = arrays[$"W{k}"];
            if (!arrays.TryGetValue($"b{k}", out var b))
            {
                throw new InvalidDataException($"{path}: W{k} has no matching b{k}.");
            }

            if (wShape.Length != 2)
            {
                throw new InvalidDataException($"{path}: W{k} must be 2-dimensional; its shape is ({string.Join(", ", wShape)}).");
            }

            int inputs = wShape[0], outputs = wShape[1];
            if (b.Values.Length != outputs)
            {
                throw new InvalidDataException($"{path}: b{k} has {b.Values.Length} values but W{k} has {outputs} outputs.");
            }

            var weights = new double[outputs, inputs];
            for (var i = 0; i < inputs; i++)
            {
                for (var o = 0; o < outputs; o++)
                {
                    weights[o, i] = w[(i * outputs) + o];
                }
            }

            layers.Add(new DenseLayer(weights, b.Values, hidden));
        }

        if (layers.Count == 0)
        {
            throw new InvalidDataException($"{path}: no arrays named W0, b0, … found (it has {string.Join(", ", arrays.Keys)}).");
        }

        layers[^1] = layers[^1] with { Activation = output };
        try
        {
            return new DenseNetwork(layers);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Every array of a .npz archive (float64 or float32, C or Fortran order), flattened in C order.</summary>
    public static Dictionary<string, (int[] Shape, double[] Values)> ReadNpz(string path)
    {
        RequireFile(path);
        using var file = File.OpenRead(path);
        return ReadNpz(file, path);
    }

    /// <summary>Every array of a .npz archive held in memory; <paramref name="where"/> names it in errors.</summary>
    public static Dictionary<string, (int[] Shape, double[] Values)> ReadNpz(byte[] npz, string where)
    {
        ArgumentNullException.ThrowIfNull(npz);
        using var memory = new MemoryStream(npz, writable: false);
        return ReadNpz(memory, where);
    }

    private static Dictionary<string, (int[] Shape, double[] Values)> ReadNpz(Stream archive, string path)
    {
        var result = new Dictionary<string, (int[], double[])>(StringComparer.Ordinal);
        try
        {
            using var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                using var stream = entry.Open();
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                result[name] = ReadNpy(memory.ToArray(), $"{path}:{entry.FullName}");
            }
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: not a readable .npz archive ({e.Message}).", e);
        }

        return result;
    }

    /// <summary>
    /// Writes <paramref name="network"/> as a .npz of W0, b0, W1, b1, … (float64; W_k inputs × outputs, the x @ W + b
    /// convention <see cref="ReadNetwork(string, Activation, Activation)"/> reads back; activations are not stored).
    /// </summary>
    public static void WriteNetwork(string path, DenseNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
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

            WriteNpy(zip, $"W{k}.npy", w, string.Create(CultureInfo.InvariantCulture, $"({layer.Inputs}, {layer.Outputs})"));
            WriteNpy(zip, $"b{k}.npy", layer.Bias, string.Create(CultureInfo.InvariantCulture, $"({layer.Outputs},)"));
        }
    }

    private static void WriteNpy(ZipArchive zip, string name, double[] values, string shape)
    {
        // Format 1.0: magic, version, header length, a header padded so the data starts 64-byte aligned.
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
        header = header.PadRight(118) + "\n";
        using var stream = zip.CreateEntry(name).Open();
        stream.Write([0x93]);
        stream.Write(Encoding.ASCII.GetBytes("NUMPY"));
        stream.Write([1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        stream.Write(Encoding.ASCII.GetBytes(header));
        Span<byte> buffer = stackalloc byte[8];
        foreach (var v in values)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(buffer, v);
            stream.Write(buffer);
        }
    }

    /// <summary>One .npy array.</summary>
    internal static (int[] Shape, double[] Values) ReadNpy(byte[] bytes, string where)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{where}: not a .npy array.");
        }

        var major = bytes[6];
        int headerLength, start;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            start = 10;
        }
        else
        {
            headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
            start = 12;
        }

        var header = Encoding.ASCII.GetString(bytes, start, headerLength);
        var descr = DescrPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !shapeMatch.Success)
        {
            throw new InvalidDataException($"{where}: unreadable .npy header '{header.Trim()}'.");
        }

        var fortran = header.Contains("'fortran_order': True", StringComparison.Ordinal);
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var count = shape.Aggregate(1, (a, b) => a * b);
        var type = descr.Groups[1].Value;
        var size = type switch
        {
            "<f8" => 8,
            "<f4" => 4,
            _ => throw new InvalidDataException($"{where}: arrays must be little-endian float64 or float32; this one is '{type}'."),
        };
        var data = bytes.AsSpan(start + headerLength);
        if (data.Length < count * size)
        {
            throw new InvalidDataException($"{where}: expected {count} values, the file holds {data.Length / size}.");
        }

        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = size == 8
                ? BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 8)..])
                : BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        }

        if (fortran && shape.Length == 2)
        {
            var c = new double[count];
            for (var i = 0; i < shape[0]; i++)
            {
                for (var j = 0; j < shape[1]; j++)
                {
                    c[(i * shape[1]) + j] = values[(j * shape[0]) + i];
                }
            }

            values = c;
        }

        return (shape, values);
    }

    private static void RequireFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File not found: {path}", path);
        }
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
