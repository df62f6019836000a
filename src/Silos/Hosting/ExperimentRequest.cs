using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// An experiment a silo runs after it starts (<c>--experiment WORKLOAD</c>): a generated workload (the seeded generators of
/// the protocol core) or the reference's data files (<c>--data-dir</c>, or <c>--data-s3-uri</c> downloaded first), the
/// simulate command's settings, and how the grains are paced.
/// </summary>
public sealed record ExperimentRequest
{
    /// <summary>Workload name (inner_product, quadratic, rozenbrock, variance, entropy, cosine_similarity, sine, mlp, quadratic_inverse, intrusion_detection, kld).</summary>
    public required string Workload { get; init; }

    public int Nodes { get; init; } = 10;

    /// <summary>Data points per node in the monitored part.</summary>
    public int Iterations { get; init; } = 100;

    /// <summary>d (null: the function's default).</summary>
    public int? Dimension { get; init; }

    public int Window { get; init; } = 20;

    public double ErrorBound { get; init; } = 0.3;

    public SlackType Slack { get; init; } = SlackType.Drift;

    public SyncType Sync { get; init; } = SyncType.LazyLRU;

    public double? Neighborhood { get; init; }

    /// <summary>Seed of the data and of the function's parameters.</summary>
    public int Seed { get; init; }

    public int TuningIterations { get; init; }

    public bool SingleSampleRounds { get; init; }

    public Pacing Pacing { get; init; } = Pacing.Lockstep;

    public TimeSpan RoundInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan LazySyncLatency { get; init; }

    public TimeSpan FullSyncLatency { get; init; }

    public TimeSpan WanLatency { get; init; }

    /// <summary>Experiment id (null: the workload and a timestamp).</summary>
    public string? ExperimentId { get; init; }

    /// <summary>Where to write summary.json, sync_history.csv and function_values.csv (null: print the summary only).</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Wait until the cluster has this many active silos before starting (a coordinator waiting for node silos).</summary>
    public int WaitForSilos { get; init; }

    /// <summary>Lockstep look-ahead cap in rounds.</summary>
    public int Lookahead { get; init; } = 64;

    /// <summary>
    /// Upload the result files here when done (summary.json last), or error.txt when the experiment fails; null: none.
    /// </summary>
    public S3Folder? ResultsS3 { get; init; }

    /// <summary>
    /// The reference's <c>datasets/</c> folder, or the workload's folder in it, to read instead of generating (null:
    /// generated data); the silo sets it to the download folder of <see cref="DataS3"/>.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where the launcher uploaded the workload's data files; downloaded into a temporary <see cref="DataDirectory"/> first.</summary>
    public S3Folder? DataS3 { get; init; }

    /// <summary>
    /// mlp/dnn: the network's .npz; read here and sent inline with the function (<see cref="FunctionSpec.WeightsNpz"/>), so
    /// node silos on other machines need no copy. Null: initialised from <see cref="Seed"/>.
    /// </summary>
    public string? WeightsPath { get; init; }

    /// <summary>Where the launcher uploaded the weights (one .npz); downloaded into a temporary <see cref="WeightsPath"/> first.</summary>
    public S3Folder? WeightsS3 { get; init; }

    /// <summary>Data files, kld and dnn: hours per station or rows per node skipped at the start (the reference's tuning rows).</summary>
    public int SkipIterations { get; init; }

