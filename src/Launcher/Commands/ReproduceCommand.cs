using AutoMon.Grains.Runs;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AutoMon.Launcher.Experiments;
using AutoMon.Launcher.Results;
using AutoMon.Protocol;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon reproduce</c>: the paper's four distributed workloads one after another, each with its error-bound sweep,
/// results and figures, plus an overview figure of all four (like the reference's <c>reproduce_experiments.py</c>);
/// where the paper compares AutoMon with a competitor (CB for the inner product), the competitor runs beside it.
/// </summary>
internal static class ReproduceCommand
{
    public const string OverviewPng = "max_error_vs_messages_all.png";

    /// <summary>The overview of the --competitors comparisons.</summary>
    public const string CompetitorsPng = "max_error_vs_messages_competitors.png";

    /// <summary>
    /// The reference's <c>examples/compare_methods_*.py</c> beyond the paper's figure: AutoMon beside GM on entropy and
    /// variance and beside CB on cosine similarity (--competitors).
    /// </summary>
    public static IReadOnlyList<(string NodeType, MonitoringProtocol Competitor)> Comparisons { get; } =
        [("entropy", MonitoringProtocol.Gm), ("variance", MonitoringProtocol.Gm), ("cosine_similarity", MonitoringProtocol.Cb)];

    internal sealed record ReproduceRequest
    {
        public IReadOnlyList<string> NodeTypes { get; init; } = ExperimentPresets.PaperNodeTypes;

        public bool Full { get; init; }

        public int? MaxIterations { get; init; }

        public string? DataDirectory { get; init; }

        public string? Engine { get; init; }

        public string? Output { get; init; }

        public int Seed { get; init; }

        public int? Parallel { get; init; }

        public bool Competitors { get; init; }
    }

