using Amazon.EC2.Model;
using Ec2Filter = Amazon.EC2.Model.Filter;
using Ec2Tag = Amazon.EC2.Model.Tag;

namespace AutoMon.Launcher.Aws;

/// <summary>Where an experiment's silos in a region go: the default VPC, one of its subnets, and the experiment's security group.</summary>
internal sealed record AwsNetwork(string Region, string VpcId, string SubnetId, string SecurityGroupId);

/// <summary>
/// The network of an experiment in one region: the default VPC's first default subnet (by availability zone) and the
/// security group <c>automon-silos_&lt;run id&gt;_&lt;experiment&gt;</c> (tagged with the run). The group lets the silo and
/// gateway ports in only from the experiment's own silos: from the group itself (private addresses in the region) and,
/// once the silos have started and their public addresses are known (<see cref="AwsSiloAddresses"/>), from each silo's
/// public IPv4 as a /32, since the silos in the two regions reach each other at public addresses (ops/README.md, Security).
/// It is never opened to the internet; a rule for 0.0.0.0/0 left by an older launcher in a reused group is revoked.
/// </summary>
internal sealed class AwsNetworkSetup(AwsSession session, TextWriter log)
{
    private static readonly string[] WorldCidrs = ["0.0.0.0/0"];
    private static readonly string[] WorldIpv6Cidrs = ["::/0"];

    public async Task<AwsNetwork> PrepareAsync(AwsExperimentPlan plan, AwsExperiment experiment, string region,
        CancellationToken cancellationToken)
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

