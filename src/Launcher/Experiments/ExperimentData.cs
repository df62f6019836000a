using System.Globalization;
using AutoMon.Launcher.Data;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol.Data;

namespace AutoMon.Launcher.Experiments;

/// <summary>A workload's function and data, ready for every error bound of a sweep.</summary>
/// <param name="Function">f with its domain and range.</param>
/// <param name="StreamKind">How rows become local vectors.</param>
/// <param name="Data">The rows (tuning prefix first when <paramref name="TuningIterations"/> &gt; 0).</param>
/// <param name="Iterations">Monitored data points per node (dnn: rows in total).</param>
/// <param name="TuningIterations">Neighbourhood-tuning data points per node at the start of <paramref name="Data"/>.</param>
/// <param name="Source">Where the data came from.</param>
/// <param name="Recipe">The function's catalog name and options.</param>
internal sealed record WorkloadData(MonitoredFunction Function, StreamKind StreamKind, DataSet Data, int Iterations, int TuningIterations, string Source)
{
    public required FunctionRecipe Recipe { get; init; }
}

/// <summary>What to load or generate.</summary>
internal sealed record DataRequest
{
    public required ExperimentPreset Preset { get; init; }

    public required int Nodes { get; init; }

    public required int Iterations { get; init; }

    public int? Dimension { get; init; }

    public int Seed { get; init; }

    /// <summary>The reference's <c>datasets/</c> folder, or one workload's folder in it (null: generated data).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>mlp/dnn: a .npz of W0, b0, W1, b1, ... (null: initialised from the seed).</summary>
    public string? Weights { get; init; }
}

/// <summary>
/// Builds <see cref="WorkloadData"/>: from the seeded generators by default, or from the reference's data files with
/// <c>--data-dir</c> (its <c>datasets/</c> layout: <c>inner_product/data_file.txt</c>, <c>quadratic/data_file.txt</c> and
/// <c>H_matrix.txt</c>, <c>air_quality/PRSA_Data_*.csv</c>, <c>intrusion_detection/corrected</c>).
/// </summary>
internal static class ExperimentData
{
    // The reference's folder name in datasets/ per node type.
    private static readonly Dictionary<string, string> Folders = new(StringComparer.Ordinal)
    {
        ["kld"] = "air_quality",
        ["dnn"] = "intrusion_detection",
    };

    /// <summary>
    /// The node counts a workload's data is made for, and enough iterations to fill every window before monitoring starts
    /// (with single-sample rounds one node a round); shared by local runs and the AWS coordinator's plan.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the option and what it must be.</exception>
    public static void ValidateShape(ExperimentPreset preset, int nodes, int iterations, int window, bool singleSampleRounds)
    {
        ArgumentNullException.ThrowIfNull(preset);
        if (preset.Workload == Workload.IntrusionDetection && nodes != IntrusionDetectionSplit.NodeCount)
        {
            throw new ArgumentException($"dnn splits the connection records over {IntrusionDetectionSplit.NodeCount} nodes by service; --nodes is {nodes}.");
        }

        if (preset.Workload == Workload.QuadraticInverse && nodes != 4)
        {
            throw new ArgumentException($"quadratic_inverse's data is made for 4 nodes; --nodes is {nodes}.");
        }

        var minimum = singleSampleRounds ? window * nodes + 1 : window + 1;
        if (iterations < minimum)
        {
            throw new ArgumentException(
                $"--iterations must be at least {minimum} for {preset.NodeType} (every window of {window} must fill before monitoring starts); got {iterations}.");
        }
    }

