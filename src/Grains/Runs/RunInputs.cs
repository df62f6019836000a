using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Grains.Runs;

/// <summary>
/// What a <see cref="RunDefinition"/> monitors: f (as a spec every silo can rebuild, and built), and the rows — from the
/// seeded generators, or from the reference's <c>datasets/</c> files with <see cref="RunDefinition.DataDirectory"/>.
/// </summary>
/// <param name="Spec">f's catalog name and parameters (quadratic's H and the network's weights inline).</param>
/// <param name="Function">f with its domain and range.</param>
/// <param name="StreamKind">How rows become local vectors.</param>
/// <param name="Data">The rows (a tuning prefix first when <paramref name="TuningIterations"/> &gt; 0).</param>
/// <param name="TuningIterations">Neighbourhood-tuning data points per node at the start of <paramref name="Data"/>.</param>
/// <param name="Source">Where the rows came from: a path, or "generated (seed s)".</param>
public sealed record RunInputs(FunctionSpec Spec, MonitoredFunction Function, StreamKind StreamKind, DataSet Data, int TuningIterations, string Source)
{
    /// <summary>Loads or generates the inputs of a valid <paramref name="run"/>.</summary>
    /// <exception cref="ArgumentException">The run is invalid (every problem listed) or its function's parameters do not fit.</exception>
    /// <exception cref="IOException">A data folder, data file or weights file is missing (the message names it).</exception>
    /// <exception cref="DataFormatException">A data file is malformed or too short.</exception>
    public static RunInputs Load(RunDefinition run)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.ThrowIfInvalid();
        var function = run.FunctionName!;
        var workload = run.Workload;
        var d = run.EffectiveDimension;
        if (RunLimits.MemoryProblem(run, d, RunLimits.AvailableBytes) is { } tooLarge)
        {
            throw new ArgumentException(tooLarge + ".");
        }

        string? folder = run.DataDirectory is null ? null : ReferenceDatasets.WorkloadFolder(run.DataDirectory, function);

        // The reference ships H with the data: the function is the one the data was made for (the generator's H otherwise).
        double[,]? h = workload != Workload.Quadratic ? null
            : folder is not null ? ReferenceDatasets.ReadHMatrix(folder, function, d)
            : DataGenerators.QuadraticHMatrix(d, run.Seed);

        byte[]? weights = null;
        if (run.Weights is { } path)
        {
            weights = File.Exists(path) ? File.ReadAllBytes(path) : throw new FileNotFoundException($"--weights file not found: {path}", path);
        }

        var spec = new FunctionSpec
        {
            Name = function,
            Dimension = d,
            Seed = run.Seed,
            HMatrix = h is null ? [] : [.. h.Cast<double>()],
            WeightsNpz = weights is null ? [] : [.. weights],
            DomainLow = run.Domain?.Low,
            DomainHigh = run.Domain?.High,
            MinValue = run.MinF,
            MaxValue = run.MaxF,
        };
        var built = spec.Create();
        if (built.MinValue > built.MaxValue)
        {
            throw new ArgumentException($"--min-f {SettingText.Format(built.MinValue)} is above --max-f {SettingText.Format(built.MaxValue)}.");
        }

        var kind = Workloads.StreamKindOf(workload);
        if (folder is null)
        {
            var data = DataGenerators.Generate(workload, new GeneratorOptions(run.Nodes, run.Iterations, d, run.Seed, run.TuningIterations));
            return new RunInputs(spec, built, kind, data, run.TuningIterations,
                string.Create(CultureInfo.InvariantCulture, $"generated (seed {run.Seed})"));
        }

        var loaded = ReferenceDatasets.Load(folder, new ReferenceDataRequest
        {
            Workload = workload,
            NodeType = function,
            Nodes = run.Nodes,
            Iterations = run.Iterations,
            Dimension = d,
            TuningIterations = run.TuningIterations,
            SkippedIterations = run.SkipIterations,
        });
        return new RunInputs(spec, built, kind, loaded.Data, loaded.TuningIterations, loaded.Source);
    }

    /// <summary>The grains' settings for this run at <paramref name="run"/>'s error bound.</summary>
    public ExperimentConfig ToExperimentConfig(RunDefinition run)
    {
        ArgumentNullException.ThrowIfNull(run);
        run = run.Scaled();
        var config = new ExperimentConfig
        {
            Function = Spec,
            NodeCount = Data.NodeCount,
            StreamKind = StreamKind,
            WindowSize = run.Window,
            ErrorBound = run.ErrorBound,
            SlackType = run.Slack,
            SyncType = run.Sync,
            NeighborhoodSize = run.Neighborhood,
            SingleSampleRounds = run.SingleSampleRounds,
            Pacing = run.Pacing,
            RoundInterval = run.RoundInterval,
            LazySyncLatency = run.LazySyncLatency,
            FullSyncLatency = run.FullSyncLatency,
            WanLatency = run.WanLatency,
        };
        config.ThrowIfInvalid();
        return config;
    }
}
