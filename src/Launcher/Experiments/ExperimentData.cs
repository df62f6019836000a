using System.Globalization;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;

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
        string? folder = request.DataDirectory is null ? null : ReferenceDatasets.WorkloadFolder(request.DataDirectory, preset.NodeType);
        double[,]? h = null;
        if (preset.Workload == Workload.Quadratic)
        {
            h = folder is not null
                ? ReferenceDatasets.ReadHMatrix(folder, preset.NodeType, d)
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

        var loaded = ReferenceDatasets.Load(folder, ReferenceRequest(request, d));
        return new WorkloadData(function, kind, loaded.Data, request.Iterations, loaded.TuningIterations, loaded.Source) { Recipe = recipe };
    }

    /// <summary>
    /// The shared loader's request for <paramref name="request"/>: the preset's numbers made explicit (kld and dnn skip the
    /// reference's tuning rows, the data-file workloads keep their tuning prefix).
    /// </summary>
    private static ReferenceDataRequest ReferenceRequest(DataRequest request, int dimension)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ReferenceDataRequest
        {
            Workload = request.Preset.Workload,
            NodeType = request.Preset.NodeType,
            Nodes = request.Nodes,
            Iterations = request.Iterations,
            Dimension = dimension,
            TuningIterations = request.Preset.TuningIterations,
            SkippedIterations = request.Preset.SkippedDataIterations,
        };
    }
}
