using System.Globalization;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// The ECS side of a run, for node silos and the Fargate coordinator alike: the experiment's cluster in a region, one task
/// definition family per silo (carrying the silo's command line and environment, <see cref="SiloEnvironment"/>), and one
/// Fargate task per silo in the run's subnet and security group.
/// </summary>
internal sealed class AwsSiloTasks(AwsSession session, TextWriter log, TimeProvider time)
{
    public const string ContainerName = "automon-silo";
    public const string StartedBy = "automon-launcher";

    /// <summary>The experiment's node silos in the nodes region: cluster, task definitions, one task each.</summary>
    public async Task<(string ClusterArn, IReadOnlyList<string> TaskArns, IReadOnlyList<string> TaskDefinitionArns)> StartNodeSilosAsync(
        AwsExperimentPlan plan, AwsExperiment experiment, AwsSiloRoles roles, AwsNetwork network,
        IReadOnlyDictionary<string, string> tags, AwsProvisionOptions options, CancellationToken cancellationToken)
    {
        var ecs = session.Ecs(plan.NodesRegion);
        var clusterArn = await EnsureClusterAsync(ecs, experiment.NodesCluster, tags, cancellationToken).ConfigureAwait(false);
        var tasks = new List<string>();
        var definitions = new List<string>();
        foreach (var silo in plan.NodeSilos)
        {
            var family = AwsNaming.NodeFamily(experiment.NodesCluster, silo.FirstNode, silo.EndNode);
            var definition = await RegisterFamilyAsync(ecs, plan, roles, family, plan.NodeTaskSize,
                SiloEnvironment.Environment(plan), SiloEnvironment.NodeSiloArguments(plan, experiment, silo),
                experiment, "node", tags, cancellationToken).ConfigureAwait(false);
            definitions.Add(definition);
            tasks.Add(await RunSiloTaskAsync(ecs, experiment.NodesCluster, definition, network.SubnetId,
                network.SecurityGroupId, "node", tags, options, time, cancellationToken).ConfigureAwait(false));
        }
        log.WriteLine($"  nodes: {tasks.Count} Fargate task(s) in {experiment.NodesCluster}");
        return (clusterArn, tasks, definitions);
    }

    /// <summary>
    /// The experiment's coordinator silo as a Fargate task in its own cluster of the coordinator region; with
    /// <paramref name="standby"/>, its standby (<c>--coordinator-standby</c>) in the same cluster, a family of its own.
    /// </summary>
    public async Task<(string ClusterArn, string TaskArn, string TaskDefinitionArn)> StartCoordinatorAsync(
        AwsExperimentPlan plan, AwsExperiment experiment, AwsSiloRoles roles, AwsNetwork network,
        IReadOnlyDictionary<string, string> tags, AwsProvisionOptions options, CancellationToken cancellationToken, bool standby = false)
    {
        var ecs = session.Ecs(plan.CoordinatorRegion);
        var clusterArn = await EnsureClusterAsync(ecs, experiment.CoordinatorCluster, tags, cancellationToken)
            .ConfigureAwait(false);
        var family = standby
            ? AwsNaming.StandbyCoordinatorFamily(experiment.CoordinatorCluster)
            : AwsNaming.CoordinatorFamily(experiment.CoordinatorCluster);
        var arguments = standby
            ? SiloEnvironment.StandbyCoordinatorArguments(plan, experiment, plan.CoordinatorRegion)
            : SiloEnvironment.CoordinatorArguments(plan, experiment, plan.CoordinatorRegion);
        var definition = await RegisterFamilyAsync(ecs, plan, roles, family, plan.CoordinatorTaskSize,
            SiloEnvironment.Environment(plan), arguments, experiment, "coordinator", tags, cancellationToken).ConfigureAwait(false);
        var task = await RunSiloTaskAsync(ecs, experiment.CoordinatorCluster, definition, network.SubnetId,
            network.SecurityGroupId, "coordinator", tags, options, time, cancellationToken).ConfigureAwait(false);
        log.WriteLine($"  {(standby ? "standby coordinator" : "coordinator")}: Fargate task {task} in {experiment.CoordinatorCluster}");
        return (clusterArn, task, definition);
    }

    /// <summary>What runs in the experiment's cluster of that region ("has 3 task(s) in ECS cluster ..."); null: nothing.</summary>
    public async Task<string?> DescribeRunningAsync(AwsExperiment experiment, string cluster, string region,
        CancellationToken cancellationToken)
    {
        var ecs = session.Ecs(region);
        var described = await ecs.DescribeClustersAsync([cluster], includeTags: true, cancellationToken).ConfigureAwait(false);
        if (described.FirstOrDefault(c => c.Status == "ACTIVE") is not { } active)
        {
            return null;
        }
        var tasks = await ecs.ListTasksAsync(active.ClusterArn, "RUNNING", cancellationToken).ConfigureAwait(false);
        if (tasks.Count == 0)
        {
            return null;
        }
        var owner = active.Tags?.FirstOrDefault(t => t.Key == AwsNaming.RunTag)?.Value ?? "unknown";
        return $"{experiment.Name} has {tasks.Count} task(s) in ECS cluster {cluster} ({region}, run {owner})";
    }

