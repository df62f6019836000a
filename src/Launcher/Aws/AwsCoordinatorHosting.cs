using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Filter = Amazon.EC2.Model.Filter;
using Ec2Tag = Amazon.EC2.Model.Tag;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Where an experiment's coordinator silo was started: a Fargate task (cluster and task) or an EC2 instance; with
/// <c>--coordinator-standby</c> also its standby's task or instance.
/// </summary>
internal sealed record AwsCoordinatorPlacement(string? ClusterArn, string? TaskArn, string? InstanceId,
    IReadOnlyList<string> TaskDefinitionArns)
{
    public string? StandbyTaskArn { get; init; }

    public string? StandbyInstanceId { get; init; }
}

/// <summary>
/// The coordinator silo's host in the coordinator region (<c>--coordinator-instance-type</c>): an EC2 instance whose user
/// data runs the silo image (<see cref="CoordinatorUserData"/>; it powers off, and so terminates, when the silo ends), on
/// the newest Amazon Linux 2023 image unless an AMI is given; or a Fargate task (<see cref="AwsSiloTasks"/>). Also tells
/// whether an experiment's coordinator still runs, on either host.
/// </summary>
internal sealed class AwsCoordinatorHosting(AwsSession session, TextWriter log, AwsSiloTasks tasks)
{
    /// <summary>The EC2 coordinator's machine image, looked up once per run (null for a Fargate coordinator).</summary>
    public async Task<string?> ResolveImageAsync(AwsExperimentPlan plan, CancellationToken cancellationToken)
    {
        if (plan.CoordinatorHost != AwsCoordinatorHost.Ec2)
        {
            return null;
        }
        if (plan.CoordinatorImageId is { } id)
        {
            return id;
        }
        var region = plan.CoordinatorRegion;
        var ec2 = session.Ec2(region);
        var images = await AwsSdkCall.RunAsync(session, "ec2", "DescribeImages", region, () => ec2.DescribeImagesAsync(
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
        log.WriteLine($"Coordinator image {newest.ImageId} ({newest.Name})");
        return newest.ImageId;
    }

    /// <summary>Starts the experiment's coordinator silo on the plan's host, then its standby when the plan has one.</summary>
    public async Task<AwsCoordinatorPlacement> StartAsync(AwsExperimentPlan plan, AwsExperiment experiment, AwsSiloRoles roles,
        AwsNetwork network, string? imageId, IReadOnlyDictionary<string, string> tags, AwsProvisionOptions options,
        CancellationToken cancellationToken)
    {
        if (plan.CoordinatorHost == AwsCoordinatorHost.Fargate)
        {
            var (cluster, task, definition) = await tasks.StartCoordinatorAsync(plan, experiment, roles, network, tags, options,
                cancellationToken).ConfigureAwait(false);
            if (!plan.CoordinatorStandby)
            {
                return new AwsCoordinatorPlacement(cluster, task, null, [definition]);
            }

            var (_, standbyTask, standbyDefinition) = await tasks.StartCoordinatorAsync(plan, experiment, roles, network, tags,
                options, cancellationToken, standby: true).ConfigureAwait(false);
            return new AwsCoordinatorPlacement(cluster, task, null, [definition, standbyDefinition]) { StandbyTaskArn = standbyTask };
        }
        var image = imageId ?? throw new ArgumentException("the EC2 coordinator needs a machine image.", nameof(imageId));
        var instance = await RunInstanceAsync(plan, experiment, roles, network, image, tags, standby: false, cancellationToken)
            .ConfigureAwait(false);
        log.WriteLine($"  coordinator: EC2 {plan.CoordinatorInstanceType} {instance} in {plan.CoordinatorRegion}");
        if (!plan.CoordinatorStandby)
        {
            return new AwsCoordinatorPlacement(null, null, instance, []);
        }

        var standbyInstance = await RunInstanceAsync(plan, experiment, roles, network, image, tags, standby: true, cancellationToken)
            .ConfigureAwait(false);
        log.WriteLine($"  standby coordinator: EC2 {plan.CoordinatorInstanceType} {standbyInstance} in {plan.CoordinatorRegion}");
        return new AwsCoordinatorPlacement(null, null, instance, []) { StandbyInstanceId = standbyInstance };
    }

    /// <summary>The experiment's coordinator instances still pending or running in the coordinator region.</summary>
    public async Task<IReadOnlyList<string>> RunningInstancesAsync(AwsExperimentPlan plan, AwsExperiment experiment,
        CancellationToken cancellationToken)
    {
        var region = plan.CoordinatorRegion;
        var ec2 = session.Ec2(region);
        var response = await AwsSdkCall.RunAsync(session, "ec2", "DescribeInstances", region, () =>
            ec2.DescribeInstancesAsync(new DescribeInstancesRequest
            {
                Filters =
                [
                    new Ec2Filter("tag:" + AwsNaming.ExperimentTag, [experiment.Name]),
                    new Ec2Filter("instance-state-name", ["pending", "running"]),
                ],
            }, cancellationToken)).ConfigureAwait(false);
        return (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => i.InstanceId).ToList();
    }

    /// <summary>
    /// Whether the experiment's coordinator still runs. Both hosts are looked at: an experiment <c>--block</c> waits for may
    /// have been started by an earlier launch with the other <c>--coordinator-instance-type</c>.
    /// </summary>
    public async Task<bool> IsRunningAsync(AwsExperimentPlan plan, AwsExperiment experiment, CancellationToken cancellationToken)
    {
        if (await tasks.DescribeRunningAsync(experiment, experiment.CoordinatorCluster, plan.CoordinatorRegion,
                cancellationToken).ConfigureAwait(false) is not null)
        {
            return true;
        }
        return (await RunningInstancesAsync(plan, experiment, cancellationToken).ConfigureAwait(false)).Count > 0;
    }

    private async Task<string> RunInstanceAsync(AwsExperimentPlan plan, AwsExperiment experiment, AwsSiloRoles roles,
        AwsNetwork network, string imageId, IReadOnlyDictionary<string, string> tags, bool standby, CancellationToken cancellationToken)
    {
        var region = plan.CoordinatorRegion;
        var ec2 = session.Ec2(region);
        var streamName = standby
            ? AwsNaming.StandbyCoordinatorFamily(experiment.CoordinatorCluster)
            : AwsNaming.CoordinatorFamily(experiment.CoordinatorCluster);
        var userData = CoordinatorUserData.Build(plan, experiment, roles.Image, streamName, standby);
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
        var response = await AwsSdkCall.RunAsync(session, "ec2", "RunInstances", region,
            () => ec2.RunInstancesAsync(request, cancellationToken)).ConfigureAwait(false);
        return response.Reservation?.Instances?.FirstOrDefault()?.InstanceId ??
               throw new AwsServiceException("ec2", "RunInstances", region, null, "NoInstance", "no instance in the answer");
    }
}
