using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using System.Globalization;
using System.Text.RegularExpressions;
using AutoMon.Launcher.Experiments;

namespace AutoMon.Launcher.Aws;

/// <summary>Where the coordinator silo runs (<c>--coordinator-instance-type ec2|fargate</c>).</summary>
public enum AwsCoordinatorHost
{
    /// <summary>An EC2 instance (c5.4xlarge by default) whose user data runs the silo image; the paper's choice for heavy coordinators.</summary>
    Ec2,

    /// <summary>An ECS Fargate task, 4 vCPU and 16 GB: enough for light coordinators such as the inner product.</summary>
    Fargate,
}

/// <summary>Fargate task size: CPU units (1024 = 1 vCPU) and memory in MiB, one of the combinations Fargate accepts.</summary>
public sealed record AwsTaskSize(int Cpu, int MemoryMiB)
{
    public static AwsTaskSize Node { get; } = new(1024, 4096);
    public static AwsTaskSize Coordinator { get; } = new(4096, 16384);

    public bool IsValidFargateSize() => Cpu switch
    {
        256 => MemoryMiB is 512 or 1024 or 2048,
        512 => MemoryMiB is >= 1024 and <= 4096 && MemoryMiB % 1024 == 0,
        1024 => MemoryMiB is >= 2048 and <= 8192 && MemoryMiB % 1024 == 0,
        2048 => MemoryMiB is >= 4096 and <= 16384 && MemoryMiB % 1024 == 0,
        4096 => MemoryMiB is >= 8192 and <= 30720 && MemoryMiB % 1024 == 0,
        8192 => MemoryMiB is >= 16384 and <= 61440 && MemoryMiB % 4096 == 0,
        16384 => MemoryMiB is >= 32768 and <= 122880 && MemoryMiB % 8192 == 0,
        _ => false,
    };
}

/// <summary>
/// Everything the AWS side of one launcher run needs: the workload, its error bounds (one experiment each), how many nodes
/// and how they are packed into silos, the run the coordinator silos drive (<see cref="Run"/>), where the coordinator
/// runs, regions, image and roles. Defaults follow the paper's setup (Sec. 4; the seed's
/// aws_experiments/README.md): coordinator in us-west-2 on an EC2 c5.4xlarge, nodes in us-east-2 as Fargate tasks of
/// 1 vCPU and 4 GB, one node per task; the experiment settings default to the workload's launcher preset.
/// </summary>
public sealed partial record AwsExperimentPlan
{
    public const string DefaultCoordinatorRegion = "us-west-2";
    public const string DefaultNodesRegion = "us-east-2";

    /// <summary>Tags every resource of this run (<see cref="AwsNaming.RunTag"/>); <c>cleanup --run-id</c> removes exactly those.</summary>
    public required string RunId { get; init; }

    /// <summary>The workload (function) name as the silo knows it, e.g. <c>inner_product</c>.</summary>
    public required string NodeType { get; init; }

    /// <summary>One experiment per error bound. (No centralisation baseline: the silos' grains run AutoMon only.)</summary>
    public IReadOnlyList<double> ErrorBounds { get; init; } = [];

    /// <summary>
    /// The run every experiment's coordinator runs, at the experiment's error bound and neighbourhood (its data folder and
    /// weights travel as <see cref="DataFiles"/> and <see cref="WeightsFile"/>). Default: the workload's preset as a local run
    /// resolves it (the quick length), paced as the seed's AWS runs: a node takes a data point every LS_LATENCY of the
    /// workload (1 s, dnn 0.4 s) and the coordinator answers at once (<see cref="OnAws"/>).
    /// </summary>
    public RunDefinition Run
    {
        get => _run ?? OnAws(Preset, Preset.Apply(RunDefinition.Defaults, NoneGiven, full: false), NoneGiven);
        init => _run = value;
    }

    /// <summary>Node grains per node silo task (<c>--nodes-per-silo</c>); 1 as in the paper.</summary>
    public int NodesPerSilo { get; init; } = 1;

    /// <summary>Node types the launcher knows; when set, <see cref="NodeType"/> must be one of them.</summary>
    public IReadOnlyCollection<string>? KnownNodeTypes { get; init; }

    public AwsCoordinatorHost CoordinatorHost { get; init; } = AwsCoordinatorHost.Ec2;

