using Amazon.S3.Model;
using AutoMon.Launcher.Aws;
using AutoMon.Silos.Hosting;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// <c>--results-bucket</c>, <c>--node-region</c> and <c>--coordinator-region</c>: a run goes where they say (and nowhere
/// else), the silos are told the same, and <c>cleanup</c> with the same options finds it all again.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsLocationTests(MotoServerFixture moto) : MotoAccountTests(moto)
{
    private const string Bucket = "my-team-automon-results";
    private const string NodeRegion = "eu-central-1";
    private const string CoordinatorRegion = "ap-southeast-2";


    private string[] Location => ["--results-bucket", Bucket, "--node-region", NodeRegion, "--coordinator-region", CoordinatorRegion];


    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await LauncherApp.RunAsync([.. args, "--aws-endpoint", Moto.Endpoint.ToString(), "--credentials-csv", CredentialsCsv], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Output, string Error)> LaunchAsync() =>
        RunAsync(["--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3", "--nodes", "2",
            "--coordinator-instance-type", "fargate", .. Location]);

    [Fact]
    public async Task Custom_bucket_and_regions_receive_the_run_and_the_default_ones_nothing()
    {
        var (code, output, error) = await LaunchAsync();

        Assert.True(code == 0, error);
        Assert.Contains($"s3://{Bucket}/", output, StringComparison.Ordinal);
        Assert.Matches($"automon cleanup --run-id inner-product-[0-9-]+ --results-bucket {Bucket} --node-region {NodeRegion} --coordinator-region {CoordinatorRegion}", output);
        Assert.Equal(["inner-product_0-3_eu-central-1"], (await MotoAws.ActiveClustersAsync(Session, NodeRegion)).Select(c => c.ClusterName));
        Assert.Equal(2, (await MotoAws.RunningTasksAsync(Session, NodeRegion)).Count);
        Assert.Equal(["inner-product_0-3_ap-southeast-2"], (await MotoAws.ActiveClustersAsync(Session, CoordinatorRegion)).Select(c => c.ClusterName));
        Assert.Single(await MotoAws.RunningTasksAsync(Session, CoordinatorRegion));
        Assert.Equal(["inner-product_0-3_membership"], await MotoAws.TablesAsync(Session, NodeRegion));
        Assert.Equal(["inner-product_0-3"], (await Session.Logs(NodeRegion).DescribeLogGroupsAsync()).Select(g => g.LogGroupName));
        var location = await Session.S3(NodeRegion).GetBucketLocationAsync(new GetBucketLocationRequest { BucketName = Bucket });
        Assert.Equal(NodeRegion, location.Location.Value);
        foreach (var region in new[] { MotoAws.NodesRegion, MotoAws.CoordinatorRegion })
        {
            Assert.Empty(await MotoAws.ActiveClustersAsync(Session, region));
            Assert.Empty(await MotoAws.TablesAsync(Session, region));
        }
        var buckets = await Session.S3(NodeRegion).ListBucketsAsync();
        Assert.DoesNotContain(buckets.Buckets ?? [], b => b.BucketName == AwsNaming.DefaultResultsBucket);
    }

    [Fact]
    public async Task The_silos_are_told_the_custom_bucket_and_regions()
    {
        var (code, _, error) = await LaunchAsync();
        Assert.True(code == 0, error);

        var coordinator = Assert.Single(await MotoAws.ActiveTaskDefinitionsAsync(Session, CoordinatorRegion)).TaskDefinition;
        string[] command = [.. coordinator.ContainerDefinitions[0].Command!, "--address", "10.0.0.9"];
        Assert.True(SiloCommandLine.TryParse(command, out var silo, out var problems), string.Join("; ", problems));
        Assert.Equal(CoordinatorRegion, silo.Region);
        Assert.Equal(("inner-product_0-3_membership", NodeRegion), (silo.DynamoDBTable, silo.DynamoDBRegion));
        var results = silo.Experiment!.ResultsS3!;
        Assert.Equal((Bucket, "max_error_vs_comm_inner_product_aws/error_bound_0.3/coordinator/", NodeRegion),
            (results.Bucket, results.Prefix, results.Region));
        var node = (await MotoAws.ActiveTaskDefinitionsAsync(Session, NodeRegion)).First().TaskDefinition;
        Assert.Equal((NodeRegion, NodeRegion), (MotoAws.Silo(node).Region, MotoAws.Silo(node).DynamoDBRegion));
        Assert.Equal(NodeRegion, node.ContainerDefinitions[0].LogConfiguration!.Options["awslogs-region"]);
    }

    [Fact]
    public async Task Cleanup_with_the_same_options_finds_and_removes_the_run()
    {
        var (code, _, error) = await LaunchAsync();
        Assert.True(code == 0, error);

        var (cleanupCode, cleanupOutput, cleanupError) = await RunAsync(["cleanup", "--yes", "--delete-results-bucket", .. Location]);

        Assert.True(cleanupCode == 0, cleanupError);
        Assert.Contains("Removed 3 ECS task(s)", cleanupOutput, StringComparison.Ordinal);
        Assert.Contains($"Removed 1 S3 bucket(s): {Bucket} ({NodeRegion})", cleanupOutput, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, NodeRegion));
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, CoordinatorRegion));
        Assert.Empty(await MotoAws.TablesAsync(Session, NodeRegion));
    }

    [Theory]
    [InlineData("--node-region", "moon-1", "--node-region 'moon-1' is not an AWS region name")]
    [InlineData("--coordinator-region", "US-WEST-2", "--coordinator-region 'US-WEST-2' is not an AWS region name")]
    [InlineData("--results-bucket", "My_Results", "--results-bucket 'My_Results' is not an S3 bucket name")]
    public async Task A_bad_bucket_or_region_is_named_before_any_AWS_call(string option, string value, string expected)
    {
        foreach (string[] command in new[]
                 {
                     new[] { "--node-type", "inner_product", "--target", "aws", option, value },
                     new[] { "cleanup", "--dry-run", option, value },
                 })
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            // Port 1: an AWS call would fail as unreachable instead of naming the option.
            var code = await LauncherApp.RunAsync([.. command, "--aws-endpoint", "http://127.0.0.1:1/", "--credentials-csv", CredentialsCsv], output, error);

            Assert.Equal(1, code);
            var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected, line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--results-bucket", "b-u-c-k-e-t")]
    [InlineData("--node-region", "eu-west-1")]
    [InlineData("--coordinator-region", "eu-west-1")]
    public async Task The_location_options_are_aws_only(string option, string value)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await LauncherApp.RunAsync(["--node-type", "inner_product", option, value], output, error);

        Assert.Equal(1, code);
        Assert.Contains($"{option} does not apply to --target local", error.ToString(), StringComparison.Ordinal);
    }
}
