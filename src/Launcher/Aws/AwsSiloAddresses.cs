using Amazon.EC2.Model;

namespace AutoMon.Launcher.Aws;

/// <summary>A started silo whose public address is wanted: a Fargate task (cluster and task ARN) or an EC2 instance.</summary>
internal sealed record AwsSiloHost(string Name, string Region, string? ClusterArn, string? TaskArn, string? InstanceId)
{
    public static AwsSiloHost Task(string name, string region, string clusterArn, string taskArn) =>
        new(name, region, clusterArn, taskArn, null);

    public static AwsSiloHost Instance(string name, string region, string instanceId) => new(name, region, null, null, instanceId);

    public string Describe() => TaskArn is { } task ? $"{Name} (task {task} in {Region})" : $"{Name} (instance {InstanceId} in {Region})";
}

/// <summary>
/// The public IPv4 of each started silo, which the experiment's security groups then allow (<see cref="AwsNetworkSetup"/>):
/// a Fargate task's is its network interface's (ECS DescribeTasks names the interface, EC2 DescribeNetworkInterfaces
/// gives the address once Fargate has attached it), an instance's is DescribeInstances' PublicIpAddress. Waits until every
/// silo has one; a silo that stopped, or still has none after <see cref="AwsProvisionOptions.SiloAddressTimeout"/>, is
/// an error naming it, since its peers could never reach it.
/// </summary>
internal sealed class AwsSiloAddresses(AwsSession session, TimeProvider time)
{
    private const string NetworkInterfaceAttachment = "ElasticNetworkInterface";
    private const string NetworkInterfaceDetail = "networkInterfaceId";

    public async Task<IReadOnlyList<string>> WaitForAsync(IReadOnlyList<AwsSiloHost> silos, AwsProvisionOptions options,
        CancellationToken cancellationToken)
    {
        var found = new Dictionary<AwsSiloHost, string>();
        var deadline = time.GetUtcNow() + options.SiloAddressTimeout;
        while (true)
        {
            var why = new Dictionary<AwsSiloHost, string>();
            foreach (var silo in silos.Where(s => !found.ContainsKey(s)))
            {
                var (address, problem) = silo.TaskArn is not null
                    ? await TaskAddressAsync(silo, cancellationToken).ConfigureAwait(false)
                    : await InstanceAddressAsync(silo, cancellationToken).ConfigureAwait(false);
                if (address is not null)
                {
                    found[silo] = address;
                }
                else
                {
                    why[silo] = problem!;
                }
            }
            if (why.Count == 0)
            {
                return silos.Select(s => found[s]).ToList();
            }
            if (time.GetUtcNow() > deadline)
            {
                throw new InvalidOperationException(
                    $"No public IPv4 address for {string.Join("; ", why.Select(p => $"{p.Key.Describe()}: {p.Value}"))} after " +
                    $"{options.SiloAddressTimeout}. The experiment's security groups let the silo ports in only from its silos' " +
                    "public addresses (ops/README.md, Security), so a silo without one cannot be reached.");
            }
            await Task.Delay(options.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The task's public IPv4, or why there is none yet.</summary>
    private async Task<(string? Address, string? Problem)> TaskAddressAsync(AwsSiloHost silo, CancellationToken cancellationToken)
    {
        var ecs = session.Ecs(silo.Region);
        var task = (await ecs.DescribeTasksAsync(silo.ClusterArn!, [silo.TaskArn!], cancellationToken: cancellationToken)
            .ConfigureAwait(false)).FirstOrDefault();
        if (task is null)
        {
            return (null, "ECS does not know the task");
        }
        // ECS marks a task that failed to start (e.g. its image could not be pulled) with desired status STOPPED.
        if (task.LastStatus == "STOPPED" || task.DesiredStatus == "STOPPED")
        {
            throw new InvalidOperationException(
                $"{silo.Describe()} stopped before it had a public address: {task.StoppedReason ?? "no reason given"}.");
        }
        var interfaceId = (task.Attachments ?? [])
            .Where(a => a.Type == NetworkInterfaceAttachment)
            .SelectMany(a => a.Details ?? [])
            .FirstOrDefault(d => d.Name == NetworkInterfaceDetail)?.Value;
        if (interfaceId is null)
        {
            return (null, "no network interface attached yet");
        }

        var ec2 = session.Ec2(silo.Region);
        var interfaces = await AwsSdkCall.RunAsync(session, "ec2", "DescribeNetworkInterfaces", silo.Region,
            () => ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest
            {
                NetworkInterfaceIds = [interfaceId],
            }, cancellationToken)).ConfigureAwait(false);
        var publicIp = interfaces.NetworkInterfaces?.FirstOrDefault()?.Association?.PublicIp;
        return string.IsNullOrEmpty(publicIp)
            ? (null, $"its network interface {interfaceId} has no public IPv4 (is the subnet's internet access missing?)")
            : (publicIp, null);
    }

    /// <summary>The instance's public IPv4, or why there is none yet.</summary>
    private async Task<(string? Address, string? Problem)> InstanceAddressAsync(AwsSiloHost silo,
        CancellationToken cancellationToken)
    {
        var ec2 = session.Ec2(silo.Region);
        DescribeInstancesResponse response;
        try
        {
            response = await AwsSdkCall.RunAsync(session, "ec2", "DescribeInstances", silo.Region,
                () => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [silo.InstanceId!] },
                    cancellationToken)).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "InvalidInstanceID.NotFound")
        {
            // EC2 is eventually consistent: a new instance may not be described yet.
            return (null, "EC2 does not know the instance yet");
        }
        var instance = (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).FirstOrDefault();
        if (instance is null)
        {
            return (null, "EC2 does not know the instance yet");
        }
        if (instance.State?.Name?.Value is "shutting-down" or "terminated" or "stopping" or "stopped")
        {
            throw new InvalidOperationException(
                $"{silo.Describe()} is {instance.State.Name.Value} before it had a public address: " +
                $"{instance.StateReason?.Message ?? "no reason given"}.");
        }
        return string.IsNullOrEmpty(instance.PublicIpAddress)
            ? (null, "the instance has no public IPv4 yet")
            : (instance.PublicIpAddress, null);
    }
}
