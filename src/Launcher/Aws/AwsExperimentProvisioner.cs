using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Ec2Filter = Amazon.EC2.Model.Filter;
using Ec2Tag = Amazon.EC2.Model.Tag;
using DynamoTag = Amazon.DynamoDBv2.Model.Tag;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Provisions and cleans up the cloud side of a launcher run (<c>--target aws</c>), the paper's WAN setup (Sec. 4; the
/// seed's aws_experiments/deploy_aws_experiment.py): per experiment (workload × error bound) a CloudWatch log group, a
/// DynamoDB membership table, the coordinator silo (EC2 instance or Fargate task) in the coordinator region and one Fargate
/// task per node silo in the nodes region, each in its own ECS cluster and with task definitions carrying the silo's
/// environment. Every resource is tagged with the run id, so <see cref="CleanupAsync"/> removes exactly what a run made.
/// </summary>
public sealed partial class AwsExperimentProvisioner
{
    public const string ContainerName = "automon-silo";
    public const string StartedBy = "automon-launcher";
    // The membership table's keys: owned by the silos' provider (src/Silos/Membership/MembershipSchema.cs); the silos
    // accept a table the launcher made only with exactly these (a test checks it with the provider itself).
    private const string MembershipPartitionKey = "ClusterId";
    private const string MembershipSortKey = "SiloIdentity";

    private readonly AwsSession _session;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;

