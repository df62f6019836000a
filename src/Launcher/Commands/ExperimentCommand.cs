using System.CommandLine;
using System.Globalization;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Cluster;
using AutoMon.Silos.Hosting;
using AutoMon.Protocol;
using AutoMon.Launcher.Experiments;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// The launcher's main job, on the root command: <c>automon --node-type quadratic</c> runs that workload's error-bound
/// sweep with the paper's settings and writes results and figures under <c>results/&lt;node_type&gt;/&lt;timestamp&gt;/</c>.
/// </summary>
internal static class ExperimentCommand
{
    /// <summary>
    /// What the user asked for: a <see cref="RunDefinition"/> (the settings every command shares) with the names of the
    /// settings given — the rest come from the workload's preset (<see cref="ExperimentPreset.Apply"/>) — and the sweep's
    /// own options.
    /// </summary>
    internal sealed record LaunchRequest
    {
        /// <summary>The run as given; settings not in <see cref="Given"/> hold their defaults.</summary>
        public required RunDefinition Run { get; init; }

        /// <summary>The names (without dashes) of the run settings given.</summary>
        public IReadOnlySet<string> Given { get; init; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>The workload's name as typed.</summary>
        public string NodeType => Run.Function ?? string.Empty;

        public string? ErrorBounds { get; init; }

        public bool Full { get; init; }

        /// <summary>The engine named on the command line (null: the default, or simulation for --centralized).</summary>
        public string? Engine { get; init; }

        public bool Centralized { get; init; }

        public string? Output { get; init; }

        public int? Parallel { get; init; }

        /// <summary>Silo processes of a local cluster (null or 1: the embedded all-in-one silo).</summary>
        public int? Silos { get; init; }

        /// <summary>How a local cluster's silos find each other: dynamodb (default) or localhost.</summary>
        public string? Membership { get; init; }

        /// <summary>A local cluster with a second coordinator silo that takes over when the first dies.</summary>
        public bool CoordinatorStandby { get; init; }

        /// <summary>How fast a local cluster declares a dead silo dead: default or fast.</summary>
        public string? FailureDetection { get; init; }

        /// <summary><c>SILO@ROUND</c>: kill that silo of the local cluster once the run reaches that round.</summary>
        public string? InjectFault { get; init; }

        /// <summary>A local cluster's silos and the launcher talk mutual TLS with a generated cluster certificate.</summary>
        public bool Tls { get; init; }

        /// <summary>True when the run setting <paramref name="name"/> (e.g. <c>iterations</c>) was given.</summary>
        public bool IsGiven(string name) => Given.Contains(name);

        /// <summary>The run with <paramref name="preset"/>'s settings where none were given.</summary>
        public RunDefinition Resolve(ExperimentPreset preset)
        {
            ArgumentNullException.ThrowIfNull(preset);
            if (IsGiven("iterations") && Full)
            {
                throw new ArgumentException("Give --iterations or --full, not both.");
            }

            // The time scale is checked before it is applied (the scaled run's scale is 1).
            var timeScale = Run.Validate().Where(p => p.StartsWith("--time-scale", StringComparison.Ordinal)).ToList();
            return timeScale.Count == 0 ? preset.Apply(Run, Given, Full).Scaled() : throw new ArgumentException(string.Join("; ", timeScale) + ".");
        }
    }

    /// <summary>The run options every command shares, and the sweep's own.</summary>
    internal sealed class Options
    {
        public SettingOptions<RunDefinition> Run { get; } = new(RunSettings.All);

        public Option<string?> ErrorBounds { get; } = new("--error-bounds") { Description = "Run these error bounds, comma-separated: \"a,b,c\" (default: the workload's sweep; --error-bound runs one)." };

        public Option<bool> Full { get; } = new("--full") { Description = "Use the paper's full length for every workload (kld 30000 iterations, dnn 302973 rows; on aws hours per experiment)." };

        public Option<string?> Engine { get; } = new("--engine") { Description = $"Where it runs: grains (an Orleans silo embedded in this process: coordinator and node grains) or simulation (plain objects, one thread per error bound). Default: {ExperimentEngines.Default}." };

        public Option<bool> Centralized { get; } = new("--centralized") { Description = "Run the centralisation baseline (every update sent to the coordinator) instead of AutoMon (local only)." };

        public Option<string?> Output { get; } = new("--output") { Description = "Results folder (default: results/<node_type>/<timestamp>/)." };

        public Option<int?> Parallel { get; } = new("--parallel") { Description = "Error bounds run at once (default: one per core; with --silos, up to four per core)." };

        public Option<int?> Silos { get; } = new("--silos") { Description = "grains: run on a local cluster of K silo processes (1 coordinator silo in us-west-2, K−1 node silos in us-east-2) instead of the embedded silo; --silos 1 is the embedded silo, one process with both roles." };