    /// <summary>
    /// <c>--coordinator-standby</c>: a second coordinator silo (task or instance, on <see cref="CoordinatorHost"/>) in the
    /// coordinator region with the same experiment; it runs the experiment if the first dies before the results are in
    /// (<see cref="AutoMon.Silos.Hosting.CoordinatorStandby"/>), and exits when the first finishes.
    /// </summary>
    public bool CoordinatorStandby { get; init; }

    public string CoordinatorRegion { get; init; } = DefaultCoordinatorRegion;
    public string NodesRegion { get; init; } = DefaultNodesRegion;

    /// <summary>Region of the DynamoDB membership tables; null: the nodes' region, where most silos are.</summary>
    public string? MembershipRegion { get; init; }

    /// <summary>Region of the CloudWatch log groups; null: the nodes' region (as the seed does for both roles).</summary>
    public string? LogsRegion { get; init; }

    public string ResultsBucket { get; init; } = AwsNaming.DefaultResultsBucket;

    /// <summary>Region of the results bucket; null: the nodes' region.</summary>
    public string? ResultsRegion { get; init; }

    /// <summary>The silo image; null: <c>&lt;account&gt;.dkr.ecr.&lt;nodes region&gt;.amazonaws.com/automon:latest</c>.</summary>
    public string? ContainerImage { get; init; }

    /// <summary>Role ECS uses to pull the image and write logs; null: <c>arn:aws:iam::&lt;account&gt;:role/ecsTaskExecutionRole</c>.</summary>
    public string? TaskExecutionRoleArn { get; init; }

    /// <summary>Role the silo code runs as (DynamoDB, S3); null: <c>arn:aws:iam::&lt;account&gt;:role/AutoMonSiloTaskRole</c>.</summary>
    public string? TaskRoleArn { get; init; }

    /// <summary>Instance profile of the EC2 coordinator (ECR pull, logs, DynamoDB, S3); null: none.</summary>
    public string? CoordinatorInstanceProfile { get; init; } = "AutoMonCoordinatorInstance";

    public string CoordinatorInstanceType { get; init; } = "c5.4xlarge";

    /// <summary>AMI of the EC2 coordinator; null: the newest image named <see cref="CoordinatorImageNamePattern"/> owned by <see cref="CoordinatorImageOwner"/>.</summary>
    public string? CoordinatorImageId { get; init; }

    /// <summary>Amazon Linux 2023 (x86_64): has the AWS CLI; Docker installs from its own repository.</summary>
    public string CoordinatorImageNamePattern { get; init; } = "al2023-ami-2023.*-kernel-*-x86_64";

    public string CoordinatorImageOwner { get; init; } = "amazon";

    public AwsTaskSize NodeTaskSize { get; init; } = AwsTaskSize.Node;
    public AwsTaskSize CoordinatorTaskSize { get; init; } = AwsTaskSize.Coordinator;

    /// <summary>Orleans silo-to-silo port; the security group opens it.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Orleans client gateway port; the security group opens it.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>A run may take at least this long before the silos give up (unless <see cref="MaxRunTime"/> is set).</summary>
    public static readonly TimeSpan DefaultMaxRunTime = TimeSpan.FromHours(8);

    /// <summary>
    /// A silo gives up after this long (a hung experiment must not run, and cost, forever); the EC2 coordinator then powers
    /// off. Default: 8 h, or twice <see cref="LongestRun"/> when that is longer (the paper's full kld run takes 8.3 h).
    /// </summary>
    public TimeSpan MaxRunTime
    {
        get => _maxRunTime ?? (LongestRun * 2 > DefaultMaxRunTime ? LongestRun * 2 : DefaultMaxRunTime);
        init => _maxRunTime = value;
    }

    /// <summary>
    /// The workload's files of the reference's <c>datasets/</c> folder (<c>--data-dir</c>), uploaded once per run under
    /// <see cref="DataPrefix"/> for every experiment's coordinator; empty: the coordinator generates the data from the seed.
    /// </summary>
    public IReadOnlyList<AwsDataFile> DataFiles { get; init; } = [];

    /// <summary>Where the run's data files go in the results bucket: <c>&lt;run id&gt;/datasets/</c>.</summary>
    public string DataPrefix => RunId + "/datasets/";

    /// <summary>
    /// mlp/dnn: the network's .npz (<c>--weights</c>), uploaded with the data files under <see cref="WeightsPrefix"/>; the
    /// coordinator sends it to every silo with the function. Null: the silos initialise the network from the seed.
    /// </summary>
    public AwsDataFile? WeightsFile { get; init; }

