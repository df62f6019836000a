using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Experiments;
using AutoMon.Silos.Hosting;
using AutoMon.Protocol.Data;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// What a silo container is told, in two parts. The silo host (src/Silos, <c>AutoMon.Silos</c>) takes its command line:
/// role, region, Orleans cluster id, ports, DynamoDB membership table and region (<see cref="CoordinatorArguments"/>,
/// <see cref="NodeSiloArguments"/>; the image's entrypoint adds <c>--address</c>, which only the running container
/// knows); the coordinator's also names the experiment it runs once the node silos have joined (paced, with the seed's
/// latencies) and the S3 folder it uploads the results to; node silos stop once that coordinator has left. The AUTOMON_*
/// environment variables say the same for logs and tools (and AUTOMON_MAX_RUN_SECONDS bounds every silo's run). The
/// seed's counterparts were NODE_IDX, NODE_TYPE, ERROR_BOUND, HOST, S3_WRITE, LS_LATENCY, FS_LATENCY; with DynamoDB
/// membership no silo needs the coordinator's address.
/// </summary>
public static class SiloEnvironment
{
    /// <summary><c>coordinator</c> or <c>node</c>.</summary>
    public const string Role = "AUTOMON_ROLE";
    public const string NodeType = "AUTOMON_NODE_TYPE";

    /// <summary>Error bound as Python prints it.</summary>
    public const string ErrorBound = "AUTOMON_ERROR_BOUND";

    /// <summary>Total nodes of the experiment.</summary>
    public const string NodeCount = "AUTOMON_NODE_COUNT";

    /// <summary>First node index this silo hosts (node role).</summary>
    public const string NodeIndexStart = "AUTOMON_NODE_INDEX_START";

    /// <summary>One past the last node index this silo hosts (node role).</summary>
    public const string NodeIndexEnd = "AUTOMON_NODE_INDEX_END";

    /// <summary>The region the silo runs in.</summary>
    public const string Region = "AUTOMON_REGION";

    /// <summary>Orleans cluster id = membership partition key ClusterId: the experiment name (e.g. <c>inner-product_0-02</c>).</summary>
    public const string ClusterId = "AUTOMON_CLUSTER_ID";

    public const string MembershipTable = "AUTOMON_MEMBERSHIP_TABLE";
    public const string MembershipRegion = "AUTOMON_MEMBERSHIP_REGION";
    public const string ResultsBucket = "AUTOMON_RESULTS_BUCKET";
    public const string ResultsRegion = "AUTOMON_RESULTS_REGION";

    /// <summary>S3 folder (ending in '/') under which the coordinator uploads <c>coordinator/...</c>, <see cref="AwsNaming.CompletionMarkerFile"/> last.</summary>
    public const string ResultsPrefix = "AUTOMON_RESULTS_PREFIX";

    public const string SiloPort = "AUTOMON_SILO_PORT";
    public const string GatewayPort = "AUTOMON_GATEWAY_PORT";

    /// <summary>Seconds (the seed's LS_LATENCY and FS_LATENCY).</summary>
    public const string LazySyncLatency = "AUTOMON_LAZY_SYNC_LATENCY";
    public const string FullSyncLatency = "AUTOMON_FULL_SYNC_LATENCY";

    /// <summary><c>true</c>: advertise the public IP to the cluster (silos talk across regions over the internet).</summary>
    public const string AdvertisePublicIp = "AUTOMON_ADVERTISE_PUBLIC_IP";

    /// <summary>The EC2 user data sets this to the instance's public IPv4 (from instance metadata).</summary>
    public const string AdvertisedIp = "AUTOMON_ADVERTISED_IP";

    /// <summary>The silo host's <c>MaxRunTime</c> setting: it stops after this long whatever happens.</summary>
    public const string MaxRunTime = "AUTOMON_MAXRUNTIME";

    public const string RunId = "AUTOMON_RUN_ID";

