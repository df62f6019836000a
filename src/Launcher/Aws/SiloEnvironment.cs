using System.Globalization;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// What a silo container is told, in two parts. The silo host (src/Silos, <c>AutoMon.Silos</c>) takes its command line:
/// role, region, Orleans cluster id, ports, DynamoDB membership table and region (<see cref="CoordinatorArguments"/>,
/// <see cref="NodeSiloArguments"/>; the image's entrypoint adds <c>--address</c>, which only the running container
/// knows). The experiment running in it reads these AUTOMON_* environment variables. The seed's counterparts were
/// NODE_IDX, NODE_TYPE, ERROR_BOUND, HOST, S3_WRITE, LS_LATENCY, FS_LATENCY; with DynamoDB membership no silo needs the
/// coordinator's address.
/// </summary>
public static class SiloEnvironment
{
    /// <summary><c>coordinator</c> or <c>node</c>.</summary>
    public const string Role = "AUTOMON_ROLE";
    public const string NodeType = "AUTOMON_NODE_TYPE";

    /// <summary>Error bound as Python prints it; absent for the centralisation baseline.</summary>
    public const string ErrorBound = "AUTOMON_ERROR_BOUND";

    /// <summary><c>true</c> for the centralisation baseline.</summary>
    public const string Centralized = "AUTOMON_CENTRALIZED";

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

    /// <summary>The silo stops after this many seconds whatever happens.</summary>
    public const string MaxRunSeconds = "AUTOMON_MAX_RUN_SECONDS";

    public const string RunId = "AUTOMON_RUN_ID";

    public static IReadOnlySet<string> ReservedNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Role, NodeType, ErrorBound, Centralized, NodeCount, NodeIndexStart, NodeIndexEnd, Region, ClusterId,
        MembershipTable, MembershipRegion, ResultsBucket, ResultsRegion, ResultsPrefix, SiloPort, GatewayPort,
        LazySyncLatency, FullSyncLatency, AdvertisePublicIp, AdvertisedIp, MaxRunSeconds, RunId,
    };

    /// <summary>The silo host's command line for the coordinator of one experiment (without <c>--address</c>).</summary>
    public static IReadOnlyList<string> CoordinatorArguments(AwsExperimentPlan plan, AwsExperiment experiment, string region)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        return Arguments(plan, experiment, "coordinator", region, "coordinator");
    }

    /// <summary>The silo host's command line for a node silo of one experiment (without <c>--address</c>).</summary>
    public static IReadOnlyList<string> NodeSiloArguments(AwsExperimentPlan plan, AwsExperiment experiment, AwsNodeSilo silo)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(silo);
        var name = silo.NodeCount == 1
            ? "node-" + silo.FirstNode.ToString(CultureInfo.InvariantCulture)
            : $"nodes-{silo.FirstNode.ToString(CultureInfo.InvariantCulture)}-{(silo.EndNode - 1).ToString(CultureInfo.InvariantCulture)}";
        return Arguments(plan, experiment, "node", plan.NodesRegion, name);
    }

    private static List<string> Arguments(AwsExperimentPlan plan, AwsExperiment experiment, string role, string region,
        string siloName) =>
    [
        "--role", role,
        "--region", region,
        "--cluster-id", experiment.Name,
        "--silo-name", siloName,
        "--silo-port", plan.SiloPort.ToString(CultureInfo.InvariantCulture),
        "--gateway-port", plan.GatewayPort.ToString(CultureInfo.InvariantCulture),
        "--membership", "dynamodb",
        "--dynamodb-table", experiment.MembershipTable,
        "--dynamodb-region", plan.EffectiveMembershipRegion,
    ];

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
        if (experiment.ErrorBound is { } e)
        {
            env.Add(new(ErrorBound, AwsNaming.PythonFloat(e)));
        }
        env.Add(new(Centralized, plan.Centralized ? "true" : "false"));
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
        env.Add(new(MaxRunSeconds, ((long)plan.MaxRunTime.TotalSeconds).ToString(inv)));
        env.Add(new(RunId, plan.RunId));
        env.AddRange(plan.ExtraEnvironment.OrderBy(p => p.Key, StringComparer.Ordinal));
        return env;
    }
}
