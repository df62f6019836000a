using System.CommandLine;
using System.Globalization;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Aws;
using AutoMon.Launcher.Experiments;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon --node-type X --target aws</c>: provisions the workload's experiments on AWS (one per error bound) with
/// <see cref="AwsExperimentProvisioner"/>; with <c>--block</c> also waits for their results in S3, downloads them and writes
/// results.csv and the figures from them (<see cref="AwsSweepResults"/>).
/// </summary>
internal static class AwsTarget
{
    public const string Local = "local";
    public const string Aws = "aws";

    /// <summary>What <c>--target aws</c> was asked for; null means "the workload's default".</summary>
    internal sealed record AwsRequest
    {
        /// <summary>What to run, as for a local run (the options that do not apply on AWS are refused before this).</summary>
        public required ExperimentCommand.LaunchRequest Experiment { get; init; }

        public string CoordinatorInstanceType { get; init; } = "ec2";

        /// <summary>AMI of the EC2 coordinator (<c>--coordinator-image</c>); null: the newest Amazon Linux 2023 image.</summary>
        public string? CoordinatorImage { get; init; }

        public int? NodesPerSilo { get; init; }

        public bool Block { get; init; }

        /// <summary>Plain TCP between the silos instead of the default mutual TLS with a per-experiment certificate.</summary>
        public bool NoTls { get; init; }

        public string? CredentialsCsv { get; init; }

        public string? AwsEndpoint { get; init; }

        /// <summary>The results bucket and the regions (<c>--results-bucket</c>, <c>--node-region</c>, <c>--coordinator-region</c>).</summary>
        public AwsLocation Location { get; init; } = AwsLocation.Default;
    }

    /// <summary>
    /// The message for options given that do not apply to the chosen target (local-only ones with aws, aws-only ones with
    /// local); null when there are none. Options only count when typed, not when they hold their default.
    /// </summary>
    public static string? OptionConflict(ParseResult parseResult, bool aws, IEnumerable<Option> localOnly, IEnumerable<Option> awsOnly,
        IReadOnlyDictionary<string, string>? reasons = null)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var (misplaced, target, other) = aws ? (localOnly, Aws, Local) : (awsOnly, Local, Aws);
        var given = misplaced.Where(o => parseResult.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count == 0)
        {
            return null;
        }