    public static WorkloadData Load(DataRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var preset = request.Preset;
        var d = request.Dimension ?? preset.Dimension;
        if (request.Nodes < 1)
        {
            throw new ArgumentException($"--nodes must be at least 1; got {request.Nodes}.");
        }

        ValidateShape(preset, request.Nodes, request.Iterations, preset.Window, preset.SingleSampleRounds);

        var kind = Workloads.StreamKindOf(preset.Workload);
        string? folder = request.DataDirectory is null ? null : WorkloadFolder(request.DataDirectory, preset);
        double[,]? h = null;
        if (preset.Workload == Workload.Quadratic)
        {
            h = folder is not null
                ? NumpyTextFile.ReadHMatrix(RequireFile(folder, "H_matrix.txt", preset), d)
                : DataGenerators.QuadraticHMatrix(d, request.Seed);
        }

        if (request.Weights is not null && !File.Exists(request.Weights))
        {
            throw new FileNotFoundException($"--weights file not found: {request.Weights}");
        }

        var recipe = new FunctionRecipe(preset.Function, new FunctionOptions
        {
            Dimension = d,
            HMatrix = h,
            WeightsPath = request.Weights is null ? null : Path.GetFullPath(request.Weights),
            Seed = request.Seed,
        });
        var function = FunctionCatalog.Create(recipe.Name, recipe.Options);

        if (folder is null)
        {
            var tuning = preset.TuningIterations;
            var data = DataGenerators.Generate(preset.Workload, new GeneratorOptions(request.Nodes, request.Iterations, d, request.Seed, tuning));
            return new WorkloadData(function, kind, data, request.Iterations, tuning,
                string.Create(CultureInfo.InvariantCulture, $"generated (seed {request.Seed})")) { Recipe = recipe };
        }

        var (rows, tuningIterations, source) = preset.Workload switch
        {
            Workload.AirQualityKld => AirQuality(folder, request, d),
            Workload.IntrusionDetection => Kdd(folder, request),
            _ => DataFile(folder, request, kind, d),
        };
        return new WorkloadData(function, kind, rows, request.Iterations, tuningIterations, source) { Recipe = recipe };
    }

    private static (DataSet Data, int TuningIterations, string Source) AirQuality(string folder, DataRequest request, int d)
    {
        // The distributed runs skip the first 300 hours of every station (their tuning rows) and monitor the next I.
        var skip = request.Preset.SkippedDataIterations;
        var stations = AirQualityLoader.Load(folder, d, request.Iterations, skip);
        if (stations.NodeCount != request.Nodes)
        {
            throw new ArgumentException($"{folder} has {stations.NodeCount} stations (one node each), but --nodes is {request.Nodes}.");
        }

        return (stations.MonitoringPart(), 0, folder);
    }

    private static (DataSet Data, int TuningIterations, string Source) Kdd(string folder, DataRequest request)
    {
        var file = RequireFile(folder, "corrected", request.Preset);
        var data = Kdd99Loader.LoadIntrusionDetection(file, request.Preset.SkippedDataIterations, request.Iterations);
        return (data.MonitoringPart(), 0, file);
    }

    private static (DataSet Data, int TuningIterations, string Source) DataFile(string folder, DataRequest request, StreamKind kind, int d)
    {
        var path = RequireFile(folder, "data_file.txt", request.Preset);
        var schedule = Path.Combine(folder, "node_schedule_file.txt");
        var pointLength = kind switch
        {
            StreamKind.WindowedAverage => d,
            StreamKind.ConcatenatedFrequencies => 2,
            _ => 1,
        };
        var tuning = request.Preset.TuningIterations;
        var file = NumpyTextFile.ReadDataSet(path, request.Nodes, tuning, File.Exists(schedule) ? schedule : null, pointLength);
        var needed = (long)(tuning + request.Iterations) * request.Nodes;
        if (file.RowCount < needed)
        {
            throw new DataFormatException(path, null,
                $"{file.RowCount} rows; {tuning} tuning + {request.Iterations} monitored iterations × {request.Nodes} nodes need {needed} (use a smaller --iterations).");
        }

        var data = file.RowCount == needed
            ? file
            : new DataSet(file.Slice(0, (int)needed).Values.ToArray(), file.PointLength, file.Slice(0, (int)needed).NodeSchedule.ToArray(), file.NodeCount, file.TuningRowCount);
        return (data, tuning, path);
    }

    // --data-dir may be the datasets/ folder or the workload's own folder in it.
    private static string WorkloadFolder(string dataDirectory, ExperimentPreset preset)
    {
        if (!Directory.Exists(dataDirectory))
        {
            throw new DirectoryNotFoundException($"--data-dir folder not found: {dataDirectory}");
        }

        var name = Folders.GetValueOrDefault(preset.NodeType, preset.NodeType);
        var nested = Path.Combine(dataDirectory, name);
        return Directory.Exists(nested) ? nested : dataDirectory;
    }

    private static string RequireFile(string folder, string name, ExperimentPreset preset)
    {
        var path = Path.Combine(folder, name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"--data-dir: {preset.NodeType} needs {name}, not found in {folder} (the reference's datasets/{Folders.GetValueOrDefault(preset.NodeType, preset.NodeType)}/ layout).");
    }
}