        var groupId = await EnsureSecurityGroupAsync(plan, experiment, region, vpcId, cancellationToken).ConfigureAwait(false);
        var network = new AwsNetwork(region, vpcId, subnet.SubnetId, groupId);
        await RestrictSiloPortsAsync(plan, network, cancellationToken).ConfigureAwait(false);
        return network;
    }

    /// <summary>
    /// Lets the silo and gateway ports in from each of <paramref name="addresses"/> (public IPv4s of the experiment's
    /// silos) as a /32; rules already there are kept, so a relaunch adds only the new silos.
    /// </summary>
    public async Task AllowSilosAsync(AwsExperimentPlan plan, AwsNetwork network, IReadOnlyCollection<string> addresses,
        CancellationToken cancellationToken)
    {
        var rules = (await DescribeRulesAsync(network, cancellationToken).ConfigureAwait(false)).ToList();
        var permissions = new List<IpPermission>();
        foreach (var port in SiloPorts(plan))
        {
            var missing = addresses.Select(a => a + "/32").Distinct(StringComparer.Ordinal)
                .Where(cidr => !rules.Any(r => Covers(r, port) && (r.Ipv4Ranges ?? []).Any(range => range.CidrIp == cidr)))
                .Select(cidr => new IpRange { CidrIp = cidr, Description = "AutoMon silo" })
                .ToList();
            if (missing.Count > 0)
            {
                permissions.Add(new IpPermission { IpProtocol = "tcp", FromPort = port, ToPort = port, Ipv4Ranges = missing });
            }
        }
        if (permissions.Count == 0)
        {
            return;
        }
        try
        {
            await AuthorizeAsync(network, permissions, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "RulesPerSecurityGroupLimitExceeded")
        {
            throw new InvalidOperationException(
                $"Security group {network.SecurityGroupId} in {network.Region} cannot hold a rule per silo address " +
                $"({addresses.Count} silo(s), 2 rules each): raise the quota 'Inbound or outbound rules per security group' " +
                $"(Service Quotas, Amazon VPC) in {network.Region}, or host more nodes per silo task (--nodes-per-silo).", e);
        }
    }

    private async Task<string> EnsureSecurityGroupAsync(AwsExperimentPlan plan, AwsExperiment experiment, string region,
        string vpcId, CancellationToken cancellationToken)
    {
        var ec2 = session.Ec2(region);
        var groupName = AwsNaming.SecurityGroupName(plan.RunId, experiment.Name);
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
                Description = $"AutoMon silos of {experiment.Name} in run {plan.RunId}: Orleans ports, from these silos only",
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
        log.WriteLine($"  security group {groupName} ({created.GroupId}) in {region}");
        return created.GroupId;
    }

    /// <summary>
    /// The group's own members may reach the ports (silos of the region talking over private addresses); any rule
    /// opening them to the internet, left in a reused group by a launcher that did so, is revoked.
    /// </summary>
    private async Task RestrictSiloPortsAsync(AwsExperimentPlan plan, AwsNetwork network, CancellationToken cancellationToken)
    {
        var rules = await DescribeRulesAsync(network, cancellationToken).ConfigureAwait(false);
        var open = new List<IpPermission>();
        foreach (var rule in rules)
        {
            var world = (rule.Ipv4Ranges ?? []).Where(r => WorldCidrs.Contains(r.CidrIp)).ToList();
            var world6 = (rule.Ipv6Ranges ?? []).Where(r => WorldIpv6Cidrs.Contains(r.CidrIpv6)).ToList();
            if (world.Count + world6.Count > 0)
            {
                open.Add(new IpPermission
                {
                    IpProtocol = rule.IpProtocol,
                    FromPort = rule.FromPort,
                    ToPort = rule.ToPort,
                    Ipv4Ranges = world.Count > 0 ? world : null,
                    Ipv6Ranges = world6.Count > 0 ? world6 : null,
                });
            }
        }
        if (open.Count > 0)
        {
            await AwsSdkCall.RunAsync(session, "ec2", "RevokeSecurityGroupIngress", network.Region,
                () => session.Ec2(network.Region).RevokeSecurityGroupIngressAsync(new RevokeSecurityGroupIngressRequest
                {
                    GroupId = network.SecurityGroupId,
                    IpPermissions = open,
                }, cancellationToken)).ConfigureAwait(false);
            log.WriteLine($"  revoked the internet-wide rules of security group {network.SecurityGroupId} in {network.Region}");
        }

        var fromGroup = SiloPorts(plan)
            .Where(port => !rules.Any(r => Covers(r, port) &&
                                           (r.UserIdGroupPairs ?? []).Any(p => p.GroupId == network.SecurityGroupId)))
            .Select(port => new IpPermission
            {
                IpProtocol = "tcp",
                FromPort = port,
                ToPort = port,
                UserIdGroupPairs = [new UserIdGroupPair { GroupId = network.SecurityGroupId, Description = "AutoMon silos" }],
            })
            .ToList();
        if (fromGroup.Count > 0)
        {
            await AuthorizeAsync(network, fromGroup, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int[] SiloPorts(AwsExperimentPlan plan) => [plan.SiloPort, plan.GatewayPort];

    private static bool Covers(IpPermission rule, int port) =>
        rule.IpProtocol is "tcp" or "6" && rule.FromPort <= port && port <= rule.ToPort;

    private async Task<IReadOnlyList<IpPermission>> DescribeRulesAsync(AwsNetwork network, CancellationToken cancellationToken)
    {
        var response = await AwsSdkCall.RunAsync(session, "ec2", "DescribeSecurityGroups", network.Region,
            () => session.Ec2(network.Region).DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                GroupIds = [network.SecurityGroupId],
            }, cancellationToken)).ConfigureAwait(false);
        return response.SecurityGroups?.FirstOrDefault()?.IpPermissions ?? [];
    }

    private Task AuthorizeAsync(AwsNetwork network, List<IpPermission> permissions, CancellationToken cancellationToken) =>
        AwsSdkCall.RunAsync(session, "ec2", "AuthorizeSecurityGroupIngress", network.Region,
            () => session.Ec2(network.Region).AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
            {
                GroupId = network.SecurityGroupId,
                IpPermissions = permissions,
            }, cancellationToken));
}
