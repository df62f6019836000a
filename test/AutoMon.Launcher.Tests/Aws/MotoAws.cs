using Amazon.EC2.Model;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>Plans and look-ups shared by the tests that run against the moto server.</summary>
internal static class MotoAws
{
    public const string CoordinatorRegion = "us-west-2";
    public const string NodesRegion = "us-east-2";
    public const string InstanceProfile = "AutoMonCoordinatorInstance";

    /// <summary>Any id does for RunInstances in moto (it does not validate images unless told to).</summary>
    public const string ImageId = "ami-0123456789abcdef0";

    /// <summary>A small plan: 3 nodes, two error bounds, EC2 coordinator on a given image.</summary>
    public static AwsExperimentPlan Plan(string runId = "test-run", string nodeType = "inner_product",
        AwsCoordinatorHost host = AwsCoordinatorHost.Ec2) => new AwsExperimentPlan
    {
        RunId = runId,
        NodeType = nodeType,
        ErrorBounds = [0.02, 0.05],
        CoordinatorHost = host,
        CoordinatorImageId = ImageId,
    }.WithRun(r => r with { Nodes = 3 });

    /// <summary><paramref name="plan"/> with its run changed by <paramref name="change"/>.</summary>
    public static AwsExperimentPlan WithRun(this AwsExperimentPlan plan, Func<AutoMon.Grains.Runs.RunDefinition, AutoMon.Grains.Runs.RunDefinition> change) =>
        plan with { Run = change(plan.Run) };

    public static AwsProvisionOptions FastProvision { get; } = new() { PollInterval = TimeSpan.FromMilliseconds(10) };

    public static AwsCleanupRequest FastCleanup(AwsExperimentPlan plan) => AwsCleanupRequest.ForPlan(plan) with
    {
        PollInterval = TimeSpan.FromMilliseconds(10),
        WaitTimeout = TimeSpan.FromSeconds(5),
    };

    public const string ExecutionRole = "ecsTaskExecutionRole";
    public const string TaskRole = "AutoMonSiloTaskRole";

    /// <summary>What ops/README.md's one-time setup creates and the launcher's preflight looks for: the two roles of the
    /// Fargate tasks and the EC2 coordinator's instance profile (which moto also checks in RunInstances).</summary>
    public static async Task CreateOneTimeSetupAsync(AwsSession session)
    {
        await CreateRoleAsync(session, ExecutionRole);
        await CreateRoleAsync(session, TaskRole);
        await CreateInstanceProfileAsync(session);
    }

    public static Task CreateRoleAsync(AwsSession session, string name) =>
        session.Iam().CallAsync("CreateRole",
        [
            new KeyValuePair<string, string>("RoleName", name),
            new KeyValuePair<string, string>("AssumeRolePolicyDocument",
                """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"""),
        ], CancellationToken.None);

    public static Task CreateInstanceProfileAsync(AwsSession session) =>
        session.Iam().CallAsync("CreateInstanceProfile",
            [new KeyValuePair<string, string>("InstanceProfileName", InstanceProfile)], CancellationToken.None);

    public static async Task<IReadOnlyList<EcsCluster>> ActiveClustersAsync(AwsSession session, string region)
    {
        var ecs = session.Ecs(region);
        var arns = await ecs.ListClustersAsync();
        return arns.Count == 0
            ? []
            : (await ecs.DescribeClustersAsync(arns, includeTags: true)).Where(c => c.Status == "ACTIVE").ToList();
    }

    public static async Task<IReadOnlyList<EcsTask>> RunningTasksAsync(AwsSession session, string region)
    {
        var ecs = session.Ecs(region);
        var tasks = new List<EcsTask>();
        foreach (var cluster in await ActiveClustersAsync(session, region))
        {
            var arns = await ecs.ListTasksAsync(cluster.ClusterArn);
            if (arns.Count > 0)
            {
                tasks.AddRange((await ecs.DescribeTasksAsync(cluster.ClusterArn, arns, includeTags: true))
                    .Where(t => t.LastStatus != "STOPPED"));
            }
        }
        return tasks;
    }

