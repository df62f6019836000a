using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Experiments;
using AutoMon.Silos.Hosting;
using AutoMon.Protocol.Data;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// What a silo container is told. Everything the silo host needs is its command line (<see cref="CoordinatorArguments"/>,
/// <see cref="NodeSiloArguments"/>), written by the silo host's own <see cref="SiloCommandLine.ToArguments"/>: role,
/// region, ports, cluster id, DynamoDB membership, log format, maximum run time and, for the coordinator, the run it
/// drives once the node silos have joined and the S3 folder it uploads the results to. The image's entrypoint adds
/// <c>--address</c>, which only the running container knows. The environment carries only what the entrypoint reads
/// (<see cref="AdvertisePublicIp"/>, <see cref="AdvertisedAddress"/>) and the plan's extra variables. The seed's
/// counterparts were NODE_IDX, NODE_TYPE, ERROR_BOUND, HOST, S3_WRITE, LS_LATENCY, FS_LATENCY; with DynamoDB membership no
/// silo needs the coordinator's address.
/// </summary>
public static class SiloEnvironment
{
    /// <summary>The entrypoint's switch: <c>true</c> asks checkip for the public IP when no metadata service has it (Fargate).</summary>
    public const string AdvertisePublicIp = "AUTOMON_ADVERTISE_PUBLIC_IP";

    /// <summary>
    /// The silo host's <c>AdvertisedAddress</c> setting: the EC2 user data sets it to the instance's public IPv4, the
    /// entrypoint to what it found; silos in other regions reach this one there.
    /// </summary>
    public const string AdvertisedAddress = "AUTOMON_ADVERTISEDADDRESS";

    /// <summary>The prefix of the silo host's configuration variables: the launcher sets none but these two, extras may not.</summary>
    public const string ReservedPrefix = SiloCommandLine.EnvironmentPrefix;

    /// <summary>Where the coordinator silo writes the experiment's files before it uploads them.</summary>
    public const string CoordinatorOutputDirectory = "/tmp/automon-results";

    /// <summary>
    /// The silo host's command line for the coordinator of one experiment (without <c>--address</c>): the silo, then the
    /// experiment it runs once all node silos have joined, paced as the seed's AWS runs (a node takes a data point every
    /// round interval; the coordinator waits the sync latencies), uploading its files under
    /// <c>s3://bucket/&lt;results prefix&gt;coordinator/</c>, summary.json last (error.txt there if it fails).
    /// </summary>
    public static IReadOnlyList<string> CoordinatorArguments(AwsExperimentPlan plan, AwsExperiment experiment, string region) =>
        CoordinatorArguments(plan, experiment, region, standby: false);

    /// <summary>
    /// The standby coordinator's command line (<c>--coordinator-standby</c>): the coordinator's experiment with
    /// <c>--standby</c>, silo name <see cref="StandbySiloName"/>, and, should it take over, a wait for the node silos only.
    /// </summary>
    public static IReadOnlyList<string> StandbyCoordinatorArguments(AwsExperimentPlan plan, AwsExperiment experiment, string region) =>
        CoordinatorArguments(plan, experiment, region, standby: true);

    /// <summary>The standby coordinator silo's name (the active one is <c>coordinator</c>); a recorded fault names the silo it replaced.</summary>
    public const string StandbySiloName = "coordinator-standby";

    private static IReadOnlyList<string> CoordinatorArguments(AwsExperimentPlan plan, AwsExperiment experiment, string region, bool standby)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        var silo = Silo(plan, experiment, SiloRole.Coordinator, region, standby ? StandbySiloName : "coordinator");
        var bucket = $"s3://{plan.ResultsBucket}/";
        silo.Experiment = new ExperimentRequest
        {
            Run = RunOf(plan, experiment),
            ExperimentId = experiment.Name,
            OutputDirectory = CoordinatorOutputDirectory,
            // The coordinator silo itself and every node silo: the nodes' grains need their silos before the run starts. The
            // active also waits for its standby (counting it as a node silo would place nodes before theirs joined); a
            // standby taking over waits for the node silos only.
            WaitForSilos = 1 + plan.NodeSilos.Count + (plan.CoordinatorStandby && !standby ? 1 : 0),
            Standby = standby,
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
        return plan.Run with
        {
            Function = plan.Preset.Function,
            DataDirectory = null,
            Weights = null,
            ErrorBound = experiment.ErrorBound,
            Neighborhood = experiment.Neighborhood,
            // The run's: given, or with a data folder the preset's (ExperimentPreset.Apply); the coordinator's data folder is the
            // run's data files, downloaded.
            SkipIterations = plan.DataFiles.Count > 0 ? plan.Run.SkipIterations : 0,
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
        // Mutual TLS with the experiment's certificate, which the silo downloads before it starts (unless --no-tls).
        TlsCertificateS3Uri = plan.Tls ? $"s3://{plan.ResultsBucket}/{plan.TlsCertificatePrefix(experiment)}" : null,
        TlsCertificateS3Region = plan.Tls ? plan.EffectiveResultsRegion : null,
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
        // Whatever happens, the silo stops (and a task or instance stops costing) after this long.
        MaxRunTime = TimeSpan.FromSeconds((long)plan.MaxRunTime.TotalSeconds),
    };

    /// <summary>A silo container's environment: the entrypoint's switch and the plan's extra variables.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Environment(AwsExperimentPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [new(AdvertisePublicIp, "true"), .. plan.ExtraEnvironment.OrderBy(p => p.Key, StringComparer.Ordinal)];
    }
}
