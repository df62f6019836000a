using System.CommandLine;
using System.Globalization;
using AutoMon.Launcher.Cluster;
using AutoMon.Launcher.Experiments;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// The launcher's main job, on the root command: <c>automon --node-type quadratic</c> runs that workload's error-bound
/// sweep with the paper's settings and writes results and figures under <c>results/&lt;node_type&gt;/&lt;timestamp&gt;/</c>.
/// </summary>
internal static class ExperimentCommand
{
    /// <summary>What the user asked for; null means "the workload's default".</summary>
    internal sealed record ExperimentRequest
    {
        public required string NodeType { get; init; }

        public double? ErrorBound { get; init; }

        public string? ErrorBounds { get; init; }

        public int? Nodes { get; init; }

        public int? Iterations { get; init; }

        public bool Full { get; init; }

        public int? Dimension { get; init; }

        public string? DataDirectory { get; init; }

        public string? Weights { get; init; }

        /// <summary>The engine named on the command line (null: the default, or simulation for --centralized).</summary>
        public string? Engine { get; init; }

        public string Pacing { get; init; } = "lockstep";

        public string? LazySyncLatency { get; init; }

        public string? FullSyncLatency { get; init; }

        public string? WanLatency { get; init; }

        public string? RoundInterval { get; init; }

        public bool Centralized { get; init; }

        public string? Output { get; init; }

        public int Seed { get; init; }

        public int? Parallel { get; init; }

        /// <summary>Silo processes of a local cluster (null or 1: the embedded all-in-one silo).</summary>
        public int? Silos { get; init; }

        /// <summary>How a local cluster's silos find each other: dynamodb (default) or localhost.</summary>
        public string? Membership { get; init; }
    }