        var why = reasons is null ? [] : given.Where(reasons.ContainsKey).Select(name => reasons[name]).ToList();
        return $"{string.Join(", ", given)} {(given.Count == 1 ? "does" : "do")} not apply to --target {target} (only to --target {other})" +
               (why.Count == 0 ? "." : ": " + string.Join("; ", why) + ".");
    }

    /// <summary>Connection settings of <c>--aws-endpoint</c> and <c>--credentials-csv</c>.</summary>
    public static AwsConnectionOptions Connection(string? endpoint, string? credentialsCsv)
    {
        Uri? uri = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out uri))
        {
            throw new ArgumentException($"--aws-endpoint '{endpoint}' is not an absolute http(s) URL.");
        }

        return new AwsConnectionOptions { Endpoint = uri, CredentialsCsvPath = credentialsCsv };
    }

    /// <summary>Provisions the request's plan (and with --block waits and downloads); returns the exit code.</summary>
    public static async Task<int> RunAsync(AwsRequest request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return await GuardAsync(error, cancellationToken, async () =>
        {
            var plan = Plan(request);
            plan.Validate();
            using var session = AwsSession.Open(Connection(request.AwsEndpoint, request.CredentialsCsv));
            var provisioner = new AwsExperimentProvisioner(session, output);
            output.WriteLine($"Run {plan.RunId}: {plan.Experiments.Count} experiment(s) of {plan.NodeType}, {plan.Run.Nodes} nodes " +
                             $"({plan.NodeSilos.Count} node silo(s)), coordinator on {(plan.CoordinatorHost == AwsCoordinatorHost.Ec2 ? "EC2 " + plan.CoordinatorInstanceType : "Fargate")}, " +
                             $"coordinator sync latencies {AwsNaming.PythonFloat(plan.Run.LazySyncLatency.TotalSeconds)} s lazy, {AwsNaming.PythonFloat(plan.Run.FullSyncLatency.TotalSeconds)} s full; " +
                             $"{plan.Run.Iterations} iterations, a node update every {AwsNaming.PythonFloat(plan.Run.RoundInterval.TotalSeconds)} s (up to about {Hours(plan.LongestRun)} per experiment).");
            var provisioned = await provisioner.ProvisionAsync(plan, new AwsProvisionOptions { SkipExperimentsWithResults = request.Block, LeaveRunningExperiments = request.Block },
                cancellationToken).ConfigureAwait(false);
            foreach (var skipped in provisioned.SkippedAlreadyInS3)
            {
                output.WriteLine($"  {skipped.Name}: results already in s3://{plan.ResultsBucket}/{skipped.ResultsPrefix}, not started again");
            }

            foreach (var (name, what) in provisioned.StillRunning)
            {
                output.WriteLine($"  {name}: still running from an earlier launch ({what}), waited for, not started again");
            }

            foreach (var started in provisioned.Started)
            {
                output.WriteLine($"  {started.Experiment.Name}: started {started.NodeTaskArns.Count} node task(s) and the coordinator{(plan.CoordinatorStandby ? " and its standby" : "")}");
            }

            if (!request.Block)
            {
                output.WriteLine($"Results will appear in s3://{plan.ResultsBucket}/. Remove everything of this run with: {request.Location.CleanupCommandLine(plan.RunId)}");
                return 0;
            }

            var folder = ExperimentCommand.DefaultOutput(request.Experiment.Output, plan.NodeType);
            output.WriteLine($"Waiting for the results in s3://{plan.ResultsBucket}/ ...");
            var progress = new Progress<AwsResultsProgress>(p => output.WriteLine("  " + p.Describe()));
            var downloaded = await provisioner.WaitForResultsAsync(plan, folder, new AwsWaitOptions { Progress = progress }, cancellationToken)
                .ConfigureAwait(false);
            var code = ReportResults(plan, downloaded, folder, output, error);
            output.WriteLine($"Remove what this run created with: {request.Location.CleanupCommandLine(plan.RunId)}");
            return code;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// After the <c>--block</c> wait: where each experiment's results are, the summary table, results.csv and the figures of
    /// those that finished, and one error line per experiment that failed on AWS (its error.txt) or whose files are unreadable;
    /// returns the exit code (1 when any failed).
    /// </summary>
    internal static int ReportResults(AwsExperimentPlan plan, AwsDownloadedResults downloaded, string folder, TextWriter output,
        TextWriter error)
    {
        output.WriteLine($"Results: {Path.GetFullPath(folder)}");
        foreach (var (experiment, experimentFolder) in downloaded.FolderByExperiment.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine(downloaded.Failed.TryGetValue(experiment, out var why)
                ? $"  {experiment}: failed on AWS: {ExperimentCommand.OneLine(why)}"
                : $"  {experiment}: {experimentFolder}");
        }

        // As a local sweep leaves it: results.csv and the figures, from what the coordinators uploaded (failed ones have none).
        var succeeded = plan with { ErrorBounds = plan.Experiments.Where(e => !downloaded.Failed.ContainsKey(e.Name)).Select(e => e.ErrorBound).ToList() };
        var sweep = AwsSweepResults.Write(succeeded, ExperimentPresets.Get(plan.NodeType), Path.GetFullPath(folder));
        if (sweep.Rows.Count > 0)
        {
            // As a local sweep ends: the summary table, with the paper's AWS points beside ours.
            new SweepDisplay(output).SummaryTable(plan.NodeType, sweep.Rows, centralization: false);
            output.WriteLine($"  {ExperimentSweep.ResultsCsv}: {sweep.Rows.Count} row(s), {Path.Combine(sweep.Folder, ExperimentSweep.ResultsCsv)}");
            output.WriteLine("Figures:");
            foreach (var figure in sweep.Figures)
            {
                output.WriteLine($"  {figure}");
            }
        }

        foreach (var note in sweep.Notes)
        {
            output.WriteLine($"  note: {note}");
        }

        foreach (var (experiment, why) in downloaded.Failed.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = plan.Experiments.Single(e => e.Name == experiment).ErrorMarkerKey;
            error.WriteLine($"error: {experiment} failed on AWS (s3://{plan.ResultsBucket}/{key}): {ExperimentCommand.OneLine(why)}");
        }

        foreach (var failure in sweep.Failures)
        {
            error.WriteLine($"error: {ExperimentCommand.OneLine(failure)}");
        }

        return sweep.Failures.Count == 0 && downloaded.Failed.Count == 0 ? 0 : 1;
    }

    private static string Hours(TimeSpan time) =>
        time < TimeSpan.FromHours(1)
            ? $"{Math.Ceiling(time.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min"
            : $"{time.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h";

    /// <summary>The plan of the request: the paper's workload settings, overridden by the options given.</summary>
    internal static AwsExperimentPlan Plan(AwsRequest request)
    {
        if (request.Experiment.Centralized)
        {
            // The silos' grains run AutoMon only; the baseline needs no cluster anyway.
            throw new ArgumentException(
                "--centralized does not apply to --target aws: the silos' grains run AutoMon only. Run --centralized locally " +
                "(it computes the baseline exactly), or use --block, whose results derive the centralisation baseline from the " +
                "coordinators' function values.");
        }

        var experiment = request.Experiment;
        if (experiment.IsGiven("iterations") && experiment.Full)
        {
            throw new ArgumentException("Give --iterations or --full, not both.");
        }

        request.Location.Validate();
        var preset = ExperimentPresets.Get(request.Experiment.NodeType);
        var host = request.CoordinatorInstanceType.Trim().ToLowerInvariant() switch
        {
            "ec2" => AwsCoordinatorHost.Ec2,
            "fargate" => AwsCoordinatorHost.Fargate,
            _ => throw new ArgumentException($"Unknown --coordinator-instance-type '{request.CoordinatorInstanceType}'; use ec2 or fargate."),
        };
        if (request.CoordinatorImage is { } image)
        {
            if (host != AwsCoordinatorHost.Ec2)
            {
                throw new ArgumentException("--coordinator-image applies to the EC2 coordinator only (--coordinator-instance-type ec2).");
            }

            if (!AwsExperimentPlan.IsAmiId(image))
            {
                throw new ArgumentException(
                    $"--coordinator-image '{image}' is not an AMI id: give 'ami-' and 8 or 17 hex digits, e.g. ami-0123456789abcdef0.");
            }
        }

        if (request.NodesPerSilo is < 1)
        {
            throw new ArgumentException($"--nodes-per-silo must be at least 1; got {request.NodesPerSilo}.");
        }

        if (experiment.Run.Adaptive)
        {
            // Before anything is provisioned: the silos would refuse it only once their tasks started.
            throw new ArgumentException("--adaptive runs on --engine simulation (and simulate) only; AWS runs run the paper's protocol on silos.");
        }

        if (experiment.Run.Protocol != MonitoringProtocol.AutoMon)
        {
            throw new ArgumentException($"--protocol {experiment.Run.Protocol.Name()} runs on --engine simulation (and simulate) only; AWS runs run AutoMon on silos.");
        }

        var runId = AwsNaming.NewRunId(preset.NodeType, DateTimeOffset.UtcNow);
        var plan = preset.IsPaperWorkload
            ? AwsExperimentPlan.ForPaperWorkload(preset.NodeType, runId)
            : new AwsExperimentPlan { RunId = runId, NodeType = preset.NodeType };
        var bounds = ExperimentCommand.ErrorBoundsOf(request.Experiment, preset);
        plan = plan with
        {
            ErrorBounds = bounds,
            // As a local run: the preset where nothing was given (the quick length by default: the paper's kld and dnn take
            // hours here, a node a point a second); every run setting given goes through to the coordinators; paced and at
            // the seed's pace unless asked (lockstep runs equal the simulation, and a standby's replay equals them).
            Run = AwsExperimentPlan.OnAws(preset, experiment.Resolve(preset), experiment.Given),
            CoordinatorHost = host,
            CoordinatorImageId = request.CoordinatorImage,
            NodesPerSilo = request.NodesPerSilo ?? plan.NodesPerSilo,
            KnownNodeTypes = ExperimentPresets.NodeTypes.ToHashSet(StringComparer.Ordinal),
            Tls = !request.NoTls,
            CoordinatorStandby = experiment.CoordinatorStandby,
        };
        plan = request.Location.Place(plan);
        // Every setting checked (each message names its option) before the data files and weights are read.
        plan.Validate();
        plan = experiment.Run.DataDirectory is { } directory ? plan with { DataFiles = DataFilesOf(directory, plan) } : plan;
        return experiment.Run.Weights is { } weights ? plan with { WeightsFile = WeightsFileOf(weights, plan) } : plan;
    }

    /// <summary>
    /// The <c>--weights</c> file, checked before any AWS call: present, and a network of the workload's function for its
    /// dimension (read as a local run reads it).
    /// </summary>
    internal static AwsDataFile WeightsFileOf(string weights, AwsExperimentPlan plan)
    {
        var preset = plan.Preset;
        if (preset.Function is not ("mlp" or "dnn"))
        {
            throw new ArgumentException($"--weights is for the mlp and dnn workloads; {preset.NodeType} has no network.");
        }

        if (!File.Exists(weights))
        {
            throw new FileNotFoundException($"--weights file not found: {weights}", weights);
        }

        _ = FunctionCatalog.Create(preset.Function, new FunctionOptions { Dimension = plan.Run.EffectiveDimension, WeightsPath = weights, Seed = plan.Run.Seed });
        return new AwsDataFile(Path.GetFullPath(weights), AwsExperimentPlan.WeightsFolder + "/" + Path.GetFileName(weights));
    }

    /// <summary>
    /// The workload's files of <c>--data-dir</c> for the coordinator, checked here before any AWS call: present, and read
    /// into the experiment's data as a local run would (so a short or malformed file is named now, not on AWS hours later).
    /// </summary>
    internal static IReadOnlyList<AwsDataFile> DataFilesOf(string dataDirectory, AwsExperimentPlan plan)
    {
        var preset = plan.Preset;
        var folder = ReferenceDatasets.WorkloadFolder(dataDirectory, preset.NodeType);
        var files = ReferenceDatasets.RequiredFiles(folder, preset.Workload, preset.NodeType);
        var name = ReferenceDatasets.FolderName(preset.NodeType);
        var dataFiles = files.Select(f => new AwsDataFile(Path.GetFullPath(f), name + "/" + Path.GetFileName(f))).ToList();
        // The data of the run the coordinators run, every setting included (window, skipped rows, tuning prefix).
        ExperimentData.Load(preset, SiloEnvironment.RunOf(plan with { DataFiles = dataFiles }, plan.Experiments[0]) with { DataDirectory = dataDirectory });
        return dataFiles;
    }

    /// <summary>Runs an AWS action, turning each failure the user can act on into one line on stderr and exit code 1.</summary>
    internal static async Task<int> GuardAsync(TextWriter error, CancellationToken cancellationToken, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error.WriteLine("cancelled; anything started keeps running until `automon cleanup` removes it.");
            return 130;
        }
        catch (AwsProvisioningException e)
        {
            var cleanup = e.Cleanup is { } report ? " Cleanup: " + ExperimentCommand.OneLine(report.Describe().Trim()) : "";
            error.WriteLine($"error: {ExperimentCommand.OneLine(e.Message)}{cleanup}");
            return 1;
        }
        catch (Exception e) when (e is AwsServiceException or AwsEndpointUnreachableException or InvalidOperationException or TimeoutException
                                      or FileNotFoundException || ExperimentCommand.IsInputError(e))
        {
            error.WriteLine($"error: {ExperimentCommand.OneLine(e.Message)}");
            return 1;
        }
    }
}