        public Option<string?> Membership { get; } = new("--membership") { Description = "--silos: how the silos find each other: dynamodb (our membership table on a local moto server the launcher starts; the default) or localhost (the coordinator silo holds the table)." };

        public Option<bool> CoordinatorStandby { get; } = new("--coordinator-standby") { Description = "--silos: start a standby coordinator silo; when the coordinator silo dies, the coordinator grains move to it and the run replays there. aws: a second coordinator task or instance that runs the experiment if the first dies before its results are in." };

        public Option<string?> FailureDetection { get; } = new("--failure-detection") { Description = "--silos: how fast a dead silo is declared dead: default (Orleans': tens of seconds) or fast (seconds)." };

        public Option<string?> InjectFault { get; } = new("--inject-fault") { Description = "--silos: kill -9 silo SILO once the run reaches round ROUND (SILO@ROUND, e.g. node-1@300), to watch a run recover (lockstep: replayed exactly; paced: restarted where it is)." };

        public Option<bool> Tls { get; } = new("--tls") { Description = $"--silos: mutual TLS between the silos and the launcher, with a self-signed cluster certificate generated into the results' {SiloLogsFolder}/{ClusterCertificateFile} (docs/silo-host.md, TLS)." };

        public Options()
        {
            Membership.AcceptOnlyFromAmong("dynamodb", "localhost");
            FailureDetection.AcceptOnlyFromAmong("default", "fast");
        }

        public IEnumerable<Option> Sweep => [ErrorBounds, Full, Engine, Centralized, Output, Parallel, Silos, Membership, CoordinatorStandby, FailureDetection, InjectFault, Tls];

        /// <summary>The request the parse result holds; the run's values parsed by the settings' one parser.</summary>
        public LaunchRequest Bind(ParseResult parseResult)
        {
            var problems = new List<string>();
            var given = new HashSet<string>(StringComparer.Ordinal);
            var run = RunSettings.Bind(Run.Lookup(parseResult), problems, given: given);
            if (problems.Count > 0)
            {
                throw new ArgumentException(string.Join("; ", problems) + ".");
            }

            return new LaunchRequest
            {
                Run = run,
                Given = given,
                ErrorBounds = parseResult.GetValue(ErrorBounds),
                Full = parseResult.GetValue(Full),
                Engine = parseResult.GetValue(Engine),
                Centralized = parseResult.GetValue(Centralized),
                Output = parseResult.GetValue(Output),
                Parallel = parseResult.GetValue(Parallel),
                Silos = parseResult.GetValue(Silos),
                Membership = parseResult.GetValue(Membership),
                CoordinatorStandby = parseResult.GetValue(CoordinatorStandby),
                FailureDetection = parseResult.GetValue(FailureDetection),
                InjectFault = parseResult.GetValue(InjectFault),
                Tls = parseResult.GetValue(Tls),
            };
        }
    }

    /// <summary>The request a command line gives (the root command's parse; for tests and tools).</summary>
    /// <exception cref="ArgumentException">A setting's value does not parse (the message names it).</exception>
    internal static LaunchRequest Parse(params string[] args)
    {
        var root = new RootCommand();
        var options = new Options();
        options.Run.AddTo(root);
        foreach (var option in options.Sweep)
        {
            root.Options.Add(option);
        }

        var parseResult = root.Parse(args);
        return parseResult.Errors.Count > 0
            ? throw new ArgumentException(string.Join("; ", parseResult.Errors.Select(e => e.Message)))
            : options.Bind(parseResult);
    }