    /// <summary>Adds the experiment options and action to <paramref name="root"/>.</summary>
    public static void AddTo(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var nodeType = new Option<string?>("--node-type") { Description = $"Workload to run: {string.Join(", ", ExperimentPresets.NodeTypes)} (the paper's: {string.Join(", ", ExperimentPresets.PaperNodeTypes)})." };
        var errorBound = new Option<double?>("--error-bound") { Description = "Run this one error bound ε instead of the workload's sweep." };
        var errorBounds = new Option<string?>("--error-bounds") { Description = "Run these error bounds, comma-separated: \"a,b,c\"." };
        var nodes = new Option<int?>("--nodes") { Description = "Number of nodes n (default: the paper's: 10, 10, 12, 9)." };
        var iterations = new Option<int?>("--iterations") { Description = "Data points per node (dnn: rows in total). Default: the paper's, except kld 10000 (paper 30000) and dnn 2000 (paper 302973)." };
        var full = new Option<bool>("--full") { Description = "Use the paper's full length for every workload (kld 30000 iterations, dnn 302973 rows; on aws hours per experiment)." };
        var dimension = new Option<int?>("--dim") { Description = "Vector length d (default: the paper's: 40, 40, 20, 41)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "The reference's datasets/ folder (inner_product/data_file.txt, quadratic/H_matrix.txt, air_quality/PRSA_Data_*.csv, intrusion_detection/corrected). Default: seeded generated data. aws: the workload's files are uploaded to the results bucket for the coordinator." };
        var weights = new Option<string?>("--weights") { Description = "mlp/dnn: .npz with W0, b0, W1, b1, ... (default: initialised from --seed)." };
        var engine = new Option<string?>("--engine") { Description = $"Where it runs: grains (an Orleans silo embedded in this process: coordinator and node grains) or simulation (plain objects, one thread per error bound). Default: {ExperimentEngines.Default}." };
        var pacing = new Option<string>("--pacing") { Description = "grains: lockstep (rounds as in the simulation; equal results) or paced (every node grain on its own timer, like the paper's AWS runs).", DefaultValueFactory = _ => "lockstep" };
        var roundInterval = new Option<string?>("--round-interval") { Description = "Paced: time between two data updates of a node, e.g. 100ms (the default) or 1s (the paper's LS_LATENCY; aws: the lazy-sync latency by default)." };
        var lazyLatency = new Option<string?>("--lazy-sync-latency") { Description = "Paced: time the coordinator takes before a lazy sync, e.g. 400ms (default: none; aws: the paper's, e.g. 1s)." };
        var fullLatency = new Option<string?>("--full-sync-latency") { Description = "Paced: time the coordinator takes before a full sync, e.g. 4s (default: none; aws: the paper's, e.g. 4s)." };
        var wanLatency = new Option<string?>("--wan-latency") { Description = "grains: one-way delay of every message between the coordinator and a node, e.g. 35ms (default: none)." };
        var centralized = new Option<bool>("--centralized") { Description = "Run the centralisation baseline (every update sent to the coordinator) instead of AutoMon (local only)." };
        var output = new Option<string?>("--output") { Description = "Results folder (default: results/<node_type>/<timestamp>/)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated data and parameters.", DefaultValueFactory = _ => 0 };
        var parallel = new Option<int?>("--parallel") { Description = "Error bounds run at once (default: one per core)." };
        var silos = new Option<int?>("--silos") { Description = "grains: run on a local cluster of K silo processes (1 coordinator silo in us-west-2, K−1 node silos in us-east-2) instead of the embedded silo." };
        var membership = new Option<string?>("--membership") { Description = "--silos: how the silos find each other: dynamodb (our membership table on a local moto server the launcher starts; the default) or localhost (the coordinator silo holds the table)." };
        membership.AcceptOnlyFromAmong("dynamodb", "localhost");

        // --target aws: the options of AwsTarget; local-only options are rejected with it, and these without it.
        var target = new Option<string>("--target") { Description = "local (this machine) or aws (ECS Fargate and EC2; see ops/README.md).", DefaultValueFactory = _ => AwsTarget.Local };
        target.AcceptOnlyFromAmong(AwsTarget.Local, AwsTarget.Aws);
        var coordinatorType = new Option<string>("--coordinator-instance-type") { Description = "aws: where the coordinator silo runs: ec2 (c5.4xlarge) or fargate (4 vCPU, 16 GB).", DefaultValueFactory = _ => "ec2" };
        coordinatorType.AcceptOnlyFromAmong("ec2", "fargate");
        var coordinatorImage = new Option<string?>("--coordinator-image") { Description = "aws, EC2 coordinator: its machine image (ami-...); default: the newest Amazon Linux 2023 image of the coordinator region." };
        var nodesPerSilo = new Option<int?>("--nodes-per-silo") { Description = "aws: node grains per node silo task (default 1, as in the paper)." };
        var block = new Option<bool>("--block") { Description = "aws: skip error bounds whose results are in S3, start the rest, wait for all and download them into the results folder." };
        var credentialsCsv = new Option<string?>("--credentials-csv") { Description = "aws: IAM access-key file (new_user_credentials.csv); default: the standard AWS credential chain." };
        var awsEndpoint = new Option<string?>("--aws-endpoint") { Description = "aws: send every AWS call to this endpoint (e.g. a moto server)." };
        var location = new AwsLocationOptions();
        Option[] localOnly = [dimension, engine, pacing, wanLatency, parallel, silos, membership];
        var localOnlyReasons = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [wanLatency.Name] = "on AWS the delay between the coordinator's and the nodes' regions is real, not emulated",
            [pacing.Name] = "the AWS silos always run paced, every node on its own timer",
        };
        Option[] awsOnly = [coordinatorType, coordinatorImage, nodesPerSilo, block, credentialsCsv, awsEndpoint, .. location.All];

        foreach (var option in new Option[]
                 {
                     nodeType, errorBound, errorBounds, nodes, iterations, full, dimension, dataDir, weights, engine, pacing, roundInterval, lazyLatency,
                     fullLatency, wanLatency, centralized, output, seed, parallel, silos, membership, target, coordinatorType, coordinatorImage, nodesPerSilo,
                     block, credentialsCsv, awsEndpoint, location.ResultsBucket, location.NodeRegion, location.CoordinatorRegion,
                 })
        {
            root.Options.Add(option);
        }

        root.SetAction((parseResult, cancellationToken) =>
        {
            var console = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (parseResult.GetValue(nodeType) is not { } type)
            {
                error.WriteLine($"error: --node-type is required ({string.Join(", ", ExperimentPresets.NodeTypes)}); see --help.");
                return Task.FromResult(1);
            }

            var aws = parseResult.GetRequiredValue(target) == AwsTarget.Aws;
            if (AwsTarget.OptionConflict(parseResult, aws, localOnly, awsOnly, localOnlyReasons) is { } conflict)
            {
                error.WriteLine($"error: {conflict}");
                return Task.FromResult(1);
            }

            var request = new ExperimentRequest
            {
                NodeType = type,
                ErrorBound = parseResult.GetValue(errorBound),
                ErrorBounds = parseResult.GetValue(errorBounds),
                Nodes = parseResult.GetValue(nodes),
                Iterations = parseResult.GetValue(iterations),
                Full = parseResult.GetValue(full),
                Dimension = parseResult.GetValue(dimension),
                DataDirectory = parseResult.GetValue(dataDir),
                Weights = parseResult.GetValue(weights),
                Engine = parseResult.GetValue(engine),
                Pacing = parseResult.GetRequiredValue(pacing),
                RoundInterval = parseResult.GetValue(roundInterval),
                LazySyncLatency = parseResult.GetValue(lazyLatency),
                FullSyncLatency = parseResult.GetValue(fullLatency),
                WanLatency = parseResult.GetValue(wanLatency),
                Centralized = parseResult.GetValue(centralized),
                Output = parseResult.GetValue(output),
                Seed = parseResult.GetValue(seed),
                Parallel = parseResult.GetValue(parallel),
                Silos = parseResult.GetValue(silos),
                Membership = parseResult.GetValue(membership),
            };
            if (aws)
            {
                // What to run is the same request; where and how it is deployed is the AWS part.
                return AwsTarget.RunAsync(new AwsTarget.AwsRequest
                {
                    Experiment = request,
                    CoordinatorInstanceType = parseResult.GetRequiredValue(coordinatorType),
                    CoordinatorImage = parseResult.GetValue(coordinatorImage),
                    NodesPerSilo = parseResult.GetValue(nodesPerSilo),
                    Block = parseResult.GetValue(block),
                    CredentialsCsv = parseResult.GetValue(credentialsCsv),
                    AwsEndpoint = parseResult.GetValue(awsEndpoint),
                    Location = location.Read(parseResult),
                }, console, error, cancellationToken);
            }

            return RunAsync(request, console, error, ExperimentEngines.Create, cancellationToken);
        });
    }