    public static Command Create()
    {
        var nodeTypes = new Option<string?>("--node-types") { Description = $"Workloads, comma-separated (default: {string.Join(",", ExperimentPresets.PaperNodeTypes)})." };
        var full = new Option<bool>("--full") { Description = "The paper's full lengths (kld 30000 iterations, dnn 302973 rows): hours instead of minutes." };
        var maxIterations = new Option<int?>("--max-iterations") { Description = "Cap every workload's length (a quick smoke run)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "The reference's datasets/ folder (default: seeded generated data)." };
        var engine = new Option<string?>("--engine") { Description = $"Where it runs: {string.Join(" or ", ExperimentEngines.Names)} (default: {ExperimentEngines.Default})." };
        var output = new Option<string?>("--output") { Description = "Results folder (default: results/reproduce/<timestamp>/), one subfolder per workload." };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated data and parameters.", DefaultValueFactory = _ => 0 };
        var parallel = new Option<int?>("--parallel") { Description = "Error bounds run at once (default: one per core)." };
        var competitors = new Option<bool>("--competitors")
        {
            Description = $"Also compare AutoMon with GM and CB on their functions (the reference's compare_methods: {string.Join(", ", Comparisons.Select(c => $"{c.NodeType} {c.Competitor.Name()}"))}), into compare_<node_type>/ and {CompetitorsPng}.",
        };

        var command = new Command("reproduce", "Run the paper's four workloads (inner_product, quadratic, kld, dnn) with their error-bound sweeps and write all results and figures.");
        foreach (var option in new Option[] { nodeTypes, full, maxIterations, dataDir, engine, output, seed, parallel, competitors })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) =>
        {
            var request = new ReproduceRequest
            {
                NodeTypes = parseResult.GetValue(nodeTypes) is { } list
                    ? CommaList.Split(list)
                    : ExperimentPresets.PaperNodeTypes,
                Full = parseResult.GetValue(full),
                MaxIterations = parseResult.GetValue(maxIterations),
                DataDirectory = parseResult.GetValue(dataDir),
                Engine = parseResult.GetValue(engine),
                Output = parseResult.GetValue(output),
                Seed = parseResult.GetValue(seed),
                Parallel = parseResult.GetValue(parallel),
                Competitors = parseResult.GetValue(competitors),
            };
            return RunAsync(request, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, ExperimentEngines.For(parseResult), cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunAsync(ReproduceRequest request, TextWriter output, TextWriter error,
        Func<string, IExperimentRunner> engines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(engines);
        string root;
        IExperimentRunner runner;
        try
        {
            CommaList.RequireEntries(request.NodeTypes, "--node-types", "inner_product,quadratic");

            if (request.MaxIterations is < 1)
            {
                throw new ArgumentException($"--max-iterations must be at least 1; got {request.MaxIterations}.");
            }

            foreach (var nodeType in request.NodeTypes)
            {
                ExperimentPresets.Get(nodeType);
            }

            runner = engines(request.Engine ?? ExperimentEngines.Default);
            root = ExperimentCommand.DefaultOutput(request.Output, "reproduce");
        }
        catch (Exception e) when (ExperimentCommand.IsInputError(e))
        {
            error.WriteLine($"error: {ExperimentCommand.OneLine(e.Message)}");
            return 1;
        }

        await using var disposal = runner as IAsyncDisposable;

        var display = new SweepDisplay(output);
        var figures = new List<CostFigure>();
        var failed = false;
        var clock = Stopwatch.StartNew();
        // The paper's workloads, each with the competitor its figure draws (CB for the inner product), then with
        // --competitors the reference's other comparisons, each in its own folder and overview.
        var work = request.NodeTypes.Select(ExperimentPresets.Get)
            .Select(p => (Preset: p, Competitor: p.PaperCompetitor, Folder: p.NodeType, IsComparison: false))
            .Concat(request.Competitors
                ? Comparisons.Select(c => (Preset: ExperimentPresets.Get(c.NodeType), c.Competitor, Folder: "compare_" + c.NodeType, IsComparison: true))
                : [])
            .ToList();
        var comparisonFigures = new List<CostFigure>();
        foreach (var (preset, competitor, folder, isComparison) in work)
        {
            var length = request.Full ? preset.PaperIterations : preset.QuickIterations;
            if (request.MaxIterations is { } cap)
            {
                length = Math.Min(length, cap);
            }

            var experiment = new ExperimentCommand.LaunchRequest
            {
                Run = RunDefinition.Defaults with
                {
                    Function = preset.NodeType, Iterations = length, DataDirectory = request.DataDirectory, Seed = request.Seed,
                    Protocol = competitor,
                },
                Given = new HashSet<string>(["iterations"], StringComparer.Ordinal),
                Engine = runner.Engine,
                Parallel = request.Parallel,
            };
            try
            {
                var sweep = ExperimentCommand.Prepare(experiment, runner, Path.Combine(root, folder));
                var outcome = await ExperimentCommand.RunSweepAsync(sweep, runner, display, cancellationToken).ConfigureAwait(false);
                foreach (var (bound, reason) in outcome.Failures)
                {
                    error.WriteLine($"error: {preset.NodeType} ε={bound.ToString("R", CultureInfo.InvariantCulture)} failed: {ExperimentCommand.OneLine(reason)}");
                    failed = true;
                }

                if (outcome.CostFigure is { } figure)
                {
                    (isComparison ? comparisonFigures : figures).Add(figure);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error.WriteLine($"cancelled; finished workloads and error bounds are in {root}");
                return 130;
            }
            catch (Exception e) when (ExperimentCommand.IsInputError(e))
            {
                // One workload's bad input (say, a missing data file) does not stop the others.
                error.WriteLine($"error: {preset.NodeType}: {ExperimentCommand.OneLine(e.Message)}");
                failed = true;
            }
        }

        if (figures.Count > 0)
        {
            Figures.SaveErrorVsCostGrid(Path.Combine(root, OverviewPng), figures, "messages");
        }

        if (comparisonFigures.Count > 0)
        {
            Figures.SaveErrorVsCostGrid(Path.Combine(root, CompetitorsPng), comparisonFigures, "messages");
        }

        display.Line(string.Create(CultureInfo.InvariantCulture,
            $"Reproduced {figures.Count} of {request.NodeTypes.Count} workloads{(request.Competitors ? $" and {comparisonFigures.Count} of {Comparisons.Count} comparisons" : string.Empty)} in {clock.Elapsed.TotalSeconds:F0} s: {Path.GetFullPath(root)} ({OverviewPng}{(request.Competitors ? ", " + CompetitorsPng : string.Empty)} and one folder per workload)"));
        return failed ? 1 : 0;
    }
}