    /// <summary>Adds the experiment options and action to <paramref name="root"/>.</summary>
    public static void AddTo(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var options = new Options();

        // --target aws: the options of AwsTarget; local-only options are rejected with it, and these without it.
        var target = new Option<string>("--target") { Description = "local (this machine) or aws (ECS Fargate and EC2; see ops/README.md).", DefaultValueFactory = _ => AwsTarget.Local };
        target.AcceptOnlyFromAmong(AwsTarget.Local, AwsTarget.Aws);
        var coordinatorType = new Option<string>("--coordinator-instance-type") { Description = "aws: where the coordinator silo runs: ec2 (c5.4xlarge) or fargate (4 vCPU, 16 GB).", DefaultValueFactory = _ => "ec2" };
        coordinatorType.AcceptOnlyFromAmong("ec2", "fargate");
        var coordinatorImage = new Option<string?>("--coordinator-image") { Description = "aws, EC2 coordinator: its machine image (ami-...); default: the newest Amazon Linux 2023 image of the coordinator region." };
        var nodesPerSilo = new Option<int?>("--nodes-per-silo") { Description = "aws: node grains per node silo task (default 1, as in the paper)." };
        var block = new Option<bool>("--block") { Description = "aws: skip error bounds whose results are in S3, start the rest, wait for all and download them into the results folder." };
        var credentialsCsv = new Option<string?>("--credentials-csv") { Description = "aws: IAM access-key file (new_user_credentials.csv); default: the standard AWS credential chain." };
        var noTls = new Option<bool>("--no-tls") { Description = "aws: plain TCP between the silos (default: mutual TLS with a certificate the launcher generates per experiment and the silos download from the results bucket)." };
        var awsEndpoint = new Option<string?>("--aws-endpoint") { Description = "aws: send every AWS call to this endpoint (e.g. a moto server)." };
        var location = new AwsLocationOptions();
        Option[] localOnly = [options.Run["dim"], options.Engine, options.Run["wan-latency"], options.Run["time-scale"], options.Parallel, options.Silos, options.Membership, options.FailureDetection, options.InjectFault, options.Tls];
        var localOnlyReasons = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--wan-latency"] = "on AWS the delay between the coordinator's and the nodes' regions is real, not emulated",
            ["--time-scale"] = "on AWS the pace is real (give --round-interval and the sync latencies themselves)",
        };
        Option[] awsOnly = [coordinatorType, coordinatorImage, nodesPerSilo, block, noTls, credentialsCsv, awsEndpoint, .. location.All];

        options.Run.AddTo(root);
        foreach (var option in options.Sweep.Concat([target, coordinatorType, coordinatorImage, nodesPerSilo, block, noTls, credentialsCsv, awsEndpoint, .. location.All]))
        {
            root.Options.Add(option);
        }

