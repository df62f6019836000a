using Amazon.EC2.Model;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// The experiments' security groups against moto: the silo and gateway ports are open only to the experiment's own silos
/// (each one's public IPv4 as a /32, and the group itself), never to 0.0.0.0/0; the standby coordinator is one of them.
/// The addresses are moto's inventions: only the rules are read, nothing connects to them.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsSecurityGroupTests(MotoServerFixture moto) : MotoAccountTests(moto)
{
    private static readonly int[] SiloPorts = [11111, 30000];

    [Theory]
    [InlineData(AwsCoordinatorHost.Ec2, false)]
    [InlineData(AwsCoordinatorHost.Ec2, true)]
    [InlineData(AwsCoordinatorHost.Fargate, true)]
    public async Task Each_experiments_groups_let_the_silo_ports_in_only_from_its_own_silos(AwsCoordinatorHost host, bool standby)
    {
        var plan = MotoAws.Plan(host: host) with { CoordinatorStandby = standby };

        var result = await ProvisionAsync(plan);

        Assert.Equal(2, result.Started.Count);
        var allAddresses = new List<string>();
        foreach (var started in result.Started)
        {
            // Read back from EC2 and ECS, not from what the launcher reports: the silos that really run.
            var silos = await SiloAddressesAsync(started);
            Assert.Equal(1 + (standby ? 1 : 0) + plan.NodeSilos.Count, silos.Count);
            Assert.Equal(silos.Order(StringComparer.Ordinal), started.SiloAddresses.Order(StringComparer.Ordinal));
            allAddresses.AddRange(silos);
            foreach (var region in new[] { MotoAws.CoordinatorRegion, MotoAws.NodesRegion })
            {
                var group = await GroupAsync(region, started.SecurityGroups[region]);
                Assert.Equal($"automon-silos_test-run_{started.Experiment.Name}", group.GroupName);
                AssertOnlyFrom(group, silos);
            }
        }
        // One experiment's silos cannot reach another's.
        Assert.Equal(allAddresses.Count, allAddresses.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task A_reused_group_that_was_open_to_the_internet_is_closed()
    {
        var plan = MotoAws.Plan() with { ErrorBounds = [0.1] };
        var experiment = plan.Experiments[0];
        // What a launcher that opened the ports to everyone left behind for the same run and experiment.
        var ec2 = Session.Ec2(MotoAws.NodesRegion);
        var vpc = (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest())).Vpcs.Single(v => v.IsDefault == true).VpcId;
        var old = await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = AwsNaming.SecurityGroupName(plan.RunId, experiment.Name),
            Description = "left open",
            VpcId = vpc,
            TagSpecifications =
            [
                new TagSpecification
                {
                    ResourceType = Amazon.EC2.ResourceType.SecurityGroup,
                    Tags = [new Tag(AwsNaming.RunTag, plan.RunId)],
                },
            ],
        });
        await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = old.GroupId,
            IpPermissions = SiloPorts.Select(port => new IpPermission
            {
                IpProtocol = "tcp",
                FromPort = port,
                ToPort = port,
                Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }],
            }).ToList(),
        });

        var started = Assert.Single((await ProvisionAsync(plan)).Started);

        Assert.Equal(old.GroupId, started.SecurityGroups[MotoAws.NodesRegion]);
        AssertOnlyFrom(await GroupAsync(MotoAws.NodesRegion, old.GroupId), await SiloAddressesAsync(started));
        Assert.Contains("revoked the internet-wide rules", Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_task_without_a_public_address_is_an_error_naming_it()
    {
        var plan = MotoAws.Plan() with { ErrorBounds = [0.1] };
        var started = Assert.Single((await ProvisionAsync(plan)).Started);
        // A task of the same definition in the same network, but without a public IPv4 (as in a subnet without one).
        var ecs = Session.Ecs(MotoAws.NodesRegion);
        var node = (await ecs.DescribeTasksAsync(started.NodesClusterArn, [started.NodeTaskArns[0]])).Single();
        var subnet = (await Session.Ec2(MotoAws.NodesRegion).DescribeSubnetsAsync(new DescribeSubnetsRequest())).Subnets[0].SubnetId;
        var run = await ecs.RunTaskAsync(new EcsRunTaskRequest(started.NodesClusterArn, node.TaskDefinitionArn!, 1, "FARGATE",
            new EcsNetworkConfiguration(new EcsAwsVpcConfiguration([subnet], [started.SecurityGroups[MotoAws.NodesRegion]], "DISABLED")),
            null, null));
        var task = Assert.Single(run.Tasks).TaskArn;
        var addresses = new AwsSiloAddresses(Session, TimeProvider.System);
        // One look only: moto moves a task towards STOPPED on each DescribeTasks.
        var options = MotoAws.FastProvision with { SiloAddressTimeout = TimeSpan.Zero };

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => addresses.WaitForAsync(
            [AwsSiloHost.Task("node silo 9", MotoAws.NodesRegion, started.NodesClusterArn, task)], options, CancellationToken.None));

        Assert.Contains($"No public IPv4 address for node silo 9 (task {task} in {MotoAws.NodesRegion})", missing.Message, StringComparison.Ordinal);
        Assert.Contains("has no public IPv4", missing.Message, StringComparison.Ordinal);

        await ecs.StopTaskAsync(started.NodesClusterArn, task, "gone");
        var stopped = await Assert.ThrowsAsync<InvalidOperationException>(() => addresses.WaitForAsync(
            [AwsSiloHost.Task("node silo 9", MotoAws.NodesRegion, started.NodesClusterArn, task)], options, CancellationToken.None));
        Assert.Contains("stopped before it had a public address: gone", stopped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_experiment_with_more_silos_than_a_group_holds_rules_for_fails_naming_the_quota()
    {
        // 30 node silos and the coordinator: 62 address rules and 2 for the group itself, over the default 60.
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = 30 }) with { ErrorBounds = [0.1] };

        var failure = await Assert.ThrowsAsync<AwsProvisioningException>(() => ProvisionAsync(plan));

        Assert.Contains("'Inbound or outbound rules per security group'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("--nodes-per-silo", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The group's rules admit the silo and gateway ports from exactly <paramref name="silos"/> (/32 each) and the group
    /// itself; nothing from the internet, and no other port.
    /// </summary>
    private static void AssertOnlyFrom(SecurityGroup group, IReadOnlyList<string> silos)
    {
        var rules = group.IpPermissions ?? [];
        Assert.All(rules, rule => Assert.Empty(rule.Ipv6Ranges ?? []));
        Assert.DoesNotContain(rules.SelectMany(r => r.Ipv4Ranges ?? []), range => range.CidrIp == "0.0.0.0/0");
        Assert.Equal(SiloPorts, rules.Select(r => r.FromPort ?? 0).Distinct().Order());
        foreach (var port in SiloPorts)
        {
            var forPort = rules.Where(r => r.FromPort == port && r.ToPort == port && r.IpProtocol == "tcp").ToList();
            Assert.Equal(silos.Select(a => a + "/32").Order(StringComparer.Ordinal),
                forPort.SelectMany(r => r.Ipv4Ranges ?? []).Select(r => r.CidrIp).Order(StringComparer.Ordinal));
            Assert.Equal([group.GroupId], forPort.SelectMany(r => r.UserIdGroupPairs ?? []).Select(p => p.GroupId));
        }
    }

    private async Task<SecurityGroup> GroupAsync(string region, string groupId) =>
        (await Session.Ec2(region).DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [groupId] }))
        .SecurityGroups.Single();

    /// <summary>The public IPv4s of an experiment's silos: instances' from EC2, tasks' from their network interfaces.</summary>
    private async Task<IReadOnlyList<string>> SiloAddressesAsync(AwsProvisionedExperiment started)
    {
        var addresses = new List<string>();
        var ec2 = Session.Ec2(MotoAws.CoordinatorRegion);
        foreach (var instance in new[] { started.CoordinatorInstanceId, started.StandbyCoordinatorInstanceId }.OfType<string>())
        {
            var described = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instance] });
            addresses.Add(Assert.Single(described.Reservations.SelectMany(r => r.Instances)).PublicIpAddress);
        }
        var tasks = new[] { started.CoordinatorTaskArn, started.StandbyCoordinatorTaskArn }.OfType<string>()
            .Select(t => (MotoAws.CoordinatorRegion, started.CoordinatorClusterArn!, t))
            .Concat(started.NodeTaskArns.Select(t => (MotoAws.NodesRegion, started.NodesClusterArn, t)));
        foreach (var (region, cluster, arn) in tasks)
        {
            var task = Assert.Single(await Session.Ecs(region).DescribeTasksAsync(cluster, [arn]));
            var eni = Assert.Single(task.Attachments!, a => a.Type == "ElasticNetworkInterface").Details!
                .Single(d => d.Name == "networkInterfaceId").Value;
            var described = await Session.Ec2(region).DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest
            {
                NetworkInterfaceIds = [eni],
            });
            addresses.Add(Assert.Single(described.NetworkInterfaces).Association.PublicIp);
        }
        Assert.All(addresses, a => Assert.False(string.IsNullOrEmpty(a)));
        return addresses;
    }
}