    /// <summary>The folder of <see cref="WeightsFile"/> in the results bucket (below <see cref="DataPrefix"/>, so cleanup removes it with the data).</summary>
    public string WeightsPrefix => DataPrefix + WeightsFolder + "/";

    /// <summary>The key of <see cref="WeightsFile"/> below <see cref="DataPrefix"/> is <c>weights/&lt;file name&gt;</c>.</summary>
    public const string WeightsFolder = "weights";

    /// <summary>
    /// Mutual TLS between each experiment's silos (on by default; <c>--no-tls</c> turns it off): the launcher generates a
    /// cluster certificate per experiment, uploads it under <see cref="TlsCertificatePrefix"/> and every silo downloads it
    /// before it starts (<c>--tls-certificate-s3-uri</c>).
    /// </summary>
    public bool Tls { get; init; } = true;

    /// <summary>
    /// Where <paramref name="experiment"/>'s certificate goes: <c>&lt;run id&gt;/datasets/tls/&lt;experiment&gt;/cluster.pfx</c>,
    /// below <see cref="DataPrefix"/> so the silos' role reads it as it reads the data and cleanup removes it with the data.
    /// </summary>
    public string TlsCertificatePrefix(AwsExperiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        return DataPrefix + AutoMon.Silos.Hosting.S3DataDownloader.CertificatesFolder + "/" + experiment.Name + "/";
    }

    /// <summary>
    /// More environment variables for every silo container (e.g. <c>DOTNET_gcServer</c>), passed through unchanged. Names
    /// may not start with <c>AUTOMON_</c>: that is the silo host's configuration, which the launcher writes on the silo's
    /// command line (<see cref="SiloEnvironment"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();

    private static readonly IReadOnlySet<string> NoneGiven = new HashSet<string>(StringComparer.Ordinal);

    private RunDefinition? _run;
    private TimeSpan? _maxRunTime;

    /// <summary>The launcher's settings of <see cref="NodeType"/>, which the experiment settings default to.</summary>
    internal ExperimentPreset Preset => ExperimentPresets.Get(NodeType);

    /// <summary>The ADCD-X neighbourhood size of the experiment at <paramref name="errorBound"/> (the preset's; null: none).</summary>
    public double? NeighborhoodFor(double errorBound) => Run.Neighborhood ?? Preset.NeighborhoodFor(errorBound);