    public static async Task<IReadOnlyList<EcsTaggedTaskDefinition>> ActiveTaskDefinitionsAsync(AwsSession session,
        string region)
    {
        var ecs = session.Ecs(region);
        var result = new List<EcsTaggedTaskDefinition>();
        foreach (var arn in await ecs.ListTaskDefinitionsAsync(null))
        {
            result.Add(await ecs.DescribeTaskDefinitionAsync(arn));
        }
        return result;
    }

    public static async Task<IReadOnlyList<Instance>> LiveInstancesAsync(AwsSession session, string region)
    {
        var response = await session.Ec2(region).DescribeInstancesAsync(new DescribeInstancesRequest());
        return (response.Reservations ?? []).SelectMany(r => r.Instances ?? [])
            .Where(i => i.State?.Name?.Value != "terminated").ToList();
    }

    public static async Task<IReadOnlyList<SecurityGroup>> RunSecurityGroupsAsync(AwsSession session, string region)
    {
        var response = await session.Ec2(region).DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new Filter("tag-key", [AwsNaming.RunTag])],
        });
        return response.SecurityGroups ?? [];
    }

    /// <summary>
    /// Until cancelled, gives each ECS task's network interface without a public IPv4 an Elastic IP, as Fargate gives its
    /// tasks a public address (for moto servers other than <see cref="MotoServerFixture"/>, which does so itself).
    /// </summary>
    public static async Task AssignTaskPublicIpsAsync(AwsSession session, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                foreach (var region in new[] { CoordinatorRegion, NodesRegion })
                {
                    var ec2 = session.Ec2(region);
                    var interfaces = await ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest(), cancellationToken);
                    foreach (var eni in (interfaces.NetworkInterfaces ?? []).Where(n => n.Description == "moto ECS" && n.Association is null))
                    {
                        var address = await ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = Amazon.EC2.DomainType.Vpc }, cancellationToken);
                        await ec2.AssociateAddressAsync(new AssociateAddressRequest
                        {
                            AllocationId = address.AllocationId,
                            NetworkInterfaceId = eni.NetworkInterfaceId,
                        }, cancellationToken);
                    }
                }
                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public static async Task<IReadOnlyList<string>> TablesAsync(AwsSession session, string region) =>
        (await session.DynamoDb(region).ListTablesAsync()).TableNames ?? [];

    /// <summary>The silo host's options that a task definition's command line gives (as the silo host parses it).</summary>
    public static Silos.Hosting.SiloHostOptions Silo(EcsTaskDefinition definition)
    {
        var command = definition.ContainerDefinitions.Single().Command ?? [];
        Assert.True(Silos.Hosting.SiloCommandLine.TryParse([.. command], out var options, out var problems), string.Join("; ", problems));
        return options;
    }

    public static Dictionary<string, string> Environment(EcsTaskDefinition definition) =>
        (definition.ContainerDefinitions[0].Environment ?? []).ToDictionary(e => e.Name, e => e.Value);

    public static async Task CreateSecurityGroupAsync(AwsSession session, string region, string name)
    {
        var ec2 = session.Ec2(region);
        var vpc = (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest())).Vpcs[0].VpcId;
        await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = name,
            Description = "not the launcher's",
            VpcId = vpc,
            TagSpecifications =
            [
                new TagSpecification { ResourceType = Amazon.EC2.ResourceType.SecurityGroup, Tags = [new Tag("owner", "x")] },
            ],
        });
    }

    public static async Task PutResultAsync(AwsSession session, string key, string content)
    {
        var s3 = session.S3(NodesRegion);
        try
        {
            await s3.PutBucketAsync(new Amazon.S3.Model.PutBucketRequest
            {
                BucketName = AwsNaming.DefaultResultsBucket,
                BucketRegionName = NodesRegion,
            });
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
        {
        }
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = AwsNaming.DefaultResultsBucket,
            Key = key,
            ContentBody = content,
        });
    }

    /// <summary>A table with the membership table's name but another key schema, which cannot be reused.</summary>
    public static async Task CreateConflictingTableAsync(AwsSession session, string region, string name)
    {
        await session.DynamoDb(region).CreateTableAsync(new Amazon.DynamoDBv2.Model.CreateTableRequest
        {
            TableName = name,
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("Id", Amazon.DynamoDBv2.ScalarAttributeType.S)],
            KeySchema = [new("Id", Amazon.DynamoDBv2.KeyType.HASH)],
        });
    }
}