    public static IReadOnlySet<string> ReservedNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Role, NodeType, ErrorBound, NodeCount, NodeIndexStart, NodeIndexEnd, Region, ClusterId,
        MembershipTable, MembershipRegion, ResultsBucket, ResultsRegion, ResultsPrefix, SiloPort, GatewayPort,
        LazySyncLatency, FullSyncLatency, AdvertisePublicIp, AdvertisedIp, MaxRunTime, RunId,
    };

    /// <summary>Where the coordinator silo writes the experiment's files before it uploads them.</summary>
    public const string CoordinatorOutputDirectory = "/tmp/automon-results";

    /// <summary>
    /// The silo host's command line for the coordinator of one experiment (without <c>--address</c>): the silo, then the
    /// experiment it runs once all node silos have joined, paced as the seed's AWS runs (a node takes a data point every
    /// round interval; the coordinator waits the sync latencies), uploading its files under
    /// <c>s3://bucket/&lt;results prefix&gt;coordinator/</c>, summary.json last (error.txt there if it fails).
    /// </summary>
    public static IReadOnlyList<string> CoordinatorArguments(AwsExperimentPlan plan, AwsExperiment experiment, string region)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        var silo = Silo(plan, experiment, SiloRole.Coordinator, region, "coordinator");
        var bucket = $"s3://{plan.ResultsBucket}/";
        silo.Experiment = new ExperimentRequest
        {
            Run = RunOf(plan, experiment),
            ExperimentId = experiment.Name,
            OutputDirectory = CoordinatorOutputDirectory,
            // The coordinator silo itself and every node silo: the nodes' grains need their silos before the run starts.
            WaitForSilos = 1 + plan.NodeSilos.Count,
            ResultsS3Uri = $"{bucket}{experiment.ResultsPrefix}{AwsNaming.CoordinatorResultsFolder}/",
            ResultsS3Region = plan.EffectiveResultsRegion,
            // The launcher uploaded the --weights and --data-dir files there; only the coordinator reads them (it feeds the node grains).
            WeightsS3Uri = plan.WeightsFile is null ? null : bucket + plan.WeightsPrefix,
            WeightsS3Region = plan.WeightsFile is null ? null : plan.EffectiveResultsRegion,
            DataS3Uri = plan.DataFiles.Count == 0 ? null : bucket + plan.DataPrefix,
            DataS3Region = plan.DataFiles.Count == 0 ? null : plan.EffectiveResultsRegion,
        };
        return SiloCommandLine.ToArguments(silo);
    }

    /// <summary>
    /// The run the coordinator of <paramref name="experiment"/> drives: the plan's workload at the experiment's error bound,
    /// paced as the seed's AWS runs (a node takes a data point every round interval; the coordinator waits the sync latencies).
    /// </summary>
    public static RunDefinition RunOf(AwsExperimentPlan plan, AwsExperiment experiment)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        return RunDefinition.Defaults with
        {
            Function = plan.Preset.Function,
            Nodes = plan.NodeCount,
            Iterations = plan.Iterations,
            Dimension = plan.Dimension,
            Window = plan.Window,
            ErrorBound = experiment.ErrorBound,
            Neighborhood = experiment.Neighborhood,
            TuningIterations = plan.TuningIterations,
            SingleSampleRounds = plan.SingleSampleRounds,
            Seed = plan.Seed,
            SkipIterations = plan.DataFiles.Count > 0 ? plan.SkippedDataIterations : 0,
            Pacing = Pacing.Paced,
            RoundInterval = TimeSpan.FromSeconds(plan.RoundInterval),
            LazySyncLatency = TimeSpan.FromSeconds(plan.LazySyncLatency),
            FullSyncLatency = TimeSpan.FromSeconds(plan.FullSyncLatency),
        };
    }

    /// <summary>
    /// The silo host's command line for a node silo of one experiment (without <c>--address</c>): it hosts node grains
    /// and stops once the experiment's coordinator silo has left the cluster (its run is over, or it failed).
    /// </summary>
    public static IReadOnlyList<string> NodeSiloArguments(AwsExperimentPlan plan, AwsExperiment experiment, AwsNodeSilo silo)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(silo);
        var name = silo.NodeCount == 1
            ? "node-" + silo.FirstNode.ToString(CultureInfo.InvariantCulture)
            : $"nodes-{silo.FirstNode.ToString(CultureInfo.InvariantCulture)}-{(silo.EndNode - 1).ToString(CultureInfo.InvariantCulture)}";
        var options = Silo(plan, experiment, SiloRole.Node, plan.NodesRegion, name);
        // The task named node-3 hosts node 3 (the seed's NODE_IDX): placement reads the range from the silo's metadata.
        options.NodeRange = (silo.FirstNode, silo.EndNode - 1);
        options.StopWhenCoordinatorLeaves = true;
        return SiloCommandLine.ToArguments(options);
    }

    private static SiloHostOptions Silo(AwsExperimentPlan plan, AwsExperiment experiment, SiloRole role, string region, string siloName) => new()
    {
        Role = role,
        Region = region,
        ClusterId = experiment.Name,
        SiloName = siloName,
        SiloPort = plan.SiloPort,
        GatewayPort = plan.GatewayPort,
        Membership = MembershipKind.DynamoDB,
        DynamoDBTable = experiment.MembershipTable,
        DynamoDBRegion = plan.EffectiveMembershipRegion,
        // Paced nodes wait on the coordinator while it runs a full sync: the emulated full-sync latency (dnn 10 s) plus an
        // ADCD-X search, which Orleans' 30 s default could cut off on a busy coordinator.
        ResponseTimeout = TimeSpan.FromMinutes(30),
        // CloudWatch Logs stores one JSON object per line, its fields searchable.
        LogFormat = LogFormat.Json,
    };

    /// <summary>The coordinator's environment for one experiment.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ForCoordinator(AwsExperimentPlan plan, AwsExperiment experiment,
        string region) => Build(plan, experiment, region, "coordinator", null);

    /// <summary>A node silo's environment for one experiment.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ForNodeSilo(AwsExperimentPlan plan, AwsExperiment experiment,
        AwsNodeSilo silo) => Build(plan, experiment, plan.NodesRegion, "node", silo);

    private static List<KeyValuePair<string, string>> Build(AwsExperimentPlan plan, AwsExperiment experiment, string region,
        string role, AwsNodeSilo? silo)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        var inv = CultureInfo.InvariantCulture;
        var env = new List<KeyValuePair<string, string>>
        {
            new(Role, role),
            new(NodeType, plan.NodeType),
        };
        env.Add(new(ErrorBound, AwsNaming.PythonFloat(experiment.ErrorBound)));
        env.Add(new(NodeCount, plan.NodeCount.ToString(inv)));
        if (silo is not null)
        {
            env.Add(new(NodeIndexStart, silo.FirstNode.ToString(inv)));
            env.Add(new(NodeIndexEnd, silo.EndNode.ToString(inv)));
        }
        env.Add(new(Region, region));
        env.Add(new(ClusterId, experiment.Name));
        env.Add(new(MembershipTable, experiment.MembershipTable));
        env.Add(new(MembershipRegion, plan.EffectiveMembershipRegion));
        env.Add(new(ResultsBucket, plan.ResultsBucket));
        env.Add(new(ResultsRegion, plan.EffectiveResultsRegion));
        env.Add(new(ResultsPrefix, experiment.ResultsPrefix));
        env.Add(new(SiloPort, plan.SiloPort.ToString(inv)));
        env.Add(new(GatewayPort, plan.GatewayPort.ToString(inv)));
        env.Add(new(LazySyncLatency, AwsNaming.PythonFloat(plan.LazySyncLatency)));
        env.Add(new(FullSyncLatency, AwsNaming.PythonFloat(plan.FullSyncLatency)));
        env.Add(new(AdvertisePublicIp, "true"));
        env.Add(new(MaxRunTime, SettingText.FormatDuration(TimeSpan.FromSeconds((long)plan.MaxRunTime.TotalSeconds))));
        env.Add(new(RunId, plan.RunId));
        env.AddRange(plan.ExtraEnvironment.OrderBy(p => p.Key, StringComparer.Ordinal));
        return env;
    }
}