    public AwsExperimentProvisioner(AwsSession session, TextWriter? log = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _log = log ?? TextWriter.Null;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Creates the results bucket if missing, then starts every experiment of the plan (or, with
    /// <see cref="AwsProvisionOptions.SkipExperimentsWithResults"/>, those whose results are not yet in S3). If a step fails,
    /// what this run created is removed again (unless <see cref="AwsProvisionOptions.CleanupOnFailure"/> is off) and an
    /// <see cref="AwsProvisioningException"/> carries the cause and the clean-up report.
    /// </summary>
    public async Task<AwsProvisioningResult> ProvisionAsync(AwsExperimentPlan plan, AwsProvisionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= new AwsProvisionOptions();
        plan.Validate();

        // First call: checks the endpoint and the credentials before anything is created.
        var account = await _session.Sts(plan.NodesRegion).GetAccountIdAsync(cancellationToken).ConfigureAwait(false);
        var roles = ResolveRoles(plan, account);
        await EnsureResultsBucketAsync(plan, cancellationToken).ConfigureAwait(false);

        var experiments = plan.Experiments;
        IReadOnlyList<AwsExperiment> skipped = [];
        if (options.SkipExperimentsWithResults)
        {
            skipped = await FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false);
            var done = skipped.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var e in skipped)
            {
                _log.WriteLine($"Results of {e.Name} are already in s3://{plan.ResultsBucket}/{e.ResultsPrefix}: skipping it.");
            }
            experiments = experiments.Where(e => !done.Contains(e.Name)).ToList();
        }

        var started = new List<AwsProvisionedExperiment>();
        var securityGroups = new Dictionary<string, string>(StringComparer.Ordinal);
        if (experiments.Count == 0)
        {
            return new AwsProvisioningResult(plan.RunId, started, skipped, securityGroups);
        }

        var running = await FindRunningAsync(plan, experiments, cancellationToken).ConfigureAwait(false);
        if (running.Count > 0 && !options.LeaveRunningExperiments)
        {
            throw new InvalidOperationException(
                "Experiments of this workload are still running: " + string.Join("; ", running.Values) +
                ". Wait for them to finish (--block waits for them), or remove them with `cleanup` (optionally `--run <id>`).");
        }

        foreach (var (name, what) in running)
        {
            _log.WriteLine($"{name} is still running ({what}): waiting for it, not starting it again.");
        }

        experiments = experiments.Where(e => !running.ContainsKey(e.Name)).ToList();
        if (experiments.Count == 0)
        {
            return new AwsProvisioningResult(plan.RunId, started, skipped, securityGroups) { StillRunning = running };
        }

        await UploadDataFilesAsync(plan, cancellationToken).ConfigureAwait(false);
        _log.WriteLine($"Provisioning run {plan.RunId}: {experiments.Count} experiment(s) of {plan.NodeType}, " +
                       $"{plan.NodeCount} nodes in {plan.NodeSilos.Count} silo task(s) each in {plan.NodesRegion}, " +
                       $"coordinator on {plan.CoordinatorHost} in {plan.CoordinatorRegion}.");
        try
        {
            var nodesNetwork = await PrepareNetworkAsync(plan, plan.NodesRegion, cancellationToken).ConfigureAwait(false);
            securityGroups[plan.NodesRegion] = nodesNetwork.SecurityGroupId;
            var coordinatorNetwork = plan.CoordinatorRegion == plan.NodesRegion
                ? nodesNetwork
                : await PrepareNetworkAsync(plan, plan.CoordinatorRegion, cancellationToken).ConfigureAwait(false);
            securityGroups[plan.CoordinatorRegion] = coordinatorNetwork.SecurityGroupId;
            var imageId = plan.CoordinatorHost == AwsCoordinatorHost.Ec2
                ? await ResolveCoordinatorImageAsync(plan, cancellationToken).ConfigureAwait(false)
                : null;

            foreach (var experiment in experiments)
            {
                started.Add(await ProvisionExperimentAsync(plan, experiment, roles, nodesNetwork, coordinatorNetwork, imageId,
                    options, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (options.CleanupOnFailure)
        {
            _log.WriteLine($"Provisioning run {plan.RunId} failed: {e.Message}");
            _log.WriteLine("Removing what it created...");
            AwsCleanupReport? report;
            try
            {
                // Not the caller's token: after a cancellation the half-made run must still go away.
                report = await CleanupAsync(AwsCleanupRequest.ForPlan(plan), CancellationToken.None).ConfigureAwait(false);
                _log.Write(report.Describe());
            }
            catch (Exception cleanupError) when (cleanupError is AwsServiceException or AwsEndpointUnreachableException)
            {
                _log.WriteLine($"Clean-up failed too: {cleanupError.Message}. Run `cleanup --run {plan.RunId}` later.");
                report = new AwsCleanupReport([], [cleanupError.Message]);
            }
            if (e is OperationCanceledException)
            {
                throw new OperationCanceledException(
                    $"Provisioning run {plan.RunId} was cancelled; what it had created was removed " +
                    $"({report.Removed.Count} removed, {report.Failures.Count} failure(s)).", e, cancellationToken);
            }
            throw new AwsProvisioningException(
                $"Provisioning run {plan.RunId} failed: {e.Message} (its resources were cleaned up: " +
                $"{report.Removed.Count} removed, {report.Failures.Count} failure(s)).", e, report);
        }
        return new AwsProvisioningResult(plan.RunId, started, skipped, securityGroups) { StillRunning = running };
    }

    /// <summary>The run's <c>--data-dir</c> files, once for all its experiments, where their coordinators download them.</summary>
    private async Task UploadDataFilesAsync(AwsExperimentPlan plan, CancellationToken cancellationToken)
    {
        var uploads = plan.WeightsFile is { } weights ? [.. plan.DataFiles, weights] : plan.DataFiles;
        if (uploads.Count == 0)
        {
            return;
        }

        var region = plan.EffectiveResultsRegion;
        var s3 = _session.S3(region);
        foreach (var file in uploads)
        {
            var key = plan.DataPrefix + file.RelativeKey;
            await AwsSdkCall.RunAsync(_session, "s3", "PutObject", region, () => s3.PutObjectAsync(
                new PutObjectRequest { BucketName = plan.ResultsBucket, Key = key, FilePath = file.LocalPath }, cancellationToken)).ConfigureAwait(false);
        }
        _log.WriteLine($"Uploaded {uploads.Count} data file(s) to s3://{plan.ResultsBucket}/{plan.DataPrefix}");
    }

    private sealed record Roles(string Image, string ExecutionRoleArn, string TaskRoleArn);

    private sealed record Network(string Region, string VpcId, string SubnetId, string SecurityGroupId);

    private static Roles ResolveRoles(AwsExperimentPlan plan, string account) => new(
        plan.ContainerImage ?? $"{account}.dkr.ecr.{plan.NodesRegion}.amazonaws.com/automon:latest",
        plan.TaskExecutionRoleArn ?? $"arn:aws:iam::{account}:role/ecsTaskExecutionRole",
        plan.TaskRoleArn ?? $"arn:aws:iam::{account}:role/AutoMonSiloTaskRole");

    private async Task<AwsProvisionedExperiment> ProvisionExperimentAsync(AwsExperimentPlan plan, AwsExperiment experiment,
        Roles roles, Network nodesNetwork, Network coordinatorNetwork, string? imageId, AwsProvisionOptions options,
        CancellationToken cancellationToken)
    {
        _log.WriteLine($"Experiment {experiment.Name}:");
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AwsNaming.RunTag] = plan.RunId,
            [AwsNaming.ExperimentTag] = experiment.Name,
        };
        await EnsureLogGroupAsync(plan.EffectiveLogsRegion, experiment.LogGroup, tags, cancellationToken).ConfigureAwait(false);
        await EnsureMembershipTableAsync(plan.EffectiveMembershipRegion, experiment.MembershipTable, tags, options,
            cancellationToken).ConfigureAwait(false);
        // An earlier attempt's failure report would end this attempt's --block wait at once.
        var resultsRegion = plan.EffectiveResultsRegion;
        await AwsSdkCall.RunAsync(_session, "s3", "DeleteObject", resultsRegion,
            () => _session.S3(resultsRegion).DeleteObjectAsync(plan.ResultsBucket, experiment.ErrorMarkerKey, cancellationToken))
            .ConfigureAwait(false);

        var taskDefinitions = new List<string>();
        string? coordinatorClusterArn = null, coordinatorTaskArn = null, coordinatorInstanceId = null;

        if (plan.CoordinatorHost == AwsCoordinatorHost.Fargate)
        {
            var ecs = _session.Ecs(plan.CoordinatorRegion);
            coordinatorClusterArn = await EnsureClusterAsync(ecs, experiment.CoordinatorCluster, tags, cancellationToken)
                .ConfigureAwait(false);
            var family = AwsNaming.CoordinatorFamily(experiment.CoordinatorCluster);
            var definition = await RegisterFamilyAsync(ecs, plan, roles, family, plan.CoordinatorTaskSize,
                SiloEnvironment.ForCoordinator(plan, experiment, plan.CoordinatorRegion),
                SiloEnvironment.CoordinatorArguments(plan, experiment, plan.CoordinatorRegion), experiment, "coordinator", tags,
                cancellationToken).ConfigureAwait(false);
            taskDefinitions.Add(definition);
            coordinatorTaskArn = await RunSiloTaskAsync(ecs, experiment.CoordinatorCluster, definition,
                coordinatorNetwork.SubnetId, coordinatorNetwork.SecurityGroupId, "coordinator", tags, options, _time,
                cancellationToken).ConfigureAwait(false);
            _log.WriteLine($"  coordinator: Fargate task {coordinatorTaskArn} in {experiment.CoordinatorCluster}");
        }
        else
        {
            coordinatorInstanceId = await RunCoordinatorInstanceAsync(plan, experiment, roles, coordinatorNetwork,
                imageId!, tags, cancellationToken).ConfigureAwait(false);
            _log.WriteLine($"  coordinator: EC2 {plan.CoordinatorInstanceType} {coordinatorInstanceId} in {plan.CoordinatorRegion}");
        }

        var nodesEcs = _session.Ecs(plan.NodesRegion);
        var nodesClusterArn = await EnsureClusterAsync(nodesEcs, experiment.NodesCluster, tags, cancellationToken)
            .ConfigureAwait(false);
        var nodeTasks = new List<string>();
        foreach (var silo in plan.NodeSilos)
        {
            var family = AwsNaming.NodeFamily(experiment.NodesCluster, silo.FirstNode, silo.EndNode);
            var definition = await RegisterFamilyAsync(nodesEcs, plan, roles, family, plan.NodeTaskSize,
                SiloEnvironment.ForNodeSilo(plan, experiment, silo), SiloEnvironment.NodeSiloArguments(plan, experiment, silo),
                experiment, "node", tags, cancellationToken).ConfigureAwait(false);
            taskDefinitions.Add(definition);
            nodeTasks.Add(await RunSiloTaskAsync(nodesEcs, experiment.NodesCluster, definition, nodesNetwork.SubnetId,
                nodesNetwork.SecurityGroupId, "node", tags, options, _time, cancellationToken).ConfigureAwait(false));
        }
        _log.WriteLine($"  nodes: {nodeTasks.Count} Fargate task(s) in {experiment.NodesCluster}");
        return new AwsProvisionedExperiment(experiment, nodesClusterArn, coordinatorClusterArn, coordinatorInstanceId,
            coordinatorTaskArn, nodeTasks, taskDefinitions);
    }

    /// <summary>
    /// Names are per experiment, as in the seed, so an experiment still running (from an earlier launch) would get a second
    /// set of silos in its clusters and membership table: the experiments with tasks or a coordinator instance running,
    /// each with what runs, found before anything is created.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> FindRunningAsync(AwsExperimentPlan plan, IReadOnlyList<AwsExperiment> experiments,
        CancellationToken cancellationToken)
    {
        var running = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var experiment in experiments)
        {
            var busy = new List<string>();
            var clusters = new List<(EcsClient Ecs, string Cluster)> { (_session.Ecs(plan.NodesRegion), experiment.NodesCluster) };
            if (plan.CoordinatorRegion != plan.NodesRegion)
            {
                clusters.Add((_session.Ecs(plan.CoordinatorRegion), experiment.CoordinatorCluster));
            }
            foreach (var (ecs, cluster) in clusters)
            {
                var described = await ecs.DescribeClustersAsync([cluster], includeTags: true, cancellationToken)
                    .ConfigureAwait(false);
                if (described.FirstOrDefault(c => c.Status == "ACTIVE") is not { } active)
                {
                    continue;
                }
                var tasks = await ecs.ListTasksAsync(active.ClusterArn, "RUNNING", cancellationToken).ConfigureAwait(false);
                if (tasks.Count > 0)
                {
                    var owner = active.Tags?.FirstOrDefault(t => t.Key == AwsNaming.RunTag)?.Value ?? "unknown";
                    busy.Add($"{experiment.Name} has {tasks.Count} task(s) in ECS cluster {cluster} ({ecs.Region}, run {owner})");
                }
            }
            var ec2 = _session.Ec2(plan.CoordinatorRegion);
            var instances = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeInstances", plan.CoordinatorRegion, () =>
                ec2.DescribeInstancesAsync(new DescribeInstancesRequest
                {
                    Filters =
                    [
                        new Ec2Filter("tag:" + AwsNaming.ExperimentTag, [experiment.Name]),
                        new Ec2Filter("instance-state-name", ["pending", "running"]),
                    ],
                }, cancellationToken)).ConfigureAwait(false);
            foreach (var instance in (instances.Reservations ?? []).SelectMany(r => r.Instances ?? []))
            {
                busy.Add($"{experiment.Name} has coordinator instance {instance.InstanceId} running in {plan.CoordinatorRegion}");
            }
            if (busy.Count > 0)
            {
                running[experiment.Name] = string.Join("; ", busy);
            }
        }
        return running;
    }

    private static List<EcsTag> EcsTags(IReadOnlyDictionary<string, string> tags, string? role = null)
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
    private async Task<string> RegisterFamilyAsync(EcsClient ecs, AwsExperimentPlan plan, Roles roles, string family,
        AwsTaskSize size, IReadOnlyList<KeyValuePair<string, string>> environment, IReadOnlyList<string> command,
        AwsExperiment experiment, string role, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        foreach (var old in await ecs.ListTaskDefinitionsAsync(family, "ACTIVE", cancellationToken).ConfigureAwait(false))
        {
            if (FamilyOf(old) == family)
            {
                await ecs.DeregisterTaskDefinitionAsync(old, cancellationToken).ConfigureAwait(false);
                _log.WriteLine($"  deregistered old task definition {old}");
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

    private async Task<string> RunCoordinatorInstanceAsync(AwsExperimentPlan plan, AwsExperiment experiment, Roles roles,
        Network network, string imageId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var region = plan.CoordinatorRegion;
        var ec2 = _session.Ec2(region);
        var streamName = AwsNaming.CoordinatorFamily(experiment.CoordinatorCluster);
        var userData = CoordinatorUserData.Build(plan, experiment, roles.Image, streamName);
        var ec2Tags = tags.Select(t => new Ec2Tag(t.Key, t.Value))
            .Append(new Ec2Tag(AwsNaming.RoleTag, "coordinator"))
            .Append(new Ec2Tag("Name", streamName))
            .ToList();
        var request = new RunInstancesRequest
        {
            ImageId = imageId,
            InstanceType = InstanceType.FindValue(plan.CoordinatorInstanceType),
            MinCount = 1,
            MaxCount = 1,
            // The SDK retries with the same request: the token keeps a retry from starting a second instance.
            ClientToken = Guid.NewGuid().ToString("N"),
            UserData = Convert.ToBase64String(Encoding.UTF8.GetBytes(userData)),
            InstanceInitiatedShutdownBehavior = ShutdownBehavior.Terminate,
            NetworkInterfaces =
            [
                new InstanceNetworkInterfaceSpecification
                {
                    DeviceIndex = 0,
                    SubnetId = network.SubnetId,
                    Groups = [network.SecurityGroupId],
                    AssociatePublicIpAddress = true,
                    DeleteOnTermination = true,
                },
            ],
            MetadataOptions = new InstanceMetadataOptionsRequest { HttpTokens = HttpTokensState.Required },
            TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.Instance, Tags = ec2Tags },
                new TagSpecification { ResourceType = ResourceType.Volume, Tags = ec2Tags },
            ],
        };
        if (plan.CoordinatorInstanceProfile is { } profile)
        {
            request.IamInstanceProfile = new IamInstanceProfileSpecification { Name = profile };
        }
        var response = await AwsSdkCall.RunAsync(_session, "ec2", "RunInstances", region,
            () => ec2.RunInstancesAsync(request, cancellationToken)).ConfigureAwait(false);
        return response.Reservation?.Instances?.FirstOrDefault()?.InstanceId ??
               throw new AwsServiceException("ec2", "RunInstances", region, null, "NoInstance", "no instance in the answer");
    }

    /// <summary>The default VPC's first default subnet (by availability zone) and this run's security group in a region.</summary>
    private async Task<Network> PrepareNetworkAsync(AwsExperimentPlan plan, string region, CancellationToken cancellationToken)
    {
        var ec2 = _session.Ec2(region);
        var vpcs = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeVpcs", region, () => ec2.DescribeVpcsAsync(
            new DescribeVpcsRequest { Filters = [new Ec2Filter("isDefault", ["true"])] }, cancellationToken))
            .ConfigureAwait(false);
        var vpcId = vpcs.Vpcs?.FirstOrDefault()?.VpcId ?? throw new InvalidOperationException(
            $"There is no default VPC in {region}; create one with `aws ec2 create-default-vpc --region {region}`.");

        var subnets = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeSubnets", region, () => ec2.DescribeSubnetsAsync(
            new DescribeSubnetsRequest { Filters = [new Ec2Filter("vpc-id", [vpcId])] }, cancellationToken))
            .ConfigureAwait(false);
        var subnet = (subnets.Subnets ?? [])
            .OrderByDescending(s => s.DefaultForAz == true)
            .ThenBy(s => s.AvailabilityZone, StringComparer.Ordinal)
            .FirstOrDefault() ?? throw new InvalidOperationException($"The default VPC {vpcId} in {region} has no subnet.");

        var groupName = AwsNaming.SecurityGroupName(plan.RunId);
        var existing = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeSecurityGroups", region,
            () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                Filters = [new Ec2Filter("group-name", [groupName]), new Ec2Filter("vpc-id", [vpcId])],
            }, cancellationToken)).ConfigureAwait(false);
        var groupId = existing.SecurityGroups?.FirstOrDefault()?.GroupId;
        if (groupId is null)
        {
            var created = await AwsSdkCall.RunAsync(_session, "ec2", "CreateSecurityGroup", region,
                () => ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
                {
                    GroupName = groupName,
                    Description = $"AutoMon silos of run {plan.RunId}: Orleans silo and gateway ports",
                    VpcId = vpcId,
                    TagSpecifications =
                    [
                        new TagSpecification
                        {
                            ResourceType = ResourceType.SecurityGroup,
                            Tags = [new Ec2Tag(AwsNaming.RunTag, plan.RunId), new Ec2Tag("Name", groupName)],
                        },
                    ],
                }, cancellationToken)).ConfigureAwait(false);
            groupId = created.GroupId;
            _log.WriteLine($"Security group {groupName} ({groupId}) in {region}");
        }

        // Silos in the two regions reach each other over their public addresses, which are not known in advance.
        var permissions = new[] { plan.SiloPort, plan.GatewayPort }.Select(port => new IpPermission
        {
            IpProtocol = "tcp",
            FromPort = port,
            ToPort = port,
            Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0", Description = "AutoMon Orleans" }],
        }).ToList();
        try
        {
            await AwsSdkCall.RunAsync(_session, "ec2", "AuthorizeSecurityGroupIngress", region,
                () => ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
                {
                    GroupId = groupId,
                    IpPermissions = permissions,
                }, cancellationToken)).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "InvalidPermission.Duplicate")
        {
            // The group was made by an earlier attempt of this run and already has its rules.
        }
        return new Network(region, vpcId, subnet.SubnetId, groupId);
    }

    private async Task<string> ResolveCoordinatorImageAsync(AwsExperimentPlan plan, CancellationToken cancellationToken)
    {
        if (plan.CoordinatorImageId is { } id)
        {
            return id;
        }
        var region = plan.CoordinatorRegion;
        var ec2 = _session.Ec2(region);
        var images = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeImages", region, () => ec2.DescribeImagesAsync(
            new DescribeImagesRequest
            {
                Owners = [plan.CoordinatorImageOwner],
                Filters =
                [
                    new Ec2Filter("name", [plan.CoordinatorImageNamePattern]),
                    new Ec2Filter("state", ["available"]),
                ],
            }, cancellationToken)).ConfigureAwait(false);
        var newest = (images.Images ?? [])
            .OrderByDescending(i => i.CreationDate, StringComparer.Ordinal)
            .ThenByDescending(i => i.Name, StringComparer.Ordinal) // Amazon Linux names carry their release date
            .FirstOrDefault() ?? throw new InvalidOperationException(
                $"No machine image named '{plan.CoordinatorImageNamePattern}' owned by '{plan.CoordinatorImageOwner}' " +
                $"in {region}; pass an AMI id for the coordinator (--coordinator-image).");
        _log.WriteLine($"Coordinator image {newest.ImageId} ({newest.Name})");
        return newest.ImageId;
    }

    private async Task EnsureLogGroupAsync(string region, string name, IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken)
    {
        var logs = _session.Logs(region);
        try
        {
            await logs.CreateLogGroupAsync(name, tags, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
        {
            // Left by an earlier run of the same experiment (the seed reuses it too): claim it for this run.
            var group = (await logs.DescribeLogGroupsAsync(name, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(g => g.LogGroupName == name);
            if (group?.TaggingArn is { } arn)
            {
                await logs.TagResourceAsync(arn, tags, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The membership schema (owned by the silos' membership provider): ClusterId (S) hash, SiloIdentity (S) range.</summary>
    private async Task EnsureMembershipTableAsync(string region, string name, IReadOnlyDictionary<string, string> tags,
        AwsProvisionOptions options, CancellationToken cancellationToken)
    {
        var dynamo = _session.DynamoDb(region);
        try
        {
            await AwsSdkCall.RunAsync(_session, "dynamodb", "CreateTable", region, () => dynamo.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = name,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions =
                    [
                        new AttributeDefinition(MembershipPartitionKey, ScalarAttributeType.S),
                        new AttributeDefinition(MembershipSortKey, ScalarAttributeType.S),
                    ],
                    KeySchema =
                    [
                        new KeySchemaElement(MembershipPartitionKey, Amazon.DynamoDBv2.KeyType.HASH),
                        new KeySchemaElement(MembershipSortKey, Amazon.DynamoDBv2.KeyType.RANGE),
                    ],
                    Tags = tags.Select(t => new DynamoTag { Key = t.Key, Value = t.Value }).ToList(),
                }, cancellationToken)).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceInUseException")
        {
            // Left by an earlier run of this experiment that was not cleaned up (nothing of it is running: checked before).
            // Its rows name silos that are gone, so the new cluster starts from a fresh table. A table we did not make is
            // never deleted.
            var existing = await DescribeTableAsync(dynamo, region, name, cancellationToken).ConfigureAwait(false);
            var keys = (existing.KeySchema ?? []).Select(k => $"{k.AttributeName}:{k.KeyType}").ToList();
            var existingTags = await AwsSdkCall.RunAsync(_session, "dynamodb", "ListTagsOfResource", region, () =>
                dynamo.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = existing.TableArn },
                    cancellationToken)).ConfigureAwait(false);
            if (!keys.SequenceEqual([$"{MembershipPartitionKey}:HASH", $"{MembershipSortKey}:RANGE"]) ||
                !(existingTags.Tags ?? []).Any(t => t.Key == AwsNaming.RunTag))
            {
                throw new InvalidOperationException(
                    $"DynamoDB table {name} in {region} exists but was not made by the launcher (key schema " +
                    $"[{string.Join(", ", keys)}], no {AwsNaming.RunTag} tag); delete or rename it.", e);
            }
            _log.WriteLine($"  replacing stale membership table {name} in {region}");
            await ReplaceTableAsync(dynamo, region, name, options, cancellationToken).ConfigureAwait(false);
            await EnsureMembershipTableAsync(region, name, tags, options, cancellationToken).ConfigureAwait(false);
            return;
        }

        var deadline = _time.GetUtcNow() + options.TableActiveTimeout;
        while (true)
        {
            var table = await DescribeTableAsync(dynamo, region, name, cancellationToken).ConfigureAwait(false);
            if (table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException(
                    $"DynamoDB table {name} in {region} is still {table.TableStatus} after {options.TableActiveTimeout}.");
            }
            await Task.Delay(options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReplaceTableAsync(IAmazonDynamoDB dynamo, string region, string name, AwsProvisionOptions options,
        CancellationToken cancellationToken)
    {
        try
        {
            await AwsSdkCall.RunAsync(_session, "dynamodb", "DeleteTable", region,
                () => dynamo.DeleteTableAsync(name, cancellationToken)).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceInUseException")
        {
            // Already being deleted (or still being created): wait below either way.
        }
        var deadline = _time.GetUtcNow() + options.TableActiveTimeout;
        while (true)
        {
            try
            {
                await DescribeTableAsync(dynamo, region, name, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
            {
                return;
            }
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"DynamoDB table {name} in {region} is still there after {options.TableActiveTimeout}.");
            }
            await Task.Delay(options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TableDescription> DescribeTableAsync(IAmazonDynamoDB dynamo, string region, string name,
        CancellationToken cancellationToken)
    {
        var response = await AwsSdkCall.RunAsync(_session, "dynamodb", "DescribeTable", region,
            () => dynamo.DescribeTableAsync(new DescribeTableRequest { TableName = name }, cancellationToken))
            .ConfigureAwait(false);
        return response.Table;
    }

    private async Task EnsureResultsBucketAsync(AwsExperimentPlan plan, CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        var s3 = _session.S3(region);
        try
        {
            var request = new PutBucketRequest { BucketName = plan.ResultsBucket };
            if (region != "us-east-1")
            {
                request.BucketRegionName = region;
            }
            await AwsSdkCall.RunAsync(_session, "s3", "CreateBucket", region,
                () => s3.PutBucketAsync(request, cancellationToken)).ConfigureAwait(false);
            _log.WriteLine($"Created results bucket s3://{plan.ResultsBucket} in {region}");
        }
        catch (AwsServiceException e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
        {
            // Kept from earlier runs: results accumulate there, as in the seed.
        }
        catch (AwsServiceException e) when (e.ErrorCode == "BucketAlreadyExists")
        {
            throw new InvalidOperationException(
                $"The S3 bucket name '{plan.ResultsBucket}' belongs to another AWS account; choose another results bucket.", e);
        }
    }

    /// <summary>
    /// The plan's experiments whose coordinator uploaded its error marker (<see cref="AwsExperiment.ErrorMarkerKey"/>) and
    /// no completion marker: they failed. Each with the marker's text (what went wrong), trimmed.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> FindFailedExperimentsAsync(AwsExperimentPlan plan,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var region = plan.EffectiveResultsRegion;
        var s3 = _session.S3(region);
        var done = (await FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false))
            .Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var experiment in plan.Experiments.Where(e => !done.Contains(e.Name)))
        {
            if (!await HasObjectAsync(plan, experiment.ErrorMarkerKey, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }
            string text;
            using (var response = await AwsSdkCall.RunAsync(_session, "s3", "GetObject", region,
                       () => s3.GetObjectAsync(plan.ResultsBucket, experiment.ErrorMarkerKey, cancellationToken)).ConfigureAwait(false))
            using (var reader = new StreamReader(response.ResponseStream, Encoding.UTF8))
            {
                text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
            text = text.Trim();
            // A stack trace can be long: the first part says what failed; the whole file is downloaded with the results.
            failed[experiment.Name] = text.Length == 0 ? "(error.txt is empty)" : text.Length > 2000 ? text[..2000] + " ..." : text;
        }
        return failed;
    }

    private async Task<bool> HasObjectAsync(AwsExperimentPlan plan, string key, CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        var s3 = _session.S3(region);
        try
        {
            var response = await AwsSdkCall.RunAsync(_session, "s3", "ListObjectsV2", region, () =>
                s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = plan.ResultsBucket, Prefix = key, MaxKeys = 1 },
                    cancellationToken)).ConfigureAwait(false);
            return (response.S3Objects ?? []).Any(o => o.Key == key);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchBucket")
        {
            return false;
        }
    }

    /// <summary>The plan's experiments whose completion marker (<see cref="AwsExperiment.CompletionMarkerKey"/>) is in S3.</summary>
    public async Task<IReadOnlyList<AwsExperiment>> FindExperimentsWithResultsAsync(AwsExperimentPlan plan,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var region = plan.EffectiveResultsRegion;
        var s3 = _session.S3(region);
        var done = new List<AwsExperiment>();
        foreach (var experiment in plan.Experiments)
        {
            try
            {
                var response = await AwsSdkCall.RunAsync(_session, "s3", "ListObjectsV2", region, () =>
                    s3.ListObjectsV2Async(new ListObjectsV2Request
                    {
                        BucketName = plan.ResultsBucket,
                        Prefix = experiment.CompletionMarkerKey,
                        MaxKeys = 1,
                    }, cancellationToken)).ConfigureAwait(false);
                if ((response.S3Objects ?? []).Any(o => o.Key == experiment.CompletionMarkerKey))
                {
                    done.Add(experiment);
                }
            }
            catch (AwsServiceException e) when (e.ErrorCode == "NoSuchBucket")
            {
                return [];
            }
        }
        return done;
    }

    /// <summary>
    /// The <c>--block</c> wait: looks in S3 every <see cref="AwsWaitOptions.PollInterval"/> until every experiment of the
    /// plan has its completion marker or its error marker (it failed: no longer waited for), then downloads each
    /// experiment's results folder to <c>downloadDirectory/&lt;error_bound_e&gt;/</c>; the failed ones and their error
    /// text are in <see cref="AwsDownloadedResults.Failed"/>. Throws <see cref="TimeoutException"/> naming the missing
    /// experiments.
    /// </summary>
    public async Task<AwsDownloadedResults> WaitForResultsAsync(AwsExperimentPlan plan, string downloadDirectory,
        AwsWaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(downloadDirectory);
        options ??= new AwsWaitOptions();
        plan.Validate();
        var experiments = plan.Experiments;
        var start = _time.GetUtcNow();
        IReadOnlyDictionary<string, string> failed;
        var announced = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var done = await FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false);
            var doneNames = done.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            failed = await FindFailedExperimentsAsync(plan, cancellationToken).ConfigureAwait(false);
            foreach (var (name, error) in failed.Where(f => announced.Add(f.Key)))
            {
                _log.WriteLine($"{name} failed (not waited for any longer): {error}");
            }
            var pending = experiments.Where(e => !doneNames.Contains(e.Name) && !failed.ContainsKey(e.Name))
                .Select(e => e.Name).ToList();
            options.Progress?.Report(new AwsResultsProgress(experiments.Count - pending.Count, experiments.Count, pending, failed.Count));
            if (pending.Count == 0)
            {
                break;
            }
            if (options.Timeout is { } timeout && _time.GetUtcNow() - start >= timeout)
            {
                throw new TimeoutException(
                    $"After {timeout} the results of {pending.Count} experiment(s) are still not in " +
                    $"s3://{plan.ResultsBucket}: {string.Join(", ", pending)}.");
            }
            if (options.FailWhenCoordinatorGone)
            {
                await ThrowIfCoordinatorsGoneAsync(plan, experiments.Where(e => pending.Contains(e.Name)).ToList(),
                    cancellationToken).ConfigureAwait(false);
            }
            _log.WriteLine($"{experiments.Count - pending.Count}/{experiments.Count} experiments done; " +
                           $"looking again in {options.PollInterval}.");
            await Task.Delay(options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
        var downloaded = await DownloadResultsAsync(plan, downloadDirectory, cancellationToken).ConfigureAwait(false);
        return downloaded with { Failed = failed };
    }

    /// <summary>
    /// An experiment whose coordinator (Fargate task or EC2 instance) is no longer running and whose results are still
    /// not in S3 will never finish: say so rather than wait for ever (the seed did).
    /// </summary>
    private async Task ThrowIfCoordinatorsGoneAsync(AwsExperimentPlan plan, IReadOnlyList<AwsExperiment> pending,
        CancellationToken cancellationToken)
    {
        var gone = new List<AwsExperiment>();
        foreach (var experiment in pending)
        {
            if (!await IsCoordinatorRunningAsync(plan, experiment, cancellationToken).ConfigureAwait(false))
            {
                gone.Add(experiment);
            }
        }
        if (gone.Count == 0)
        {
            return;
        }
        // The coordinator uploads its results (or its error) just before it exits: look once more before calling it lost.
        var done = (await FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false))
            .Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var reported = await FindFailedExperimentsAsync(plan, cancellationToken).ConfigureAwait(false);
        var failed = gone.Where(e => !done.Contains(e.Name) && !reported.ContainsKey(e.Name)).ToList();
        if (failed.Count > 0)
        {
            throw new InvalidOperationException(
                $"The coordinator of {string.Join(", ", failed.Select(e => e.Name))} is no longer running and its results " +
                $"are not in s3://{plan.ResultsBucket}; see the CloudWatch log group(s) " +
                $"{string.Join(", ", failed.Select(e => e.LogGroup))} in {plan.EffectiveLogsRegion}, then run cleanup.");
        }
    }

    // Both hosts are looked at: an experiment --block waits for may have been started by an earlier launch with the other
    // --coordinator-instance-type.
    private async Task<bool> IsCoordinatorRunningAsync(AwsExperimentPlan plan, AwsExperiment experiment,
        CancellationToken cancellationToken)
    {
        var region = plan.CoordinatorRegion;
        var ecs = _session.Ecs(region);
        var clusters = await ecs.DescribeClustersAsync([experiment.CoordinatorCluster], includeTags: false,
            cancellationToken).ConfigureAwait(false);
        if (clusters.FirstOrDefault(c => c.Status == "ACTIVE") is { } cluster
            && (await ecs.ListTasksAsync(cluster.ClusterArn, "RUNNING", cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return true;
        }
        var ec2 = _session.Ec2(region);
        var response = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeInstances", region, () =>
            ec2.DescribeInstancesAsync(new DescribeInstancesRequest
            {
                Filters =
                [
                    new Ec2Filter("tag:" + AwsNaming.ExperimentTag, [experiment.Name]),
                    new Ec2Filter("instance-state-name", ["pending", "running"]),
                ],
            }, cancellationToken)).ConfigureAwait(false);
        return (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Any();
    }

    /// <summary>Downloads every object under each experiment's results prefix to <c>downloadDirectory/&lt;ResultsFolder&gt;/</c>.</summary>
    public async Task<AwsDownloadedResults> DownloadResultsAsync(AwsExperimentPlan plan, string downloadDirectory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(downloadDirectory);
        var region = plan.EffectiveResultsRegion;
        var s3 = _session.S3(region);
        var root = Path.GetFullPath(downloadDirectory);
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var experiment in plan.Experiments)
        {
            var folder = Path.Combine(root, experiment.ResultsFolder);
            Directory.CreateDirectory(folder);
            folders[experiment.Name] = folder;
            string? token = null;
            do
            {
                var page = await AwsSdkCall.RunAsync(_session, "s3", "ListObjectsV2", region, () =>
                    s3.ListObjectsV2Async(new ListObjectsV2Request
                    {
                        BucketName = plan.ResultsBucket,
                        Prefix = experiment.ResultsPrefix,
                        ContinuationToken = token,
                    }, cancellationToken)).ConfigureAwait(false);
                foreach (var item in page.S3Objects ?? [])
                {
                    var local = LocalPathFor(folder, item.Key[experiment.ResultsPrefix.Length..], item.Key);
                    if (local is null)
                    {
                        continue;
                    }
                    Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                    using var response = await AwsSdkCall.RunAsync(_session, "s3", "GetObject", region,
                        () => s3.GetObjectAsync(plan.ResultsBucket, item.Key, cancellationToken)).ConfigureAwait(false);
                    var output = File.Create(local);
                    await using (output.ConfigureAwait(false))
                    {
                        await response.ResponseStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                    }
                    files.Add(local);
                }
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
        }
        _log.WriteLine($"Downloaded {files.Count} result file(s) to {root}");
        return new AwsDownloadedResults(folders, files);
    }

    /// <summary>The local file for an S3 key below the experiment's prefix; null for folder markers; keys that would
    /// escape the folder ("..", absolute) are refused.</summary>
    internal static string? LocalPathFor(string folder, string relativeKey, string fullKey)
    {
        if (relativeKey.Length == 0 || relativeKey.EndsWith('/'))
        {
            return null;
        }
        var segments = relativeKey.Split('/');
        if (segments.Any(s => s is "" or "." or ".." || s.Contains('\\', StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"S3 key '{fullKey}' is not a safe relative path; refusing to download it.");
        }
        var path = Path.GetFullPath(Path.Combine([folder, .. segments]));
        if (!path.StartsWith(Path.GetFullPath(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"S3 key '{fullKey}' would be written outside {folder}; refusing.");
        }
        return path;
    }

    internal static string FamilyOf(string taskDefinitionArn)
    {
        var name = taskDefinitionArn[(taskDefinitionArn.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon >= 0 ? name[..colon] : name;
    }
}