        root.SetAction((parseResult, cancellationToken) =>
        {
            var console = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            LaunchRequest request;
            try
            {
                request = options.Bind(parseResult);
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"error: {OneLine(e.Message)}");
                return Task.FromResult(1);
            }

            if (request.Run.Function is null)
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
                    NoTls = parseResult.GetValue(noTls),
                    CredentialsCsv = parseResult.GetValue(credentialsCsv),
                    AwsEndpoint = parseResult.GetValue(awsEndpoint),
                    Location = location.Read(parseResult),
                }, console, error, cancellationToken);
            }

            return RunAsync(request, console, error, ExperimentEngines.For(parseResult), cancellationToken);
        });
    }

    /// <summary>Runs the request; returns the exit code (0 all done, 1 bad input or a failed error bound, 130 cancelled).</summary>
    internal static async Task<int> RunAsync(LaunchRequest request, TextWriter output, TextWriter error,
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
                ? ExperimentEngines.CreateOnLocalCluster(EngineFor(request), cluster, request.InjectFault is { } fault ? FaultInjection.Parse(fault) : null)
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
    internal static LocalClusterOptions? LocalClusterOf(LaunchRequest request, string outputFolder)
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
            var clusterOnly = request.Membership is not null ? "--membership"
                : request.CoordinatorStandby ? "--coordinator-standby"
                : request.FailureDetection is not null ? "--failure-detection"
                : request.InjectFault is not null ? "--inject-fault"
                : request.Tls ? "--tls"
                : null;
            return clusterOnly is null
                ? null
                : throw new ArgumentException($"{clusterOnly} applies to a local cluster: give --silos K with K ≥ 2{(clusterOnly == "--coordinator-standby" ? " (or --target aws)" : "")}.");
        }

        // One coordinator silo and at most one silo per node: more would host nothing and only slow the cluster down.
        var nodes = request.Resolve(ExperimentPresets.Get(request.NodeType)).Nodes;
        if (request.Silos > nodes + 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--silos {request.Silos} is more than the run can use: one coordinator silo and at most one silo per node, so at most {nodes + 1} for --nodes {nodes}."));
        }

        if (request.InjectFault is { } injected)
        {
            var fault = FaultInjection.Parse(injected);
            string[] names = ["coordinator", .. request.CoordinatorStandby ? ["coordinator-standby"] : Array.Empty<string>(),
                .. Enumerable.Range(1, request.Silos.Value - 1).Select(i => string.Create(CultureInfo.InvariantCulture, $"node-{i}"))];
            if (!names.Contains(fault.Silo, StringComparer.Ordinal))
            {
                throw new ArgumentException($"--inject-fault names silo '{fault.Silo}'; this cluster's silos are {string.Join(", ", names)}.");
            }
        }

        var options = new LocalClusterOptions
        {
            Silos = request.Silos.Value,
            Membership = membership,
            CoordinatorStandby = request.CoordinatorStandby,
            FailureDetection = request.FailureDetection == "fast" ? FailureDetectionProfile.Fast : FailureDetectionProfile.Default,
            LogDirectory = Path.Combine(outputFolder, SiloLogsFolder),
            Tls = request.Tls,
        };
        options.Validate();
        return options;
    }

    /// <summary>The folder under the results where a local cluster's processes log.</summary>
    internal const string SiloLogsFolder = "silo-logs";

    /// <summary>The cluster certificate a local cluster with <c>--tls</c> generates into its logs folder.</summary>
    internal const string ClusterCertificateFile = LocalSiloCluster.CertificateFile;

    /// <summary>
    /// The engine to use: the one named, else the default — except that what the grains do not run goes in-process:
    /// centralisation (every update sent, no protocol), and, unless silos were asked for, the adaptive fallback and the
    /// competitor protocols (the grains run the paper's AutoMon).
    /// </summary>
    internal static string EngineFor(LaunchRequest request) =>
        request.Engine ?? (request.Centralized || (request.Silos is null && (request.Run.Adaptive || request.Run.Protocol != MonitoringProtocol.AutoMon))
            ? SimulationRunner.Name
            : ExperimentEngines.Default);

    /// <summary>
    /// Error bounds run at once when --parallel is not given: one per core, except on a local cluster (--silos K, no
    /// injected fault), where a run mostly waits for calls between processes, so up to four per core overlap.
    /// </summary>
    internal static int DefaultParallelism(LaunchRequest request, int bounds) =>
        request.Silos is > 1 && request.InjectFault is null
            ? Math.Clamp(bounds, 1, 4 * Environment.ProcessorCount)
            : Environment.ProcessorCount;

    /// <summary>Resolves the request against the workload's preset and loads or generates its data.</summary>
    internal static SweepRequest Prepare(LaunchRequest request, IExperimentRunner runner, string outputFolder)
    {
        var preset = ExperimentPresets.Get(request.NodeType);
        var bounds = ErrorBoundsOf(request, preset);
        var run = request.Resolve(preset);
        if (request.Parallel is < 1)
        {
            throw new ArgumentException($"--parallel must be at least 1; got {request.Parallel}.");
        }

        if (Path.Exists(outputFolder) && !Directory.Exists(outputFolder))
        {
            throw new ArgumentException($"--output {outputFolder} exists and is not a folder.");
        }

        var mode = request.Centralized ? ExperimentMode.Centralization : ExperimentMode.AutoMon;
        var data = ExperimentData.Load(preset, run);
        var sweep = new SweepRequest
        {
            Preset = preset,
            Data = data,
            ErrorBounds = bounds,
            Run = run,
            Given = request.Given,
            Mode = mode,
            OutputFolder = outputFolder,
            Parallelism = request.Parallel ?? DefaultParallelism(request, bounds.Count),
        };
        runner.Validate(sweep.SpecFor(bounds[0]));
        return sweep;
    }

    /// <summary>Runs a prepared sweep with the progress display; prints the summary table.</summary>
    internal static async Task<SweepOutcome> RunSweepAsync(SweepRequest sweep, IExperimentRunner runner, SweepDisplay display, CancellationToken cancellationToken)
    {
        var bounds = sweep.Mode == ExperimentMode.Centralization ? [double.NaN] : sweep.ErrorBounds;
        var data = sweep.Data;
        var labels = sweep.Specs().Select(sweep.LabelFor).ToList();
        var heading = string.Create(CultureInfo.InvariantCulture,
            $"{sweep.Preset.NodeType}: n={data.Data.NodeCount}, d={data.Function.Dimension}, W={sweep.Run.Window}, {data.Iterations} iterations, " +
            $"{(sweep.Mode == ExperimentMode.Centralization ? "centralisation" : $"{bounds.Count} error bound(s)")}{(sweep.Run.Adaptive ? ", adaptive beside plain AutoMon" : string.Empty)}, engine {runner.Description}, data {data.Source}");
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

    internal static IReadOnlyList<double> ErrorBoundsOf(LaunchRequest request, ExperimentPreset preset)
    {
        if (request.IsGiven("error-bound") && request.ErrorBounds is not null)
        {
            throw new ArgumentException("Give --error-bound or --error-bounds, not both.");
        }

        if (request.IsGiven("error-bound"))
        {
            return [RequirePositive(request.Run.ErrorBound, "--error-bound")];
        }

        if (request.ErrorBounds is { } list)
        {
            var parts = CommaList.Split(list);
            CommaList.RequireEntries(parts, "--error-bounds", "0.02,0.05,0.1");

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

    internal static bool IsInputError(Exception e) =>
        e is ArgumentException or FormatException or IOException or InvalidDataException or UnauthorizedAccessException or DataFormatException;

    internal static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static double RequirePositive(double value, string option) =>
        value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentException($"{option} must be a positive number; got {value.ToString("R", CultureInfo.InvariantCulture)}.");
}