    internal static List<EcsTag> EcsTags(IReadOnlyDictionary<string, string> tags, string? role = null)
    {
        var list = tags.Select(t => new EcsTag(t.Key, t.Value)).ToList();
        if (role is not null)
        {
            list.Add(new EcsTag(AwsNaming.RoleTag, role));
        }
        return list;
    }

    /// <summary>CreateCluster returns the existing cluster when the name is taken; tag it for this run either way.</summary>
    private static async Task<string> EnsureClusterAsync(EcsClient ecs, string name, IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken)
    {
        var cluster = await ecs.CreateClusterAsync(name, EcsTags(tags), cancellationToken).ConfigureAwait(false);
        await ecs.TagResourceAsync(cluster.ClusterArn, EcsTags(tags), cancellationToken).ConfigureAwait(false);
        return cluster.ClusterArn;
    }

    /// <summary>As the seed: old revisions of the family are deregistered, then the new one is registered.</summary>
    private async Task<string> RegisterFamilyAsync(EcsClient ecs, AwsExperimentPlan plan, AwsSiloRoles roles, string family,
        AwsTaskSize size, IReadOnlyList<KeyValuePair<string, string>> environment, IReadOnlyList<string> command,
        AwsExperiment experiment, string role, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        foreach (var old in await ecs.ListTaskDefinitionsAsync(family, "ACTIVE", cancellationToken).ConfigureAwait(false))
        {
            if (FamilyOf(old) == family)
            {
                await ecs.DeregisterTaskDefinitionAsync(old, cancellationToken).ConfigureAwait(false);
                log.WriteLine($"  deregistered old task definition {old}");
            }
        }
        var container = new EcsContainerDefinition(
            ContainerName,
            roles.Image,
            Essential: true,
            Cpu: size.Cpu,
            Memory: size.MemoryMiB,
            PortMappings:
            [
                new EcsPortMapping(plan.SiloPort, plan.SiloPort),
                new EcsPortMapping(plan.GatewayPort, plan.GatewayPort),
            ],
            Environment: environment.Select(p => new EcsKeyValuePair(p.Key, p.Value)).ToList(),
            Command: command,
            LogConfiguration: new EcsLogConfiguration("awslogs", new Dictionary<string, string>
            {
                ["awslogs-group"] = experiment.LogGroup,
                ["awslogs-region"] = plan.EffectiveLogsRegion,
                ["awslogs-stream-prefix"] = family,
            }),
            StopTimeout: 30);
        var request = new EcsRegisterTaskDefinitionRequest(
            family,
            roles.TaskRoleArn,
            roles.ExecutionRoleArn,
            "awsvpc",
            ["FARGATE"],
            size.Cpu.ToString(CultureInfo.InvariantCulture),
            size.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            [container],
            new EcsRuntimePlatform("X86_64", "LINUX"),
            EcsTags(tags, role));
        var definition = await ecs.RegisterTaskDefinitionAsync(request, cancellationToken).ConfigureAwait(false);
        return definition.TaskDefinitionArn;
    }

    /// <summary>
    /// Starts one silo task. Fargate answers a launch it cannot place right now with a failure rather than an error
    /// ("Capacity is unavailable at this time", RESOURCE:*), which passes: those are retried after a pause.
    /// </summary>
    internal static async Task<string> RunSiloTaskAsync(EcsClient ecs, string cluster, string taskDefinition,
        string subnetId, string securityGroupId, string role, IReadOnlyDictionary<string, string> tags,
        AwsProvisionOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = new EcsRunTaskRequest(
                cluster,
                taskDefinition,
                Count: 1,
                LaunchType: "FARGATE",
                new EcsNetworkConfiguration(new EcsAwsVpcConfiguration([subnetId], [securityGroupId], "ENABLED")),
                StartedBy,
                EcsTags(tags, role),
                // One token per logical call: a retried RunTask (after a 5xx) does not start a second task.
                ClientToken: Guid.NewGuid().ToString("N"));
            var result = await ecs.RunTaskAsync(request, cancellationToken).ConfigureAwait(false);
            if (result.Tasks.Count > 0)
            {
                return result.Tasks[0].TaskArn;
            }
            var failure = result.Failures.FirstOrDefault();
            var reason = failure?.Reason ?? "no reason given";
            var transient = reason.Contains("Capacity is unavailable", StringComparison.OrdinalIgnoreCase) ||
                            reason.StartsWith("RESOURCE:", StringComparison.Ordinal);
            if (!transient || attempt >= options.RunTaskAttempts)
            {
                throw new AwsServiceException("ecs", "RunTask", ecs.Region, null, "RunTaskFailure",
                    $"no task started for {taskDefinition} in cluster {cluster} after {attempt} attempt(s): {reason}" +
                    (failure?.Detail is { } detail ? $" ({detail})" : string.Empty));
            }
            await Task.Delay(options.RunTaskRetryDelay * attempt, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The family of a task definition ARN (<c>.../task-definition/node-1_x_us-east-2:3</c> → <c>node-1_x_us-east-2</c>).</summary>
    internal static string FamilyOf(string taskDefinitionArn)
    {
        var name = taskDefinitionArn[(taskDefinitionArn.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon >= 0 ? name[..colon] : name;
    }
}
