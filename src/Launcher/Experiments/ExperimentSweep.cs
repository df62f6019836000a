using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Results;
using AutoMon.Protocol;

namespace AutoMon.Launcher.Experiments;

/// <summary>A sweep: one workload's data run at several error bounds (or once, for centralisation).</summary>
internal sealed record SweepRequest
{
    public required ExperimentPreset Preset { get; init; }

    public required WorkloadData Data { get; init; }

    /// <summary>The error bounds, in the order they are reported.</summary>
    public required IReadOnlyList<double> ErrorBounds { get; init; }

    public ExperimentMode Mode { get; init; } = ExperimentMode.AutoMon;

    /// <summary>The run, the workload's preset applied (its error bound and neighbourhood are set per experiment).</summary>
    public required RunDefinition Run { get; init; }

    /// <summary>The run settings the user gave (a given neighbourhood holds for every error bound).</summary>
    public IReadOnlySet<string> Given { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public NetworkSettings Network => NetworkSettings.Of(Run);

    public int Seed => Run.Seed;

    /// <summary>The sweep's folder; each error bound gets a folder in it.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>Error bounds run at the same time (the simulation engine is single-threaded per run).</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>The experiment of one error bound.</summary>
    public ExperimentSpec SpecFor(double errorBound) => new()
    {
        NodeType = Preset.NodeType,
        Function = Data.Function,
        Recipe = Data.Recipe,
        StreamKind = Data.StreamKind,
        Data = Data.Data,
        WindowSize = Run.Window,
        Iterations = Data.Iterations,
        TuningIterations = Data.TuningIterations,
        ErrorBound = errorBound,
        NeighborhoodSize = Given.Contains("neighborhood") ? Run.Neighborhood : Preset.NeighborhoodFor(errorBound),
        SingleSampleRounds = Run.SingleSampleRounds,
        Adaptive = Run.Adaptive,
        Protocol = Run.Protocol,
        Slack = Run.Slack,
        Sync = Run.Sync,
        Mode = Mode,
        Network = Network,
        Seed = Seed,
        DataSource = Data.Source,
    };

    /// <summary>The folder name of one experiment: <c>error_bound_0.015</c>, or <c>centralization</c>.</summary>
    public string FolderFor(double errorBound) =>
        Mode == ExperimentMode.Centralization ? "centralization" : "error_bound_" + errorBound.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The folder of <paramref name="spec"/>: an adaptive run's gets <c>_adaptive</c> after its error bound's, a
    /// competitor's its protocol (<c>_gm</c>).
    /// </summary>
    public string FolderFor(ExperimentSpec spec) => FolderFor(spec.ErrorBound)
        + (spec.Adaptive ? "_adaptive" : string.Empty)
        + (spec.Protocol == MonitoringProtocol.AutoMon ? string.Empty : "_" + spec.Protocol.Name());

    /// <summary>
    /// Every experiment, in run order: per error bound AutoMon, and with --adaptive the adaptive run (with --protocol the
    /// competitor's) right after plain AutoMon's, so the table and figures show them side by side; or the one
    /// centralisation run.
    /// </summary>
    public IReadOnlyList<ExperimentSpec> Specs()
    {
        if (Mode == ExperimentMode.Centralization)
        {
            return [SpecFor(double.NaN) with { Adaptive = false, Protocol = MonitoringProtocol.AutoMon }];
        }

        return Run.Adaptive || Run.Protocol != MonitoringProtocol.AutoMon
            ? [.. ErrorBounds.SelectMany(e => new[] { SpecFor(e) with { Adaptive = false, Protocol = MonitoringProtocol.AutoMon }, SpecFor(e) })]
            : [.. ErrorBounds.Select(SpecFor)];
    }

    /// <summary>The progress label of <paramref name="spec"/>.</summary>
    public string LabelFor(ExperimentSpec spec) => Mode == ExperimentMode.Centralization
        ? $"{Preset.NodeType} centralisation"
        : string.Create(CultureInfo.InvariantCulture, $"{Preset.NodeType} ε={spec.ErrorBound:G4}{(spec.Adaptive ? " adaptive" : string.Empty)}{(spec.Protocol == MonitoringProtocol.AutoMon ? string.Empty : " " + spec.Protocol.Name())}");
}

/// <summary>What a sweep produced.</summary>
/// <param name="Folder">The sweep's folder.</param>
/// <param name="Rows">One row per finished error bound, in sweep order.</param>
/// <param name="Failures">Error bounds that failed, with the reason.</param>
/// <param name="Figures">PNG files written.</param>
/// <param name="CostFigure">The max-error-vs-messages data (for the reproduce overview); null without rows.</param>
internal sealed record SweepOutcome(string Folder, IReadOnlyList<SweepRow> Rows, IReadOnlyList<(double ErrorBound, string Reason)> Failures,
    IReadOnlyList<string> Figures, CostFigure? CostFigure);

/// <summary>
/// Runs every error bound of a sweep on one engine and writes its results as each finishes: the error bound's folder, then
/// results.csv again (so a failure or Ctrl+C later loses nothing already done), and at the end the figures.
/// </summary>
internal static class ExperimentSweep
{
    public const string ResultsCsv = "results.csv";
    public const string ErrorVsMessagesPng = "max_error_vs_messages.png";
    public const string ErrorVsBytesPng = "max_error_vs_bytes.png";
    public const string FunctionValuesPng = "function_values.png";
    public const string CheckpointValuesPng = "checkpoint_values.png";