    /// <summary>
    /// <paramref name="resolved"/> (a run with <paramref name="preset"/> applied where no setting was given,
    /// <see cref="ExperimentPreset.Apply"/>) as it runs on AWS: paced unless <c>--pacing</c> was given, and a node taking a
    /// data point every LS_LATENCY of the workload unless <c>--round-interval</c> was given, as the seed's AWS runs.
    /// </summary>
    internal static RunDefinition OnAws(ExperimentPreset preset, RunDefinition resolved, IReadOnlySet<string> given)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(given);
        return resolved with
        {
            Pacing = given.Contains("pacing") ? resolved.Pacing : Pacing.Paced,
            RoundInterval = given.Contains("round-interval") ? resolved.RoundInterval : preset.LazySyncLatency,
        };
    }

    /// <summary>
    /// The longest the coordinator's paced experiment can take: every data point of a node one round interval apart (dnn
    /// counts rows in total, so this bounds it from above).
    /// </summary>
    public TimeSpan LongestRun =>
        TimeSpan.FromSeconds(Math.Min((double)(Run.TuningIterations + Run.Iterations) * Run.RoundInterval.TotalSeconds, LongestRunCap.TotalSeconds));

    // Keeps the arithmetic on absurd settings finite; nothing runs this long.
    private static readonly TimeSpan LongestRunCap = TimeSpan.FromDays(3650);

    public string EffectiveMembershipRegion => MembershipRegion ?? NodesRegion;
    public string EffectiveLogsRegion => LogsRegion ?? NodesRegion;
    public string EffectiveResultsRegion => ResultsRegion ?? NodesRegion;

    /// <summary>The experiments of this run: one per error bound.</summary>
    public IReadOnlyList<AwsExperiment> Experiments => ErrorBounds.Select(e => new AwsExperiment(this, e)).ToList();

    /// <summary>The node silos: silo k hosts nodes [k·NodesPerSilo, min(n, (k+1)·NodesPerSilo)).</summary>
    public IReadOnlyList<AwsNodeSilo> NodeSilos
    {
        get
        {
            var silos = new List<AwsNodeSilo>();
            for (int first = 0, k = 0; first < Run.Nodes; first += NodesPerSilo, k++)
            {
                silos.Add(new AwsNodeSilo(k, first, Math.Min(Run.Nodes, first + NodesPerSilo)));
            }
            return silos;
        }
    }

    /// <summary>Regions where the run creates anything (cleanup looks there).</summary>
    public IReadOnlyList<string> Regions =>
        new[] { CoordinatorRegion, NodesRegion, EffectiveMembershipRegion, EffectiveLogsRegion }.Distinct().ToList();

    /// <summary>
    /// The plan for one of the paper's four AWS workloads (Sec. 4; the seed's aws_experiments/deploy_aws_experiment.py):
    /// its node count, error-bound sweep and pace (the default <see cref="Run"/>), from the launcher's presets (kld runs 8
    /// bounds and dnn 6, as the seed does, to stay under the 100-tasks-per-region Fargate quota and cost).
    /// </summary>
    public static AwsExperimentPlan ForPaperWorkload(string nodeType, string runId)
    {
        ArgumentNullException.ThrowIfNull(nodeType);
        if (!ExperimentPresets.PaperNodeTypes.Contains(nodeType))
        {
            throw new ArgumentException(
                $"unknown node type '{nodeType}' for the AWS experiment; known: {string.Join(", ", ExperimentPresets.PaperNodeTypes)}.",
                nameof(nodeType));
        }

        var preset = ExperimentPresets.Get(nodeType);
        return new AwsExperimentPlan
        {
            RunId = runId,
            NodeType = preset.NodeType,
            ErrorBounds = preset.ErrorBounds,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        AwsNaming.ValidateRunId(RunId);
        if (string.IsNullOrEmpty(NodeType) || !NodeTypePattern().IsMatch(NodeType))
        {
            throw new ArgumentException(
                $"node type '{NodeType}' must be a function name of lower-case letters, digits and '_'.", nameof(NodeType));
        }
        if (KnownNodeTypes is { } known && !known.Contains(NodeType))
        {
            throw new ArgumentException(
                $"unknown node type '{NodeType}'; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}.",
                nameof(NodeType));
        }
        var preset = Preset;
        if (ErrorBounds.Count == 0)
        {
            throw new ArgumentException("at least one error bound is needed.", nameof(ErrorBounds));
        }
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in ErrorBounds)
        {
            if (!double.IsFinite(e) || e <= 0 || e >= 1e15)
            {
                throw new ArgumentException(
                    $"error bound {e.ToString("R", CultureInfo.InvariantCulture)} must be a finite number in (0, 1e15).",
                    nameof(ErrorBounds));
            }
            if (!labels.Add(AwsNaming.PythonFloat(e)))
            {
                throw new ArgumentException($"error bound {AwsNaming.PythonFloat(e)} is listed twice.", nameof(ErrorBounds));
            }
        }
        // The run's checks, as a local run's: the workload's shape first (its messages name the workload), then every setting.
        ExperimentData.ValidateShape(preset, Run.Nodes, Run.Iterations, Run.Window, Run.SingleSampleRounds);
        if (Run.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems) + ".");
        }
        if (NodesPerSilo < 1 || NodesPerSilo > Run.Nodes)
        {
            throw new ArgumentException($"nodes per silo must be in 1..{Run.Nodes}, got {NodesPerSilo}.", nameof(NodesPerSilo));
        }
        foreach (var region in Regions.Append(EffectiveResultsRegion))
        {
            AwsNaming.ValidateRegion(region);
        }
        if (!AwsNaming.IsBucketName(ResultsBucket))
        {
            throw new ArgumentException($"'{ResultsBucket}' is not a valid S3 bucket name.", nameof(ResultsBucket));
        }
        if (!NodeTaskSize.IsValidFargateSize())
        {
            throw new ArgumentException($"node task size {NodeTaskSize} is not a Fargate CPU/memory combination.",
                nameof(NodeTaskSize));
        }
        if (CoordinatorHost == AwsCoordinatorHost.Fargate && !CoordinatorTaskSize.IsValidFargateSize())
        {
            throw new ArgumentException($"coordinator task size {CoordinatorTaskSize} is not a Fargate CPU/memory combination.",
                nameof(CoordinatorTaskSize));
        }
        if (!Enum.IsDefined(CoordinatorHost))
        {
            throw new ArgumentException($"unknown coordinator host {CoordinatorHost}.", nameof(CoordinatorHost));
        }
        if (CoordinatorHost == AwsCoordinatorHost.Ec2 && string.IsNullOrWhiteSpace(CoordinatorInstanceType))
        {
            throw new ArgumentException("the EC2 coordinator needs an instance type.", nameof(CoordinatorInstanceType));
        }
        if (CoordinatorImageId is { } ami && !IsAmiId(ami))
        {
            throw new ArgumentException(
                $"coordinator image '{ami}' is not an AMI id ('ami-' and 8 or 17 hex digits).", nameof(CoordinatorImageId));
        }
        if (SiloPort is < 1 or > 65535 || GatewayPort is < 1 or > 65535 || SiloPort == GatewayPort)
        {
            throw new ArgumentException($"silo port {SiloPort} and gateway port {GatewayPort} must be distinct ports in 1..65535.");
        }
        if (MaxRunTime <= TimeSpan.Zero)
        {
            throw new ArgumentException($"MaxRunTime must be positive, got {MaxRunTime}.", nameof(MaxRunTime));
        }
        if (ContainerImage is { } image && string.IsNullOrWhiteSpace(image))
        {
            throw new ArgumentException("the container image is blank.", nameof(ContainerImage));
        }
        foreach (var name in ExtraEnvironment.Keys)
        {
            if (!EnvironmentNamePattern().IsMatch(name) || name.StartsWith(SiloEnvironment.ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"extra environment variable '{name}' is not a valid name or is the silo host's configuration ({SiloEnvironment.ReservedPrefix}*), which the launcher writes on its command line.",
                    nameof(ExtraEnvironment));
            }
        }
    }

    /// <summary>Whether <paramref name="id"/> has the form of an AMI id: <c>ami-</c> and 8 (older images) or 17 hex digits.</summary>
    public static bool IsAmiId(string id) => AmiPattern().IsMatch(id);

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex AmiPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex NodeTypePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentNamePattern();
}

