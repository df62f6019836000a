using System.Globalization;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// The environment a silo container reads to know what to be: the contract between the launcher (which sets it in task
/// definitions and the EC2 user data) and the silo host in src/Silos (which reads it). The seed's counterparts are
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

    /// <summary>Orleans cluster id = membership DeploymentId: the experiment name (e.g. <c>inner-product_0-02</c>).</summary>
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
