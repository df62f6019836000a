using AutoMon.Protocol;
using AutoMon.Grains.Runs;
using Amazon.EC2.Model;
using AutoMon.Launcher.Aws;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using AutoMon.Silos.Hosting;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary><c>automon --target aws</c> and <c>automon cleanup</c> end to end against the moto server, in process.</summary>
[Collection(MotoCollection.Name)]
public sealed class AwsCommandLineTests(MotoServerFixture moto) : MotoAccountTests(moto)
{

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await LauncherApp.RunAsync([.. args, "--aws-endpoint", Moto.Endpoint.ToString(), "--credentials-csv", CredentialsCsv],
            output, error);
        return (code, output.ToString(), error.ToString());
    }

    // The Fargate coordinator: an EC2 one looks up Amazon's newest Linux image, which the moto server is started without.
    [Fact]
    public async Task Target_aws_provisions_the_experiment_and_cleanup_removes_everything_it_created()
    {
        var (code, output, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-instance-type", "fargate");

        Assert.True(code == 0, error);
        Assert.Contains("automon cleanup --run-id", output, StringComparison.Ordinal);
        Assert.Equal(["inner-product_0-3_us-east-2"],
            (await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion)).Select(c => c.ClusterName));
        Assert.Equal(10, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
        Assert.Single(await MotoAws.RunningTasksAsync(Session, MotoAws.CoordinatorRegion));

        var (cleanupCode, cleanupOutput, cleanupError) = await RunAsync("cleanup", "--yes");

        Assert.True(cleanupCode == 0, cleanupError);
        Assert.Contains("Removed 11 ECS task(s)", cleanupOutput, StringComparison.Ordinal);
        Assert.Contains("inner-product_0-3_us-east-2", cleanupOutput, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion));
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Empty(await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion));
        Assert.Empty(await MotoAws.TablesAsync(Session, MotoAws.NodesRegion));
    }

    [Fact]
    public async Task Nodes_per_silo_packs_the_nodes_into_fewer_tasks()
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-instance-type", "fargate", "--nodes-per-silo", "4");

        Assert.True(code == 0, error);
        Assert.Equal(3, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
    }

    private async Task<string> RegisterImageAsync(string name)
    {
        var image = await Session.Ec2(MotoAws.CoordinatorRegion).RegisterImageAsync(new RegisterImageRequest
        {
            Name = name,
            RootDeviceName = "/dev/xvda",
        });
        return image.ImageId;
    }

    private async Task<CoordinatorScript> UserDataAsync(string instanceId)
    {
        var attribute = await Session.Ec2(MotoAws.CoordinatorRegion).DescribeInstanceAttributeAsync(
            new DescribeInstanceAttributeRequest(instanceId, Amazon.EC2.InstanceAttributeName.UserData));
        return CoordinatorScript.FromUserData(attribute.InstanceAttribute.UserData);
    }

    [Fact]
    public async Task Ec2_coordinator_runs_the_given_image_on_a_c5_4xlarge_whose_user_data_starts_the_coordinator_silo()
    {
        var image = await RegisterImageAsync("automon-coordinator-test");

        var (code, output, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-instance-type", "ec2", "--coordinator-image", image);

        Assert.True(code == 0, error);
        Assert.Contains("coordinator on EC2 c5.4xlarge", output, StringComparison.Ordinal);
        var instance = Assert.Single(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Equal("c5.4xlarge", instance.InstanceType.Value);
        Assert.Equal(image, instance.ImageId);
        var script = await UserDataAsync(instance.InstanceId);
        Assert.Equal("123456789012.dkr.ecr.us-east-2.amazonaws.com/automon:latest", script.Image);
        Assert.True(SiloCommandLine.TryParse([.. script.SiloArguments, "--address", "10.0.0.9"], out var silo, out var problems),
            string.Join("; ", problems));
        Assert.Equal(SiloRole.Coordinator, silo.Role);
        Assert.Equal(("us-west-2", "inner-product_0-3"), (silo.Region, silo.ClusterId));
        Assert.Equal(("inner-product_0-3_membership", "us-east-2"), (silo.DynamoDBTable, silo.DynamoDBRegion));
        var experiment = Assert.IsType<ExperimentRequest>(silo.Experiment);
        Assert.Equal(("inner_product", 0.3, 10, 11), (experiment.Workload, experiment.Run.ErrorBound, experiment.Run.Nodes, experiment.WaitForSilos));
        Assert.Equal("s3://automon-experiment-results/max_error_vs_comm_inner_product_aws/error_bound_0.3/coordinator/", experiment.ResultsS3Uri);
        // The container learns its public address from the instance (the silo's AdvertisedAddress setting); nothing else
        // travels in the environment but the entrypoint's switch.
        Assert.Equal("$PUBLIC_IP", script.Environment[SiloEnvironment.AdvertisedAddress]);
        Assert.Equal([SiloEnvironment.AdvertisedAddress, SiloEnvironment.AdvertisePublicIp], script.Environment.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Cleanup_terminates_the_ec2_coordinator()
    {
        var image = await RegisterImageAsync("automon-coordinator-test");
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-image", image);
        Assert.True(code == 0, error);
        var instance = Assert.Single(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));

        var (cleanupCode, cleanupOutput, cleanupError) = await RunAsync("cleanup", "--yes");

        Assert.True(cleanupCode == 0, cleanupError);
        Assert.Contains($"Removed 1 {AwsCleanupReport.Ec2Instance}(s): {instance.InstanceId} (us-west-2)", cleanupOutput, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
    }

    [Fact]
    public async Task Without_coordinator_image_an_Amazon_owned_image_is_looked_up_and_a_lookalike_of_the_account_is_not_used()
    {
        await RegisterImageAsync("al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64");

        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3");

        Assert.Equal(1, code);
        Assert.Contains("No machine image named 'al2023-ami-2023.*-kernel-*-x86_64' owned by 'amazon' in us-west-2", error,
            StringComparison.Ordinal);
        Assert.Contains("--coordinator-image", error, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
    }

    private async Task<Dictionary<string, string>> CoordinatorTaskEnvironmentAsync()
    {
        var definition = Assert.Single(await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion));
        return MotoAws.Environment(definition.TaskDefinition);
    }

    [Fact]
    public async Task Sync_latencies_given_on_the_command_line_reach_the_Fargate_coordinators_environment()
    {
        var (code, output, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-instance-type", "fargate", "--lazy-sync-latency", "400ms", "--full-sync-latency", "2.5s");

        Assert.True(code == 0, error);
        Assert.Contains("sync latencies 0.4 s lazy, 2.5 s full", output, StringComparison.Ordinal);
        var run = (await CoordinatorTaskExperimentAsync()).Run;
        Assert.Equal((TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(2.5)), (run.LazySyncLatency, run.FullSyncLatency));
    }

    [Fact]
    public async Task Sync_latencies_given_on_the_command_line_reach_the_EC2_coordinators_user_data()
    {
        var image = await RegisterImageAsync("automon-coordinator-test");

        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-image", image, "--lazy-sync-latency", "250ms", "--full-sync-latency", "12s");

        Assert.True(code == 0, error);
        var instance = Assert.Single(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
        var script = await UserDataAsync(instance.InstanceId);
        Assert.True(SiloCommandLine.TryParse([.. script.SiloArguments, "--address", "10.0.0.9"], out var silo, out var problems), string.Join("; ", problems));
        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(12)), (silo.Experiment!.Run.LazySyncLatency, silo.Experiment.Run.FullSyncLatency));
    }

    [Fact]
    public async Task Run_settings_given_to_the_launcher_reach_the_coordinators_run()
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-instance-type", "fargate", "--slack", "none", "--sync", "eager", "--window", "7", "--neighborhood", "0.25",
            "--max-f", "3", "--domain", "-2,2");

        Assert.True(code == 0, error);
        var run = (await CoordinatorTaskExperimentAsync()).Run;
        Assert.Equal((SlackType.NoSlack, SyncType.Eager, 7, 0.25), (run.Slack, run.Sync, run.Window, run.Neighborhood));
        Assert.Equal((3.0, new DomainBounds(-2, 2)), (run.MaxF, run.Domain));
        Assert.Equal(Grains.Experiments.Pacing.Paced, run.Pacing);
    }

    [Fact]
    public async Task Without_sync_latency_options_the_nodes_take_the_papers_pace_and_the_coordinator_answers_at_once()
    {
        var (code, _, error) = await RunAsync("--node-type", "dnn", "--target", "aws", "--error-bound", "0.05",
            "--coordinator-instance-type", "fargate");

        // The reference's LS_LATENCY (dnn 0.4 s) is a node's time between updates; its coordinator never waits.
        Assert.True(code == 0, error);
        var run = (await CoordinatorTaskExperimentAsync()).Run;
        Assert.Equal(TimeSpan.FromMilliseconds(400), run.RoundInterval);
        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (run.LazySyncLatency, run.FullSyncLatency));
    }

    private async Task<ExperimentRequest> CoordinatorTaskExperimentAsync()
    {
        var definition = Assert.Single(await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion));
        string[] command = [.. definition.TaskDefinition.ContainerDefinitions[0].Command!, "--address", "10.0.0.9"];
        Assert.True(SiloCommandLine.TryParse(command, out var silo, out var problems), string.Join("; ", problems));
        return Assert.IsType<ExperimentRequest>(silo.Experiment);
    }

    [Theory]
    [InlineData("kld", new string[0], 10000)]
    [InlineData("kld", new[] { "--full" }, 30000)]
    [InlineData("inner_product", new[] { "--iterations", "300" }, 300)]
    public async Task The_coordinator_runs_the_quick_length_unless_iterations_or_full_say_otherwise(string nodeType, string[] length,
        int iterations)
    {
        var (code, output, error) = await RunAsync(["--node-type", nodeType, "--target", "aws", "--error-bound", "0.02",
            "--coordinator-instance-type", "fargate", .. length]);

        Assert.True(code == 0, error);
        Assert.Contains($"{iterations} iterations", output, StringComparison.Ordinal);
        Assert.Equal(iterations, (await CoordinatorTaskExperimentAsync()).Run.Iterations);
    }

    [Fact]
    public async Task Seed_and_round_interval_given_on_the_command_line_reach_the_coordinators_experiment()
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
            "--coordinator-instance-type", "fargate", "--seed", "7", "--round-interval", "500ms");

        Assert.True(code == 0, error);
        var experiment = await CoordinatorTaskExperimentAsync();
        Assert.Equal(7, experiment.Run.Seed);
        Assert.Equal(TimeSpan.FromMilliseconds(500), experiment.Run.RoundInterval);
        Assert.Equal(TimeSpan.Zero, experiment.Run.LazySyncLatency);
    }

    /// <summary>
    /// A datasets/ folder with quadratic's files (60 iterations of 10 nodes, d = 40), a file it does not read and another
    /// workload's folder beside it.
    /// </summary>
    private string WriteQuadraticDatasets()
    {
        var datasets = Path.Combine(Folder, "datasets");
        var quadratic = Directory.CreateDirectory(Path.Combine(datasets, "quadratic")).FullName;
        var data = DataGenerators.Generate(Workload.Quadratic, new GeneratorOptions(10, 60, 40, 5, 0));
        NumpyTextFile.WriteTable(Path.Combine(quadratic, "data_file.txt"), data.Values, 40);
        NumpyTextFile.WriteHMatrix(Path.Combine(quadratic, "H_matrix.txt"), DataGenerators.QuadraticHMatrix(40, 5));
        File.WriteAllText(Path.Combine(quadratic, "notes.md"), "not data");
        var innerProduct = Directory.CreateDirectory(Path.Combine(datasets, "inner_product")).FullName;
        File.WriteAllText(Path.Combine(innerProduct, "data_file.txt"), "1 2\n");
        return datasets;
    }

    [Fact]
    public async Task Data_dir_uploads_exactly_the_workloads_files_and_the_coordinator_downloads_them()
    {
        var datasets = WriteQuadraticDatasets();

        var (code, output, error) = await RunAsync("--node-type", "quadratic", "--target", "aws", "--error-bounds", "0.02,0.05",
            "--coordinator-instance-type", "fargate", "--iterations", "60", "--data-dir", datasets);

        Assert.True(code == 0, error);
        var runId = output.Split(' ', ':')[1];
        var listing = await Session.S3(MotoAws.NodesRegion).ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request
        {
            BucketName = AwsNaming.DefaultResultsBucket,
        });
        var tls = $"{runId}/datasets/{S3DataDownloader.CertificatesFolder}/";
        Assert.Equal([$"{runId}/datasets/quadratic/H_matrix.txt", $"{runId}/datasets/quadratic/data_file.txt"],
            listing.S3Objects.Select(o => o.Key).Where(k => !k.StartsWith(tls, StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // Mutual TLS by default: one certificate per experiment (two error bounds), each silo told where its experiment's is.
        var certificates = listing.S3Objects.Select(o => o.Key).Where(k => k.StartsWith(tls, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, certificates.Count);
        Assert.All(certificates, k => Assert.EndsWith("/cluster.pfx", k, StringComparison.Ordinal));
        foreach (var region in new[] { MotoAws.CoordinatorRegion, MotoAws.NodesRegion })
        {
            foreach (var definition in await MotoAws.ActiveTaskDefinitionsAsync(Session, region))
            {
                string[] command = [.. definition.TaskDefinition.ContainerDefinitions[0].Command!, "--address", "10.0.0.9"];
                Assert.True(SiloCommandLine.TryParse(command, out var silo, out var problems), string.Join("; ", problems));
                var folder = silo.TlsCertificateS3!;
                Assert.Equal((AwsNaming.DefaultResultsBucket, MotoAws.NodesRegion), (folder.Bucket, folder.Region));
                Assert.Contains(folder.Prefix + "cluster.pfx", certificates);
            }
        }

        foreach (var definition in await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion))
        {
            string[] command = [.. definition.TaskDefinition.ContainerDefinitions[0].Command!, "--address", "10.0.0.9"];
            Assert.True(SiloCommandLine.TryParse(command, out var silo, out var problems), string.Join("; ", problems));
            var experiment = Assert.IsType<ExperimentRequest>(silo.Experiment);
            Assert.Equal(
                (AwsNaming.DefaultResultsBucket, $"{runId}/datasets/", MotoAws.NodesRegion),
                (experiment.DataS3!.Bucket, experiment.DataS3.Prefix, experiment.DataS3.Region));
            Assert.Equal(0, experiment.Run.SkipIterations);
        }
    }

    [Fact]
    public async Task No_tls_uploads_no_certificate_and_the_silos_run_plain_tcp()
    {
        var (code, output, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--error-bound", "0.1",
            "--coordinator-instance-type", "fargate", "--iterations", "30", "--no-tls");

        Assert.True(code == 0, error);
        var runId = output.Split(' ', ':')[1];
        var listing = await Session.S3(MotoAws.NodesRegion).ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request
        {
            BucketName = AwsNaming.DefaultResultsBucket,
            Prefix = runId + "/",
        });
        Assert.Empty(listing.S3Objects ?? []);
        foreach (var region in new[] { MotoAws.CoordinatorRegion, MotoAws.NodesRegion })
        {
            foreach (var definition in await MotoAws.ActiveTaskDefinitionsAsync(Session, region))
            {
                Assert.DoesNotContain(definition.TaskDefinition.ContainerDefinitions[0].Command!, a => a.StartsWith("--tls", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task Weights_go_to_s3_and_the_coordinator_sends_them_with_the_function()
    {
        var weights = Path.Combine(Folder, "mlp_net.npz");
        FunctionFiles.WriteNetwork(weights, DenseNetwork.Initialize(DenseNetwork.MlpShape(2), Activation.Tanh, Activation.Identity, seed: 4));

        var (code, output, error) = await RunAsync("--node-type", "mlp", "--target", "aws", "--error-bound", "0.1",
            "--coordinator-instance-type", "fargate", "--weights", weights);

        Assert.True(code == 0, error);
        var runId = output.Split(' ', ':')[1];
        var listing = await Session.S3(MotoAws.NodesRegion).ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request
        {
            BucketName = AwsNaming.DefaultResultsBucket,
        });
        Assert.Equal([$"{runId}/datasets/weights/mlp_net.npz"],
            listing.S3Objects.Select(o => o.Key).Where(k => !k.StartsWith($"{runId}/datasets/{S3DataDownloader.CertificatesFolder}/", StringComparison.Ordinal)));
        var coordinator = Assert.Single(await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion));
        string[] command = [.. coordinator.TaskDefinition.ContainerDefinitions[0].Command!, "--address", "10.0.0.9"];
        Assert.True(SiloCommandLine.TryParse(command, out var silo, out var problems), string.Join("; ", problems));
        Assert.Equal((AwsNaming.DefaultResultsBucket, $"{runId}/datasets/weights/"), (silo.Experiment!.WeightsS3!.Bucket, silo.Experiment.WeightsS3.Prefix));
        Assert.Null(silo.Experiment.DataS3);
    }

    [Theory]
    [InlineData("inner_product", "no network")]
    [InlineData("mlp", "not found")]
    public async Task Weights_that_cannot_be_used_are_named_before_any_AWS_call(string nodeType, string expected)
    {
        var (code, _, error) = await RunAsync("--node-type", nodeType, "--target", "aws", "--error-bound", "0.1",
            "--weights", Path.Combine(Folder, "absent.npz"));

        Assert.Equal(1, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion));
    }

    [Fact]
    public async Task Node_silos_get_no_data_options()
    {
        var datasets = WriteQuadraticDatasets();

        var (code, _, error) = await RunAsync("--node-type", "quadratic", "--target", "aws", "--error-bound", "0.02",
            "--coordinator-instance-type", "fargate", "--iterations", "60", "--data-dir", datasets);

        Assert.True(code == 0, error);
        var nodes = await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion);
        Assert.NotEmpty(nodes);
        Assert.All(nodes, n => Assert.DoesNotContain(n.TaskDefinition.ContainerDefinitions[0].Command!, a => a.StartsWith("--data", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Cleanup_with_nothing_to_remove_says_so_and_succeeds()
    {
        var (code, output, _) = await RunAsync("cleanup", "--run-id", "inner-product-20260101-000000");

        Assert.Equal(0, code);
        Assert.Contains("Nothing to remove.", output, StringComparison.Ordinal);
    }
}

/// <summary>What <c>--target aws</c> and <c>cleanup</c> say when they cannot start: one line on stderr, exit code 1.</summary>
public sealed class AwsCommandLineErrorTests
{
    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await LauncherApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static void AssertOneErrorLine(string error, string expected)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, error);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--engine", "simulation")]
    [InlineData("--dim", "10")]
    public async Task Local_only_options_are_rejected_with_target_aws(string option, string value)
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", option, value);

        Assert.Equal(1, code);
        AssertOneErrorLine(error, $"{option} does not apply to --target aws");
    }

    [Theory]
    [InlineData("--block")]
    [InlineData("--aws-endpoint", "http://127.0.0.1:1/")]
    [InlineData("--coordinator-instance-type", "fargate")]
    [InlineData("--nodes-per-silo", "2")]
    [InlineData("--coordinator-image", "ami-0123456789abcdef0")]
    public async Task Aws_only_options_are_rejected_with_the_local_target(params string[] option)
    {
        var (code, _, error) = await RunAsync(["--node-type", "inner_product", .. option]);

        Assert.Equal(1, code);
        AssertOneErrorLine(error, $"{option[0]} does not apply to --target local");
    }

    [Theory]
    [InlineData("ami-123")]
    [InlineData("AMI-0123456789ABCDEF0")]
    [InlineData("ami-0123456789abcdefg")]
    [InlineData("0123456789abcdef0")]
    public async Task A_coordinator_image_that_is_not_an_AMI_id_is_rejected_before_any_AWS_call(string image)
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--coordinator-image", image,
            "--aws-endpoint", "http://127.0.0.1:1/");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, $"--coordinator-image '{image}' is not an AMI id");
    }

    [Fact]
    public async Task A_coordinator_image_with_a_Fargate_coordinator_is_rejected()
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--coordinator-instance-type", "fargate",
            "--coordinator-image", "ami-0123456789abcdef0", "--aws-endpoint", "http://127.0.0.1:1/");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, "--coordinator-image applies to the EC2 coordinator only");
    }

    [Theory]
    [InlineData("--lazy-sync-latency", "-1s")]
    [InlineData("--full-sync-latency", "soon")]
    [InlineData("--full-sync-latency", "Infinity")]
    public async Task A_sync_latency_that_is_not_a_duration_is_rejected_with_target_aws(string option, string value)
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", option, value,
            "--aws-endpoint", "http://127.0.0.1:1/");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, $"{option} '{value}' is not a duration");
    }

    [Fact]
    public async Task Centralized_with_target_aws_is_refused_before_any_AWS_call_naming_the_alternatives()
    {
        // Port 1: an AWS call would fail as unreachable instead.
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--centralized",
            "--aws-endpoint", "http://127.0.0.1:1/");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, "--centralized does not apply to --target aws: the silos' grains run AutoMon only.");
        Assert.Contains("Run --centralized locally", error, StringComparison.Ordinal);
        Assert.Contains("--block", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Iterations_and_full_together_are_refused_with_target_aws()
    {
        var (code, _, error) = await RunAsync("--node-type", "kld", "--target", "aws", "--iterations", "500", "--full",
            "--aws-endpoint", "http://127.0.0.1:1/");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, "Give --iterations or --full, not both.");
    }

    [Fact]
    public async Task Too_few_iterations_with_target_aws_are_named_before_any_AWS_call()
    {
        var (code, _, error) = await RunAsync("--node-type", "kld", "--target", "aws", "--iterations", "150",
            "--aws-endpoint", "http://127.0.0.1:1/");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, "iterations must be at least 201 for kld");
    }

    [Theory]
    [InlineData("quadratic", "quadratic", "data_file.txt")]
    [InlineData("quadratic", "quadratic/data_file.txt", "H_matrix.txt")]
    [InlineData("dnn", "intrusion_detection", "corrected")]
    public async Task A_data_dir_missing_the_workloads_file_is_named_before_any_AWS_call(string nodeType, string present, string missing)
    {
        var datasets = Path.Combine(Path.GetTempPath(), "automon-aws-data-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Either an empty workload folder, or one holding only the file named.
            var target = Path.Combine(datasets, present);
            if (Path.HasExtension(present))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await File.WriteAllTextAsync(target, "1 2\n");
            }
            else
            {
                Directory.CreateDirectory(target);
            }

            // Port 1: an AWS call would fail as unreachable instead.
            var (code, _, error) = await RunAsync("--node-type", nodeType, "--target", "aws", "--data-dir", datasets,
                "--aws-endpoint", "http://127.0.0.1:1/");

            Assert.Equal(1, code);
            AssertOneErrorLine(error, $"{nodeType} needs {missing}, not found in");
        }
        finally
        {
            Directory.Delete(datasets, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_data_dir_is_named_before_any_AWS_call()
    {
        var missing = Path.Combine(Path.GetTempPath(), "automon-no-such-" + Guid.NewGuid().ToString("N"));

        var (code, _, error) = await RunAsync("--node-type", "kld", "--target", "aws", "--data-dir", missing, "--aws-endpoint", "http://127.0.0.1:1/");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, $"--data-dir folder not found: {missing}");
    }

    [Fact]
    public async Task Wan_latency_is_rejected_with_target_aws_saying_the_WAN_there_is_real()
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--wan-latency", "25ms");

        Assert.Equal(1, code);
        AssertOneErrorLine(error,
            "--wan-latency does not apply to --target aws (only to --target local): on AWS the delay between the coordinator's and the nodes' regions is real, not emulated.");
    }

    [Fact]
    public async Task An_unknown_target_is_a_usage_error()
    {
        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "gcp");

        Assert.NotEqual(0, code);
        Assert.Contains("gcp", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_credentials_csv_is_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), "automon-no-such-" + Guid.NewGuid().ToString("N") + ".csv");

        var (code, _, error) = await RunAsync("--node-type", "inner_product", "--target", "aws", "--credentials-csv", missing);

        Assert.Equal(1, code);
        AssertOneErrorLine(error, missing);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_one_clear_error()
    {
        var csv = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(csv, "Access key ID,Secret access key\ntesting,testing\n");

            // Port 1 on the loopback: nothing listens, the connection is refused at once (after the retries).
            var (code, _, error) = await RunAsync("cleanup", "--yes", "--aws-endpoint", "http://127.0.0.1:1/", "--credentials-csv", csv);

            Assert.Equal(1, code);
            AssertOneErrorLine(error, "unreachable");
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public async Task An_endpoint_that_is_not_a_url_is_rejected()
    {
        var (code, _, error) = await RunAsync("cleanup", "--yes", "--aws-endpoint", "not a url");

        Assert.Equal(1, code);
        AssertOneErrorLine(error, "--aws-endpoint");
    }
}