/// <summary>One experiment: the workload at one error bound, with its resource names and neighbourhood size.</summary>
public sealed record AwsExperiment
{
    internal AwsExperiment(AwsExperimentPlan plan, double errorBound)
    {
        ErrorBound = errorBound;
        Neighborhood = plan.NeighborhoodFor(errorBound);
        Name = AwsNaming.ExperimentName(plan.NodeType, errorBound);
        NodesCluster = AwsNaming.ClusterName(Name, plan.NodesRegion);
        CoordinatorCluster = AwsNaming.ClusterName(Name, plan.CoordinatorRegion);
        LogGroup = AwsNaming.LogGroupName(Name);
        MembershipTable = AwsNaming.MembershipTableName(Name);
        ResultsPrefix = AwsNaming.ResultsPrefix(plan.NodeType, errorBound);
        ResultsFolder = "error_bound_" + AwsNaming.PythonFloat(errorBound);
    }

    public double ErrorBound { get; }

    /// <summary>The initial ADCD-X neighbourhood size the coordinator gets (the preset's for this error bound); null: none.</summary>
    public double? Neighborhood { get; }

    /// <summary>The seed's name, e.g. <c>inner-product_0-02</c>; also the Orleans cluster id (membership partition key ClusterId).</summary>
    public string Name { get; }

    public string NodesCluster { get; }

    /// <summary>The coordinator's ECS cluster (used when the coordinator is a Fargate task).</summary>
    public string CoordinatorCluster { get; }

    public string LogGroup { get; }
    public string MembershipTable { get; }
    public string ResultsPrefix { get; }
    public string CompletionMarkerKey => AwsNaming.CompletionMarkerKey(ResultsPrefix);

    /// <summary>The coordinator's report that the experiment failed (uploaded instead of the results).</summary>
    public string ErrorMarkerKey => AwsNaming.ErrorMarkerKey(ResultsPrefix);

    /// <summary>Folder name for downloaded results, e.g. <c>error_bound_0.02</c>.</summary>
    public string ResultsFolder { get; }
}

/// <summary>A data file to upload: the local file and its key below <see cref="AwsExperimentPlan.DataPrefix"/> (e.g. <c>inner_product/data_file.txt</c>).</summary>
public sealed record AwsDataFile(string LocalPath, string RelativeKey);

/// <summary>Node silo <see cref="Index"/> hosts nodes <see cref="FirstNode"/> (inclusive) to <see cref="EndNode"/> (exclusive).</summary>
public sealed record AwsNodeSilo(int Index, int FirstNode, int EndNode)
{
    public int NodeCount => EndNode - FirstNode;
}