    /// <summary>Runs the request; returns the exit code (0 all done, 1 bad input or a failed error bound, 130 cancelled).</summary>
    internal static async Task<int> RunAsync(ExperimentRequest request, TextWriter output, TextWriter error,
        Func<string, IExperimentRunner> engines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(engines);
        SweepRequest sweep;
        IExperimentRunner runner;
        string folder;
        try
        {
            folder = DefaultOutput(request.Output, ExperimentPresets.Get(request.NodeType).NodeType);
            runner = LocalClusterOf(request, folder) is { } cluster
                ? ExperimentEngines.CreateOnLocalCluster(EngineFor(request), cluster)
                : engines(EngineFor(request));
        }
        catch (Exception e) when (IsInputError(e))
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return 1;
        }

        await using var disposal = runner as IAsyncDisposable;
        try
        {
            sweep = Prepare(request, runner, folder);
        }
        catch (Exception e) when (IsInputError(e))
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return 1;
        }

        var display = new SweepDisplay(output);
        try
        {
            var outcome = await RunSweepAsync(sweep, runner, display, cancellationToken).ConfigureAwait(false);
            return Report(outcome, sweep, display, error);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error.WriteLine($"cancelled; finished error bounds are in {sweep.OutputFolder}");
            return 130;
        }
        catch (Exception e) when (IsInputError(e))
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>
    /// The local cluster the request asks for with <c>--silos K</c> (K ≥ 2), its silo logs under the results folder; null for
    /// the embedded silo.
    /// </summary>
    internal static LocalClusterOptions? LocalClusterOf(ExperimentRequest request, string outputFolder)
    {
        if (request.Silos is < 1)
        {
            throw new ArgumentException($"--silos must be at least 1; got {request.Silos}.");
        }

        var membership = request.Membership?.Trim().ToLowerInvariant() switch
        {
            null or "dynamodb" => LocalMembership.DynamoDB,
            "localhost" => LocalMembership.Localhost,
            _ => throw new ArgumentException($"Unknown --membership '{request.Membership}'; use dynamodb or localhost."),
        };
        if (request.Silos is null or 1)
        {
            return request.Membership is null
                ? null
                : throw new ArgumentException("--membership applies to a local cluster: give --silos K with K ≥ 2.");
        }

        var options = new LocalClusterOptions
        {
            Silos = request.Silos.Value,
            Membership = membership,
            LogDirectory = Path.Combine(outputFolder, SiloLogsFolder),
        };
        options.Validate();
        return options;
    }

    /// <summary>The folder under the results where a local cluster's processes log.</summary>
    internal const string SiloLogsFolder = "silo-logs";

    /// <summary>
    /// The engine to use: the one named, else the default — except that centralisation (every update sent, no protocol)
    /// runs in-process, since the grains run AutoMon only.
    /// </summary>
    internal static string EngineFor(ExperimentRequest request) =>
        request.Engine ?? (request.Centralized ? SimulationRunner.Name : ExperimentEngines.Default);

    /// <summary>Resolves the request against the workload's preset and loads or generates its data.</summary>
    internal static SweepRequest Prepare(ExperimentRequest request, IExperimentRunner runner, string outputFolder)
    {
        var preset = ExperimentPresets.Get(request.NodeType);
        var bounds = ErrorBoundsOf(request, preset);
        var network = new NetworkSettings(
            ParsePacing(request.Pacing),
            ParseDuration(request.LazySyncLatency, "--lazy-sync-latency"),
            ParseDuration(request.FullSyncLatency, "--full-sync-latency"),
            ParseDuration(request.WanLatency, "--wan-latency"),
            ParseDuration(request.RoundInterval, "--round-interval"));
        if (request.Parallel is < 1)
        {
            throw new ArgumentException($"--parallel must be at least 1; got {request.Parallel}.");
        }

        if (request.Iterations is not null && request.Full)
        {
            throw new ArgumentException("Give --iterations or --full, not both.");
        }

        if (Path.Exists(outputFolder) && !Directory.Exists(outputFolder))
        {
            throw new ArgumentException($"--output {outputFolder} exists and is not a folder.");
        }

        var mode = request.Centralized ? ExperimentMode.Centralization : ExperimentMode.AutoMon;

        var data = ExperimentData.Load(new DataRequest
        {
            Preset = preset,
            Nodes = request.Nodes ?? preset.Nodes,
            Iterations = request.Iterations ?? (request.Full ? preset.PaperIterations : preset.QuickIterations),
            Dimension = request.Dimension,
            Seed = request.Seed,
            DataDirectory = request.DataDirectory,
            Weights = request.Weights,
        });
        var sweep = new SweepRequest
        {
            Preset = preset,
            Data = data,
            ErrorBounds = bounds,
            Mode = mode,
            Network = network,
            Seed = request.Seed,
            OutputFolder = outputFolder,
            Parallelism = request.Parallel ?? Environment.ProcessorCount,
        };
        runner.Validate(sweep.SpecFor(bounds[0]));
        return sweep;
    }

    /// <summary>Runs a prepared sweep with the progress display; prints the summary table.</summary>
    internal static async Task<SweepOutcome> RunSweepAsync(SweepRequest sweep, IExperimentRunner runner, SweepDisplay display, CancellationToken cancellationToken)
    {
        var bounds = sweep.Mode == ExperimentMode.Centralization ? [double.NaN] : sweep.ErrorBounds;
        var data = sweep.Data;
        var labels = bounds.Select(b => sweep.Mode == ExperimentMode.Centralization
            ? $"{sweep.Preset.NodeType} centralisation"
            : string.Create(CultureInfo.InvariantCulture, $"{sweep.Preset.NodeType} ε={b:G4}")).ToList();
        var heading = string.Create(CultureInfo.InvariantCulture,
            $"{sweep.Preset.NodeType}: n={data.Data.NodeCount}, d={data.Function.Dimension}, W={sweep.Preset.Window}, {data.Iterations} iterations, " +
            $"{(sweep.Mode == ExperimentMode.Centralization ? "centralisation" : $"{bounds.Count} error bound(s)")}, engine {runner.Description}, data {data.Source}");
        var outcome = await display.RunAsync(heading, labels,
            progress => ExperimentSweep.RunAsync(sweep, runner, progress, cancellationToken)).ConfigureAwait(false);
        if (outcome.Rows.Count > 0)
        {
            display.SummaryTable(sweep.Preset.NodeType, outcome.Rows, sweep.Mode == ExperimentMode.Centralization);
        }

        return outcome;
    }

    private static int Report(SweepOutcome outcome, SweepRequest sweep, SweepDisplay display, TextWriter error)
    {
        display.Line($"Results: {Path.GetFullPath(outcome.Folder)}");
        if (outcome.Rows.Count > 0)
        {
            display.Line($"  {ExperimentSweep.ResultsCsv}, one folder per error bound (config.json, summary.json, function_values.csv, sync_history.csv, function_values.png)");
            display.Line($"  figures: {string.Join(", ", outcome.Figures.Select(Path.GetFileName))}");
        }

        foreach (var (bound, reason) in outcome.Failures)
        {
            var what = sweep.Mode == ExperimentMode.Centralization ? "centralisation" : "ε=" + bound.ToString("R", CultureInfo.InvariantCulture);
            error.WriteLine($"error: {sweep.Preset.NodeType} {what} failed: {OneLine(reason)}");
        }

        return outcome.Failures.Count == 0 ? 0 : 1;
    }

    internal static IReadOnlyList<double> ErrorBoundsOf(ExperimentRequest request, ExperimentPreset preset)
    {
        if (request.ErrorBound is not null && request.ErrorBounds is not null)
        {
            throw new ArgumentException("Give --error-bound or --error-bounds, not both.");
        }

        if (request.ErrorBound is { } single)
        {
            return [RequirePositive(single, "--error-bound")];
        }

        if (request.ErrorBounds is { } list)
        {
            var parts = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                throw new ArgumentException("--error-bounds is empty; give e.g. \"0.02,0.05,0.1\".");
            }

            var bounds = new List<double>();
            foreach (var part in parts)
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    throw new FormatException($"--error-bounds: '{part}' is not a number.");
                }

                bounds.Add(RequirePositive(value, "--error-bounds"));
            }

            if (bounds.Distinct().Count() != bounds.Count)
            {
                throw new ArgumentException($"--error-bounds lists an error bound twice: {list}.");
            }

            return bounds;
        }

        return preset.ErrorBounds;
    }

    internal static string DefaultOutput(string? output, string nodeType)
    {
        if (output is not null)
        {
            return output;
        }

        var stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var folder = Path.Combine("results", nodeType, stamp);
        for (var i = 2; Path.Exists(folder); i++)
        {
            folder = Path.Combine("results", nodeType, stamp + "-" + i.ToString(CultureInfo.InvariantCulture));
        }

        return folder;
    }

    internal static Pacing ParsePacing(string text) => text.Trim().ToLowerInvariant() switch
    {
        "lockstep" => Experiments.Pacing.Lockstep,
        "paced" => Experiments.Pacing.Paced,
        _ => throw new ArgumentException($"Unknown --pacing '{text}'; use lockstep or paced."),
    };

    /// <summary>"1.5", "1.5s" or "400ms" (a bare number is seconds).</summary>
    internal static TimeSpan? ParseDuration(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        var trimmed = text.Trim().ToLowerInvariant();
        var (number, scale) = trimmed.EndsWith("ms", StringComparison.Ordinal) ? (trimmed[..^2], 1e-3)
            : trimmed.EndsWith('s') ? (trimmed[..^1], 1.0)
            : (trimmed, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
        {
            throw new ArgumentException($"{option} '{text}' is not a duration; give seconds (1.5, 1.5s) or milliseconds (400ms).");
        }

        return TimeSpan.FromSeconds(value * scale);
    }

    internal static bool IsInputError(Exception e) =>
        e is ArgumentException or FormatException or IOException or InvalidDataException or UnauthorizedAccessException or DataFormatException;

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static double RequirePositive(double value, string option) =>
        value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentException($"{option} must be a positive number; got {value.ToString("R", CultureInfo.InvariantCulture)}.");
}