    /// <summary>How long to wait for <see cref="WaitForSilos"/> silos (cloud tasks take minutes to start and pull the image).</summary>
    public TimeSpan SiloWaitTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>The experiment's configuration and its data: generated, or read from <see cref="DataDirectory"/>.</summary>
    /// <exception cref="ArgumentException">Unknown workload or settings that do not fit it.</exception>
    /// <exception cref="IOException">A data folder or file is missing (the message names it).</exception>
    /// <exception cref="DataFormatException">A data file is malformed or too short.</exception>
    public (ExperimentConfig Config, DataSet Data) Build()
    {
        if (!Workloads.TryParse(Workload, out var workload))
        {
            throw new ArgumentException($"Unknown workload '{Workload}'. Known workloads: {string.Join(", ", Workloads.Names.Order(StringComparer.Ordinal))}.");
        }

        if (SkipIterations < 0)
        {
            throw new ArgumentException($"--skip-iterations must be at least 0; got {SkipIterations}.");
        }

        var function = FunctionName(workload);
        var d = Dimension ?? FunctionCatalog.DefaultDimension(function);
        DataSet data;
        double[,]? h = null;
        if (DataDirectory is { } directory)
        {
            var folder = ReferenceDatasets.WorkloadFolder(directory, function);
            // The reference ships H with the data: the function must be the one the data was made for.
            h = workload == Protocol.Data.Workload.Quadratic ? ReferenceDatasets.ReadHMatrix(folder, function, d) : null;
            data = ReferenceDatasets.Load(folder, new ReferenceDataRequest
            {
                Workload = workload,
                NodeType = function,
                Nodes = Nodes,
                Iterations = Iterations,
                Dimension = d,
                TuningIterations = TuningIterations,
                SkippedIterations = SkipIterations,
            }).Data;
        }
        else
        {
            data = DataGenerators.Generate(workload, new GeneratorOptions(Nodes, Iterations, d, Seed, TuningIterations));
            // As the reference ships H with the data: the generator's H, not one drawn by the function catalog.
            h = workload == Protocol.Data.Workload.Quadratic ? DataGenerators.QuadraticHMatrix(d, Seed) : null;
        }

        byte[]? weights = null;
        if (WeightsPath is { } path)
        {
            weights = File.Exists(path)
                ? File.ReadAllBytes(path)
                : throw new FileNotFoundException($"--weights file not found: {path}", path);
        }

        var spec = new FunctionSpec
        {
            Name = function,
            Dimension = d,
            Seed = Seed,
            HMatrix = h is null ? [] : [.. Flatten(h)],
            WeightsNpz = weights is null ? [] : [.. weights],
        };

        // Every silo builds the function from this spec: find a bad weights file here, before any silo is involved.
        if (weights is not null)
        {
            _ = spec.Create();
        }
        var config = new ExperimentConfig
        {
            Function = spec,
            NodeCount = data.NodeCount,
            StreamKind = Workloads.StreamKindOf(workload),
            WindowSize = Window,
            ErrorBound = ErrorBound,
            SlackType = Slack,
            SyncType = Sync,
            NeighborhoodSize = Neighborhood,
            SingleSampleRounds = SingleSampleRounds,
            Pacing = Pacing,
            RoundInterval = RoundInterval,
            LazySyncLatency = LazySyncLatency,
            FullSyncLatency = FullSyncLatency,
            WanLatency = WanLatency,
        };
        config.ThrowIfInvalid();
        return (config, data);
    }

    /// <summary>The experiment id to use.</summary>
    public string EffectiveExperimentId =>
        ExperimentId ?? string.Create(CultureInfo.InvariantCulture, $"{Workload}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");

    /// <summary>The catalog function a workload monitors.</summary>
    public static string FunctionName(Workload workload) => workload switch
    {
        Protocol.Data.Workload.InnerProduct => "inner_product",
        Protocol.Data.Workload.Quadratic => "quadratic",
        Protocol.Data.Workload.Rosenbrock => "rozenbrock",
        Protocol.Data.Workload.Variance => "variance",
        Protocol.Data.Workload.Entropy => "entropy",
        Protocol.Data.Workload.CosineSimilarity => "cosine_similarity",
        Protocol.Data.Workload.Sine => "sine",
        Protocol.Data.Workload.Mlp => "mlp",
        Protocol.Data.Workload.QuadraticInverse => "quadratic_inverse",
        Protocol.Data.Workload.IntrusionDetection => "dnn",
        Protocol.Data.Workload.AirQualityKld => "kld",
        _ => throw new ArgumentOutOfRangeException(nameof(workload), workload, "Unknown workload."),
    };

    /// <summary>Parses a duration: a number with a unit ms, s or m (a bare number is milliseconds).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var (number, scale) = trimmed.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (trimmed[..^2], 1.0)
            : trimmed.EndsWith('s') ? (trimmed[..^1], 1000.0)
            : trimmed.EndsWith('m') ? (trimmed[..^1], 60_000.0)
            : (trimmed, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= 0) || double.IsInfinity(value))
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(value * scale);
        return true;
    }

    private static IEnumerable<double> Flatten(double[,] matrix)
    {
        foreach (var value in matrix)
        {
            yield return value;
        }
    }
}