    /// <summary>
    /// A paced run's settled checkpoints (checkpoint_values.csv) as <see cref="CheckpointValuesPng"/> in <paramref name="folder"/>,
    /// titled as its function-value figure (<paramref name="title"/>); returns the file's path.
    /// </summary>
    public static string SaveCheckpointValues(string folder, string title, IReadOnlyList<AutoMon.Protocol.RoundValue> checkpoints)
    {
        var path = Path.Combine(folder, CheckpointValuesPng);
        Figures.SaveFunctionValues(path, title + ", settled checkpoints", checkpoints);
        return path;
    }

    public static async Task<SweepOutcome> RunAsync(SweepRequest request, IExperimentRunner runner, ISweepProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(progress);
        // Check every experiment before running any: a bad setting fails fast, not after minutes.
        var specs = request.Specs();
        foreach (var spec in specs)
        {
            runner.Validate(spec);
        }

        Directory.CreateDirectory(request.OutputFolder);
        var rows = new SweepRow?[specs.Count];
        var results = new ExperimentResult?[specs.Count];
        var failures = new List<(double, string)>();
        var gate = new Lock();

        await Parallel.ForEachAsync(Enumerable.Range(0, specs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, request.Parallelism), CancellationToken = cancellationToken },
            async (index, token) =>
            {
                var spec = specs[index];
                var folder = request.FolderFor(spec);
                progress.Started(index);
                try
                {
                    var result = await runner.RunAsync(spec, new Progress(progress, index), token).ConfigureAwait(false);
                    var path = Path.Combine(request.OutputFolder, folder);
                    ExperimentFolder.Write(path, spec, result);
                    Figures.SaveFunctionValues(Path.Combine(path, FunctionValuesPng), FunctionTitle(request, spec, runner.Engine), result.Rounds);
                    if (result.Paced is { } paced)
                    {
                        SaveCheckpointValues(path, FunctionTitle(request, spec, runner.Engine), paced.Checkpoints);
                    }

                    var row = SweepRow.From(spec, result, folder);
                    lock (gate)
                    {
                        rows[index] = row;
                        results[index] = result;
                        AtomicFile.WriteAllText(Path.Combine(request.OutputFolder, ResultsCsv), SweepRow.Csv(rows.OfType<SweepRow>()));
                    }

                    progress.Finished(index, row);
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // One readable line; the whole exception goes to the error bound's error.txt.
                    var reason = e.Message.ReplaceLineEndings(" ");
                    if (reason.Length > 240)
                    {
                        reason = string.Concat(reason.AsSpan(0, 240), $"… (see {Path.Combine(folder, "error.txt")})");
                    }

                    lock (gate)
                    {
                        failures.Add((spec.ErrorBound, reason));
                        var path = Path.Combine(request.OutputFolder, folder);
                        Directory.CreateDirectory(path);
                        AtomicFile.WriteAllText(Path.Combine(path, "error.txt"), e + "\n");
                    }

                    progress.Failed(index, reason);
                }
            }).ConfigureAwait(false);

        var done = rows.OfType<SweepRow>().ToList();
        var figures = new List<string>();
        CostFigure? costFigure = null;
        if (done.Count > 0)
        {
            AtomicFile.WriteAllText(Path.Combine(request.OutputFolder, ResultsCsv), SweepRow.Csv(done));
            (costFigure, var written) = WriteFigures(request, runner.Engine, specs, results, done);
            figures.AddRange(written);
        }

        return new SweepOutcome(request.OutputFolder, done, failures, figures, costFigure);
    }

    private static (CostFigure Messages, List<string> Files) WriteFigures(SweepRequest request, string engine, IReadOnlyList<ExperimentSpec> specs,
        ExperimentResult?[] results, List<SweepRow> rows)
    {
        var files = new List<string>();
        var finished = Enumerable.Range(0, specs.Count).Where(i => results[i] is not null).ToList();

        // The true values do not depend on ε: any run's rounds (paced runs too: every data round) give the periodic curve.
        var reference = results[finished[0]]!;
        var periodic = BaselineCurves.Periodic(reference.Rounds, request.Preset.PeriodicPeriods, reference.NodeCount, reference.Dimension);
        var title = $"{request.Preset.NodeType} (n={reference.NodeCount}, d={reference.Dimension}, {engine})";
        var (byMessages, byBytes) = SweepCostFigures.Of(request.Preset.NodeType, title, request.Mode == ExperimentMode.AutoMon ? rows : [], periodic, rows[0]);
        var path = Path.Combine(request.OutputFolder, ErrorVsMessagesPng);
        Figures.SaveErrorVsCost(path, byMessages, "messages");
        files.Add(path);
        path = Path.Combine(request.OutputFolder, ErrorVsBytesPng);
        Figures.SaveErrorVsCost(path, byBytes, "bytes");
        files.Add(path);

        // The sweep's function-value figure: the workload's default error bound when it ran, else the middle one.
        var highlight = finished.FirstOrDefault(i => specs[i].ErrorBound.Equals(request.Preset.HighlightErrorBound) && !specs[i].Adaptive, finished[finished.Count / 2]);
        path = Path.Combine(request.OutputFolder, FunctionValuesPng);
        Figures.SaveFunctionValues(path, FunctionTitle(request, specs[highlight], engine), results[highlight]!.Rounds);
        files.Add(path);
        return (byMessages, files);
    }

    private static string FunctionTitle(SweepRequest request, ExperimentSpec spec, string engine) =>
        request.Mode == ExperimentMode.Centralization
            ? $"{request.Preset.NodeType}: centralisation ({engine})"
            : string.Create(CultureInfo.InvariantCulture, $"{request.Preset.NodeType}, ε = {spec.ErrorBound:G4} ({engine})");

    private sealed class Progress(ISweepProgress sink, int index) : IProgress<ExperimentProgress>
    {
        public void Report(ExperimentProgress value) => sink.Report(index, value);
    }
}
