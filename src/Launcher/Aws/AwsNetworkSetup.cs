using Amazon.EC2.Model;
using Ec2Filter = Amazon.EC2.Model.Filter;
using Ec2Tag = Amazon.EC2.Model.Tag;

namespace AutoMon.Launcher.Aws;

/// <summary>Where a region's silos of a run go: the default VPC, one of its subnets, and the run's security group.</summary>
internal sealed record AwsNetwork(string Region, string VpcId, string SubnetId, string SecurityGroupId);

/// <summary>
/// The network of a run in one region: the default VPC's first default subnet (by availability zone) and the security
/// group <c>automon-silos_&lt;run id&gt;</c> (tagged with the run) that opens the silo and gateway ports to the internet,
/// since silos in the two regions reach each other at public addresses not known in advance (ops/README.md, Security).
/// </summary>
internal sealed class AwsNetworkSetup(AwsSession session, TextWriter log)
{
    public async Task<AwsNetwork> PrepareAsync(AwsExperimentPlan plan, string region, CancellationToken cancellationToken)
    {
        var ec2 = session.Ec2(region);
        var vpcs = await AwsSdkCall.RunAsync(session, "ec2", "DescribeVpcs", region, () => ec2.DescribeVpcsAsync(
            new DescribeVpcsRequest { Filters = [new Ec2Filter("isDefault", ["true"])] }, cancellationToken))
            .ConfigureAwait(false);
        var vpcId = vpcs.Vpcs?.FirstOrDefault()?.VpcId ?? throw new InvalidOperationException(
            $"There is no default VPC in {region}; create one with `aws ec2 create-default-vpc --region {region}`.");

        var subnets = await AwsSdkCall.RunAsync(session, "ec2", "DescribeSubnets", region, () => ec2.DescribeSubnetsAsync(
            new DescribeSubnetsRequest { Filters = [new Ec2Filter("vpc-id", [vpcId])] }, cancellationToken))
            .ConfigureAwait(false);
        var subnet = (subnets.Subnets ?? [])
            .OrderByDescending(s => s.DefaultForAz == true)
            .ThenBy(s => s.AvailabilityZone, StringComparer.Ordinal)
            .FirstOrDefault() ?? throw new InvalidOperationException($"The default VPC {vpcId} in {region} has no subnet.");

        var groupId = await EnsureSecurityGroupAsync(plan, region, vpcId, cancellationToken).ConfigureAwait(false);
        await OpenSiloPortsAsync(plan, region, groupId, cancellationToken).ConfigureAwait(false);
        return new AwsNetwork(region, vpcId, subnet.SubnetId, groupId);
    }

    private async Task<string> EnsureSecurityGroupAsync(AwsExperimentPlan plan, string region, string vpcId,
        CancellationToken cancellationToken)
    {
        var ec2 = session.Ec2(region);
        var groupName = AwsNaming.SecurityGroupName(plan.RunId);
        var existing = await AwsSdkCall.RunAsync(session, "ec2", "DescribeSecurityGroups", region,
            () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                Filters = [new Ec2Filter("group-name", [groupName]), new Ec2Filter("vpc-id", [vpcId])],
            }, cancellationToken)).ConfigureAwait(false);
        if (existing.SecurityGroups?.FirstOrDefault()?.GroupId is { } groupId)
        {
            return groupId;
        }

        var created = await AwsSdkCall.RunAsync(session, "ec2", "CreateSecurityGroup", region,
            () => ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
            {
                GroupName = groupName,
                Description = $"AutoMon silos of run {plan.RunId}: Orleans silo and gateway ports",
                VpcId = vpcId,
                TagSpecifications =
                [
                    new TagSpecification
                    {
                        ResourceType = Amazon.EC2.ResourceType.SecurityGroup,
                        Tags = [new Ec2Tag(AwsNaming.RunTag, plan.RunId), new Ec2Tag("Name", groupName)],
                    },
                ],
            }, cancellationToken)).ConfigureAwait(false);
        log.WriteLine($"Security group {groupName} ({created.GroupId}) in {region}");
        return created.GroupId;
    }

    private async Task OpenSiloPortsAsync(AwsExperimentPlan plan, string region, string groupId,
        CancellationToken cancellationToken)
    {
        var permissions = new[] { plan.SiloPort, plan.GatewayPort }.Select(port => new IpPermission
        {
            IpProtocol = "tcp",
            FromPort = port,
            ToPort = port,
            Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0", Description = "AutoMon Orleans" }],
        }).ToList();
        try
        {
            await AwsSdkCall.RunAsync(session, "ec2", "AuthorizeSecurityGroupIngress", region,
                () => session.Ec2(region).AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
                {
                    GroupId = groupId,
                    IpPermissions = permissions,
                }, cancellationToken)).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "InvalidPermission.Duplicate")
        {
            // The group was made by an earlier attempt of this run and already has its rules.
        }
    }
}
