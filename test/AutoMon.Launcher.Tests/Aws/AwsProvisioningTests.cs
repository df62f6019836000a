using System.Text;
using Amazon.DynamoDBv2;
using Amazon.EC2.Model;
using AutoMon.Launcher.Aws;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>The whole provisioning flow against a moto server: what exists afterwards, and how it is configured.</summary>
[Collection(MotoCollection.Name)]
public sealed class AwsProvisioningTests(MotoServerFixture moto) : MotoAccountTests(moto)
{
    private AwsExperimentProvisioner Provisioner() => new(Session, Log);

    [Fact]
    public async Task Each_error_bound_gets_its_own_node_cluster_in_the_nodes_region()
    {
        await ProvisionAsync(MotoAws.Plan());

        var clusters = await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion);
        Assert.Equal(["inner-product_0-02_us-east-2", "inner-product_0-05_us-east-2"],
            clusters.Select(c => c.ClusterName).Order(StringComparer.Ordinal));
        Assert.All(clusters, c => Assert.Contains(new EcsTag(AwsNaming.RunTag, "test-run"), c.Tags!));
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.CoordinatorRegion));
    }

    [Fact]
    public async Task One_node_task_per_node_and_error_bound_runs_in_the_nodes_region()
    {
        var result = await ProvisionAsync(MotoAws.Plan());

        var tasks = await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion);
        Assert.Equal(6, tasks.Count);
        Assert.All(tasks, t => Assert.Equal("FARGATE", t.LaunchType));
        Assert.All(tasks, t => Assert.Contains(new EcsTag(AwsNaming.RoleTag, "node"), t.Tags!));
        Assert.Empty(await MotoAws.RunningTasksAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Equal(6, result.Started.Sum(s => s.NodeTaskArns.Count));
    }

    [Fact]
    public async Task Node_task_definitions_have_one_vcpu_four_gb_and_the_silo_environment()
    {
        await ProvisionAsync(MotoAws.Plan());

        var definitions = await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion);
        Assert.Equal(6, definitions.Count);
        var node1 = definitions.Single(d => d.TaskDefinition.Family == "node-1_inner-product_0-05_us-east-2").TaskDefinition;
        Assert.Equal(("1024", "4096"), (node1.Cpu, node1.Memory));
        Assert.Equal("awsvpc", node1.NetworkMode);
        Assert.Equal(["FARGATE"], node1.RequiresCompatibilities);
        Assert.Equal("arn:aws:iam::123456789012:role/ecsTaskExecutionRole", node1.ExecutionRoleArn);
        var container = Assert.Single(node1.ContainerDefinitions);
        Assert.Equal("123456789012.dkr.ecr.us-east-2.amazonaws.com/automon:latest", container.Image);
        Assert.Equal([11111, 30000], container.PortMappings!.Select(p => p.ContainerPort));
        Assert.Equal("inner-product_0-05", container.LogConfiguration!.Options["awslogs-group"]);
        var silo = MotoAws.Silo(node1);
        Assert.Equal(SiloRole.Node, silo.Role);
        Assert.Equal((1, 1), silo.NodeRange);
        Assert.Equal(("inner-product_0-05", "us-east-2"), (silo.ClusterId, silo.Region));
        Assert.Equal("inner-product_0-05_membership", silo.DynamoDBTable);
        Assert.True(silo.StopWhenCoordinatorLeaves);
        Assert.Equal("true", MotoAws.Environment(node1)[SiloEnvironment.AdvertisePublicIp]);
    }

    [Fact]
    public async Task Node_task_command_line_is_one_the_silo_host_accepts()
    {
        await ProvisionAsync(MotoAws.Plan());

        var definitions = await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion);
        var node2 = definitions.Single(d => d.TaskDefinition.Family == "node-2_inner-product_0-02_us-east-2").TaskDefinition;
        // The image's entrypoint adds the address only the running task knows.
        string[] command = [.. node2.ContainerDefinitions[0].Command!, "--address", "10.0.0.5"];
        Assert.True(SiloCommandLine.TryParse(command, out var options, out var problems), string.Join("; ", problems));
        Assert.Equal(SiloRole.Node, options.Role);
        Assert.Equal("us-east-2", options.Region);
        Assert.Equal("inner-product_0-02", options.ClusterId);
        Assert.Equal("node-2", options.SiloName);
        Assert.Equal((11111, 30000), (options.SiloPort, options.GatewayPort));
        Assert.Equal(MembershipKind.DynamoDB, options.EffectiveMembership);
        Assert.Equal(("inner-product_0-02_membership", "us-east-2"), (options.DynamoDBTable, options.DynamoDBRegion));
    }

    [Fact]
    public async Task Membership_table_made_by_the_launcher_is_accepted_by_the_silos_membership_provider()
    {
        await ProvisionAsync(MotoAws.Plan());
        using var table = new DynamoDBMembershipTable(
            Options.Create(new DynamoDBClusteringOptions
            {
                TableName = "inner-product_0-05_membership",
                ServiceUrl = Moto.Endpoint.ToString(),
                Region = MotoAws.NodesRegion,
                AccessKey = "testing",
                SecretKey = "testing",
                CreateIfNotExists = false,
            }),
            Options.Create(new ClusterOptions { ClusterId = "inner-product_0-05", ServiceId = "automon" }),
            NullLogger<DynamoDBMembershipTable>.Instance);

        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, CancellationToken.None);

        var snapshot = await table.ReadAll();
        Assert.Empty(snapshot.Members);
    }

    [Fact]
    public async Task Ec2_coordinator_is_a_c5_4xlarge_in_the_coordinator_region_whose_user_data_runs_the_silo()
    {
        var result = await ProvisionAsync(MotoAws.Plan());

        var instances = await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion);
        Assert.Equal(2, instances.Count);
        Assert.Empty(await MotoAws.LiveInstancesAsync(Session, MotoAws.NodesRegion));
        var instanceId = result.Started.Single(s => s.Experiment.ErrorBound == 0.02).CoordinatorInstanceId;
        var instance = instances.Single(i => i.InstanceId == instanceId);
        Assert.Equal("c5.4xlarge", instance.InstanceType.Value);
        Assert.Contains(instance.Tags!, t => t.Key == AwsNaming.RunTag && t.Value == "test-run");
        Assert.Contains(instance.Tags!, t => t.Key == AwsNaming.RoleTag && t.Value == "coordinator");
        Assert.EndsWith("/" + MotoAws.InstanceProfile, instance.IamInstanceProfile!.Arn, StringComparison.Ordinal);

        var ec2 = Session.Ec2(MotoAws.CoordinatorRegion);
        var shutdown = await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest(instanceId,
            Amazon.EC2.InstanceAttributeName.InstanceInitiatedShutdownBehavior));
        Assert.Equal("terminate", shutdown.InstanceAttribute.InstanceInitiatedShutdownBehavior);
        var userData = await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest(instanceId,
            Amazon.EC2.InstanceAttributeName.UserData));
        var script = Encoding.UTF8.GetString(Convert.FromBase64String(userData.InstanceAttribute.UserData));
        Assert.StartsWith("#!/bin/bash\n", script, StringComparison.Ordinal);
        Assert.Contains("docker run --rm --network host", script, StringComparison.Ordinal);
        Assert.Contains("-e AUTOMON_ADVERTISEDADDRESS=\"$PUBLIC_IP\"", script, StringComparison.Ordinal);
        Assert.Contains("'--error-bound' '0.02'", script, StringComparison.Ordinal);
        Assert.Contains("awslogs-group='inner-product_0-02'", script, StringComparison.Ordinal);
        Assert.Contains("docker login --username AWS --password-stdin '123456789012.dkr.ecr.us-east-2.amazonaws.com'",
            script, StringComparison.Ordinal);
        Assert.Contains("shutdown -h now", script, StringComparison.Ordinal);
        Assert.Contains("'--role' 'coordinator' '--region' 'us-west-2' '--silo-port' '11111' '--gateway-port' '30000' '--cluster-id' 'inner-product_0-02'", script,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ec2_coordinator_image_is_the_newest_matching_Amazon_Linux_2023_image_when_no_AMI_is_given()
    {
        var ec2 = Session.Ec2(MotoAws.CoordinatorRegion);
        async Task<string> Register(string name) => (await ec2.RegisterImageAsync(new RegisterImageRequest
        {
            Name = name,
            RootDeviceName = "/dev/xvda",
        })).ImageId;
        await Register("al2023-ami-2023.5.20240701.0-kernel-6.1-x86_64");
        var newest = await Register("al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64");
        await Register("amzn2-ami-hvm-2.0.20250101.0-x86_64-gp2");
        var plan = MotoAws.Plan() with { CoordinatorImageId = null, CoordinatorImageOwner = "self", ErrorBounds = [0.4] };

        await ProvisionAsync(plan);

        var instance = Assert.Single(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Equal(newest, instance.ImageId);
    }

    [Fact]
    public async Task Missing_coordinator_image_is_a_clear_error_naming_the_pattern()
    {
        var plan = MotoAws.Plan() with { CoordinatorImageId = null, CoordinatorImageOwner = "self" };

        var error = await Assert.ThrowsAsync<AwsProvisioningException>(() => ProvisionAsync(plan));

        Assert.Contains("No machine image named 'al2023-ami-2023.*-kernel-*-x86_64'", error.Message,
            StringComparison.Ordinal);
        Assert.Empty(await MotoAws.RunSecurityGroupsAsync(Session, MotoAws.NodesRegion));
    }

    [Fact]
    public async Task Fargate_coordinator_is_a_four_vcpu_sixteen_gb_task_in_its_own_cluster_in_the_coordinator_region()
    {
        var plan = MotoAws.Plan(host: AwsCoordinatorHost.Fargate) with { ErrorBounds = [0.1] };

        var result = await ProvisionAsync(plan);

        var clusters = await MotoAws.ActiveClustersAsync(Session, MotoAws.CoordinatorRegion);
        Assert.Equal("inner-product_0-1_us-west-2", Assert.Single(clusters).ClusterName);
        var task = Assert.Single(await MotoAws.RunningTasksAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Equal(result.Started[0].CoordinatorTaskArn, task.TaskArn);
        var definition = Assert.Single(await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Equal("coordinator_inner-product_0-1_us-west-2", definition.TaskDefinition.Family);
        Assert.Equal(("4096", "16384"), (definition.TaskDefinition.Cpu, definition.TaskDefinition.Memory));
        var silo = MotoAws.Silo(definition.TaskDefinition);
        Assert.Equal(SiloRole.Coordinator, silo.Role);
        Assert.Null(silo.NodeRange);
        Assert.Equal(("inner_product", 0.1), (silo.Experiment!.Run.Function, silo.Experiment.Run.ErrorBound));
        Assert.Empty(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Equal(3, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
    }

    [Fact]
    public async Task Fargate_coordinator_task_command_runs_its_error_bounds_experiment_once_the_node_silos_joined()
    {
        await ProvisionAsync(MotoAws.Plan(host: AwsCoordinatorHost.Fargate) with { ErrorBounds = [0.1] });

        var definition = Assert.Single(await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion)).TaskDefinition;
        string[] command = [.. definition.ContainerDefinitions[0].Command!, "--address", "10.0.0.5"];
        Assert.True(SiloCommandLine.TryParse(command, out var options, out var problems), string.Join("; ", problems));
        Assert.Equal(SiloRole.Coordinator, options.Role);
        var experiment = Assert.IsType<ExperimentRequest>(options.Experiment);
        Assert.Equal(("inner_product", 0.1, 3), (experiment.Workload, experiment.Run.ErrorBound, experiment.Run.Nodes));
        Assert.Equal(4, experiment.WaitForSilos);
        Assert.Contains("s3://automon-experiment-results/max_error_vs_comm_inner_product_aws/error_bound_0.1/coordinator/", command);
    }

    [Fact]
    public async Task Node_task_command_stops_the_silo_when_the_coordinator_leaves()
    {
        await ProvisionAsync(MotoAws.Plan() with { ErrorBounds = [0.1] });

        var definitions = await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion);
        Assert.Equal(3, definitions.Count);
        Assert.All(definitions, d => Assert.Contains("--stop-when-coordinator-leaves", d.TaskDefinition.ContainerDefinitions[0].Command!));
    }

    [Fact]
    public async Task Nodes_per_silo_packs_node_ranges_into_fewer_tasks()
    {
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = 10 }) with { NodesPerSilo = 4, ErrorBounds = [0.3] };

        await ProvisionAsync(plan);

        Assert.Equal(3, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
        var ranges = (await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion))
            .Select(d => d.TaskDefinition)
            .OrderBy(d => d.Family, StringComparer.Ordinal)
            .Select(d => (d.Family, MotoAws.Silo(d).NodeRange));
        Assert.Equal<(string, (int, int)?)>(
        [
            ("nodes-0-3_inner-product_0-3_us-east-2", (0, 3)),
            ("nodes-4-7_inner-product_0-3_us-east-2", (4, 7)),
            ("nodes-8-9_inner-product_0-3_us-east-2", (8, 9)),
        ], ranges);
    }

    [Fact]
    public async Task Results_bucket_is_created_when_missing()
    {
        await ProvisionAsync(MotoAws.Plan());

        var buckets = await Session.S3(MotoAws.NodesRegion).ListBucketsAsync();
        Assert.Contains(buckets.Buckets!, b => b.BucketName == AwsNaming.DefaultResultsBucket);
    }

    [Fact]
    public async Task Each_experiment_has_a_taggedLog_group_in_the_nodes_region()
    {
        await ProvisionAsync(MotoAws.Plan());

        var logs = Session.Logs(MotoAws.NodesRegion);
        var groups = await logs.DescribeLogGroupsAsync();
        Assert.Equal(["inner-product_0-02", "inner-product_0-05"], groups.Select(g => g.LogGroupName));
        var tags = await logs.ListTagsForResourceAsync(groups[0].TaggingArn!);
        Assert.Equal("test-run", tags[AwsNaming.RunTag]);
        Assert.Equal("inner-product_0-02", tags[AwsNaming.ExperimentTag]);
    }

    [Fact]
    public async Task Each_experiment_has_a_membership_table_with_the_membership_key_schema()
    {
        await ProvisionAsync(MotoAws.Plan());

        Assert.Equal(["inner-product_0-02_membership", "inner-product_0-05_membership"],
            await MotoAws.TablesAsync(Session, MotoAws.NodesRegion));
        var dynamo = Session.DynamoDb(MotoAws.NodesRegion);
        var table = (await dynamo.DescribeTableAsync("inner-product_0-02_membership")).Table;
        Assert.Equal(["ClusterId:HASH", "SiloIdentity:RANGE"], table.KeySchema.Select(k => $"{k.AttributeName}:{k.KeyType}"));
        Assert.Equal(BillingMode.PAY_PER_REQUEST, table.BillingModeSummary?.BillingMode);
        var tags = await dynamo.ListTagsOfResourceAsync(new Amazon.DynamoDBv2.Model.ListTagsOfResourceRequest
        {
            ResourceArn = table.TableArn,
        });
        Assert.Contains(tags.Tags, t => t.Key == AwsNaming.RunTag && t.Value == "test-run");
    }

    /// <summary>An earlier run finished (its tasks stopped, its coordinator terminated itself) but was not cleaned up.</summary>
    private async Task FinishRunAsync()
    {
        foreach (var region in new[] { MotoAws.CoordinatorRegion, MotoAws.NodesRegion })
        {
            var ecs = Session.Ecs(region);
            foreach (var task in await MotoAws.RunningTasksAsync(Session, region))
            {
                await ecs.StopTaskAsync(task.ClusterArn!, task.TaskArn, "finished");
            }
            var instances = (await MotoAws.LiveInstancesAsync(Session, region)).Select(i => i.InstanceId).ToList();
            if (instances.Count > 0)
            {
                await Session.Ec2(region).TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = instances });
            }
        }
    }

    [Fact]
    public async Task Provisioning_again_after_a_finished_run_replaces_its_task_definitions_and_claims_its_leftovers()
    {
        await ProvisionAsync(MotoAws.Plan() with { ErrorBounds = [0.2] });
        await FinishRunAsync();

        await ProvisionAsync(MotoAws.Plan() with { RunId = "second-run", ErrorBounds = [0.2] });

        var definitions = await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion);
        Assert.Equal(3, definitions.Count);
        Assert.All(definitions, d => Assert.Equal(2, d.TaskDefinition.Revision));
        Assert.All(definitions, d => Assert.Contains(new EcsTag(AwsNaming.RunTag, "second-run"), d.Tags));
        var logs = Session.Logs(MotoAws.NodesRegion);
        var group = Assert.Single(await logs.DescribeLogGroupsAsync());
        Assert.Equal("second-run", (await logs.ListTagsForResourceAsync(group.TaggingArn!))[AwsNaming.RunTag]);
        var dynamo = Session.DynamoDb(MotoAws.NodesRegion);
        var table = (await dynamo.DescribeTableAsync("inner-product_0-2_membership")).Table;
        var tags = await dynamo.ListTagsOfResourceAsync(new Amazon.DynamoDBv2.Model.ListTagsOfResourceRequest
        {
            ResourceArn = table.TableArn,
        });
        Assert.Contains(tags.Tags, t => t.Key == AwsNaming.RunTag && t.Value == "second-run");
    }

    [Fact]
    public async Task Provisioning_an_experiment_that_is_still_running_is_refused_before_anything_is_created()
    {
        await ProvisionAsync(MotoAws.Plan() with { ErrorBounds = [0.2] });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ProvisionAsync(MotoAws.Plan() with { RunId = "second-run", ErrorBounds = [0.1, 0.2] }));

        Assert.Contains("inner-product_0-2 has 3 task(s) in ECS cluster inner-product_0-2_us-east-2 (us-east-2, run test-run)",
            error.Message, StringComparison.Ordinal);
        Assert.Contains("coordinator instance", error.Message, StringComparison.Ordinal);
        Assert.Single(await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion));
        Assert.Equal(3, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
    }

    [Fact]
    public async Task With_block_an_experiment_still_running_is_waited_for_and_only_the_others_start()
    {
        await ProvisionAsync(MotoAws.Plan() with { ErrorBounds = [0.2] });

        var second = await Provisioner().ProvisionAsync(MotoAws.Plan() with { RunId = "second-run", ErrorBounds = [0.1, 0.2] },
            MotoAws.FastProvision with { SkipExperimentsWithResults = true, LeaveRunningExperiments = true });

        var running = Assert.Single(second.StillRunning);
        Assert.Equal("inner-product_0-2", running.Key);
        Assert.Contains("run test-run", running.Value, StringComparison.Ordinal);
        Assert.Equal(["inner-product_0-1"], second.Started.Select(e => e.Experiment.Name));
        Assert.Equal(6, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
    }
}
