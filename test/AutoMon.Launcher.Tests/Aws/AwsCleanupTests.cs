using Amazon.EC2.Model;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>Cleanup against moto: it removes exactly what a run created, says what it removed, and leaves nothing billing.</summary>
[Collection(MotoCollection.Name)]
public sealed class AwsCleanupTests(MotoServerFixture moto) : MotoAccountTests(moto)
{
    private async Task AssertNothingOfRunLeftAsync(string? runId)
    {
        bool Ours(IEnumerable<EcsTag>? tags) =>
            tags?.Any(t => t.Key == AwsNaming.RunTag && (runId is null || t.Value == runId)) == true;
        foreach (var region in new[] { MotoAws.CoordinatorRegion, MotoAws.NodesRegion })
        {
            Assert.DoesNotContain(await MotoAws.ActiveClustersAsync(Session, region), c => Ours(c.Tags));
            Assert.DoesNotContain(await MotoAws.RunningTasksAsync(Session, region), t => Ours(t.Tags));
            Assert.DoesNotContain(await MotoAws.ActiveTaskDefinitionsAsync(Session, region), d => Ours(d.Tags));
            Assert.DoesNotContain(await MotoAws.LiveInstancesAsync(Session, region),
                i => i.Tags?.Any(t => t.Key == AwsNaming.RunTag && (runId is null || t.Value == runId)) == true);
            Assert.DoesNotContain(await MotoAws.RunSecurityGroupsAsync(Session, region),
                g => g.Tags.Any(t => runId is null || t.Value == runId));
            var logs = Session.Logs(region);
            foreach (var group in await logs.DescribeLogGroupsAsync())
            {
                var tags = await logs.ListTagsForResourceAsync(group.TaggingArn!);
                Assert.False(tags.TryGetValue(AwsNaming.RunTag, out var run) && (runId is null || run == runId),
                    $"log group {group.LogGroupName} of the run is left");
            }
        }
    }

    [Fact]
    public async Task Cleanup_after_an_ec2_coordinator_run_leaves_nothing()
    {
        var plan = MotoAws.Plan();
        await ProvisionAsync(plan);

        var report = await CleanupAsync(plan);

        Assert.True(report.Succeeded, string.Join("\n", report.Failures));
        await AssertNothingOfRunLeftAsync("test-run");
        Assert.Empty(await MotoAws.TablesAsync(Session, MotoAws.NodesRegion));
        Assert.Empty(await Session.Logs(MotoAws.NodesRegion).DescribeLogGroupsAsync());
        Assert.Empty(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Empty(await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion));
    }

    [Fact]
    public async Task Cleanup_reports_every_kind_of_resource_it_removed()
    {
        var plan = MotoAws.Plan();
        await ProvisionAsync(plan);

        var report = await CleanupAsync(plan);

        Assert.Equal(6, report.Of(AwsCleanupReport.EcsTask).Count);
        Assert.Equal(2, report.Of(AwsCleanupReport.Ec2Instance).Count);
        Assert.Equal(6, report.Of(AwsCleanupReport.TaskDefinition).Count);
        Assert.Equal(["inner-product_0-02_us-east-2", "inner-product_0-05_us-east-2"],
            report.Of(AwsCleanupReport.EcsCluster).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["inner-product_0-02", "inner-product_0-05"],
            report.Of(AwsCleanupReport.LogGroup).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["inner-product_0-02_membership", "inner-product_0-05_membership"],
            report.Of(AwsCleanupReport.MembershipTable).Select(r => r.Id).Order(StringComparer.Ordinal));
        // One group per experiment in each region.
        Assert.Equal([MotoAws.NodesRegion, MotoAws.NodesRegion, MotoAws.CoordinatorRegion, MotoAws.CoordinatorRegion],
            report.Of(AwsCleanupReport.SecurityGroup).Select(r => r.Region).Order(StringComparer.Ordinal));
        Assert.Contains("Removed 6 ECS task(s):", report.Describe(), StringComparison.Ordinal);
        Assert.Contains("Removed 2 EC2 instance(s):", report.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cleanup_after_a_fargate_coordinator_run_removes_the_coordinator_cluster_too()
    {
        var plan = MotoAws.Plan(host: AwsCoordinatorHost.Fargate);
        await ProvisionAsync(plan);

        var report = await CleanupAsync(plan);

        Assert.True(report.Succeeded, string.Join("\n", report.Failures));
        Assert.Equal(8, report.Of(AwsCleanupReport.EcsTask).Count);
        Assert.Equal(4, report.Of(AwsCleanupReport.EcsCluster).Count);
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.CoordinatorRegion));
        await AssertNothingOfRunLeftAsync(null);
    }

    [Fact]
    public async Task Cleanup_of_one_run_leaves_another_runs_resources_alone()
    {
        var first = MotoAws.Plan("first-run", "quadratic");
        var second = MotoAws.Plan("second-run", "kld");
        await ProvisionAsync(first);
        await ProvisionAsync(second);

        await CleanupAsync(MotoAws.FastCleanup(first));

        await AssertNothingOfRunLeftAsync("first-run");
        Assert.Equal(["kld_0-02_us-east-2", "kld_0-05_us-east-2"],
            (await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion)).Select(c => c.ClusterName)
            .Order(StringComparer.Ordinal));
        Assert.Equal(6, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
        Assert.Equal(2, (await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion)).Count);
        Assert.Equal(["kld_0-02_membership", "kld_0-05_membership"], await MotoAws.TablesAsync(Session, MotoAws.NodesRegion));
        Assert.Equal(["automon-silos_second-run_kld_0-02", "automon-silos_second-run_kld_0-05"],
            (await MotoAws.RunSecurityGroupsAsync(Session, MotoAws.NodesRegion)).Select(g => g.GroupName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Cleanup_without_a_run_id_removes_every_runs_resources()
    {
        await ProvisionAsync(MotoAws.Plan("first-run", "quadratic"));
        await ProvisionAsync(MotoAws.Plan("second-run", "kld"));

        var report = await CleanupAsync(MotoAws.FastCleanup(MotoAws.Plan()) with { RunId = null });

        Assert.Equal(12, report.Of(AwsCleanupReport.EcsTask).Count);
        await AssertNothingOfRunLeftAsync(null);
    }

    [Fact]
    public async Task Cleanup_does_not_touch_resources_the_launcher_did_not_create()
    {
        var ecs = Session.Ecs(MotoAws.NodesRegion);
        await ecs.CreateClusterAsync("inner-product_0-3_us-east-2", []);
        await Session.Logs(MotoAws.NodesRegion).CreateLogGroupAsync("inner-product_0-3", new Dictionary<string, string>());
        await MotoAws.CreateSecurityGroupAsync(Session, MotoAws.NodesRegion, "someone-elses");

        var report = await CleanupAsync(MotoAws.FastCleanup(MotoAws.Plan()) with { RunId = null });

        Assert.Empty(report.Removed);
        Assert.Equal("Nothing to remove.\n", report.Describe());
        Assert.Single(await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion));
        Assert.Single(await Session.Logs(MotoAws.NodesRegion).DescribeLogGroupsAsync());
    }

    [Fact]
    public async Task Cleanup_can_also_empty_and_delete_the_results_bucket()
    {
        var plan = MotoAws.Plan();
        await ProvisionAsync(plan);
        await MotoAws.PutResultAsync(Session, plan.Experiments[0].CompletionMarkerKey, "{}");

        var report = await CleanupAsync(MotoAws.FastCleanup(plan) with { DeleteResultsBucket = true });

        // The results, and the experiments' TLS certificates with the run's data.
        var removed = report.Of(AwsCleanupReport.ResultObject).Select(o => o.Id).ToList();
        Assert.Equal("s3://automon-experiment-results/" + plan.Experiments[0].CompletionMarkerKey,
            Assert.Single(removed, id => !id.Contains("/datasets/tls/", StringComparison.Ordinal)));
        Assert.Equal(plan.Experiments.Count, removed.Count(id => id.Contains("/datasets/tls/", StringComparison.Ordinal)));
        Assert.Single(report.Of(AwsCleanupReport.ResultsBucket));
        var buckets = await Session.S3(MotoAws.NodesRegion).ListBucketsAsync();
        Assert.DoesNotContain(buckets.Buckets ?? [], b => b.BucketName == AwsNaming.DefaultResultsBucket);
    }

    [Fact]
    public async Task Cleanup_of_a_run_removes_its_uploaded_data_files_and_keeps_the_results_and_other_runs_data()
    {
        var dataFile = Path.GetTempFileName();
        try
        {
            var first = MotoAws.Plan("first-run", "quadratic") with { DataFiles = [new AwsDataFile(dataFile, "quadratic/data_file.txt")] };
            var second = MotoAws.Plan("second-run", "inner_product") with { DataFiles = [new AwsDataFile(dataFile, "inner_product/data_file.txt")] };
            await ProvisionAsync(first);
            await ProvisionAsync(second);
            await MotoAws.PutResultAsync(Session, first.Experiments[0].CompletionMarkerKey, "{}");

            var report = await CleanupAsync(MotoAws.FastCleanup(first));

            // The run's data goes, its experiments' TLS certificates with it (one each, generated by the launcher).
            var removed = report.Of(AwsCleanupReport.ResultObject).Select(o => o.Id).ToList();
            Assert.Equal("s3://automon-experiment-results/first-run/datasets/quadratic/data_file.txt",
                Assert.Single(removed, id => !id.Contains("/datasets/tls/", StringComparison.Ordinal)));
            Assert.Equal(
                first.Experiments.Select(e => $"s3://automon-experiment-results/{first.TlsCertificatePrefix(e)}cluster.pfx").Order(StringComparer.Ordinal),
                removed.Where(id => id.Contains("/datasets/tls/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
            var listing = await Session.S3(MotoAws.NodesRegion).ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request
            {
                BucketName = AwsNaming.DefaultResultsBucket,
            });
            Assert.Equal([first.Experiments[0].CompletionMarkerKey, "second-run/datasets/inner_product/data_file.txt"],
                listing.S3Objects.Select(o => o.Key).Where(k => !k.StartsWith("second-run/datasets/tls/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(dataFile);
        }
    }

    [Fact]
    public async Task Results_bucket_is_kept_by_default()
    {
        var plan = MotoAws.Plan();
        await ProvisionAsync(plan);

        var report = await CleanupAsync(plan);

        Assert.Empty(report.Of(AwsCleanupReport.ResultsBucket));
        var buckets = await Session.S3(MotoAws.NodesRegion).ListBucketsAsync();
        Assert.Contains(buckets.Buckets!, b => b.BucketName == AwsNaming.DefaultResultsBucket);
    }

    [Fact]
    public async Task Failure_part_way_through_provisioning_removes_what_the_run_had_created()
    {
        // The second experiment's membership table cannot be replaced: the first experiment is fully up by then.
        var plan = MotoAws.Plan() with { ErrorBounds = [0.02, 0.05] };
        await MotoAws.CreateConflictingTableAsync(Session, MotoAws.NodesRegion, "inner-product_0-05_membership");

        var error = await Assert.ThrowsAsync<AwsProvisioningException>(() =>
            ProvisionAsync(plan));

        Assert.Contains("DynamoDB table inner-product_0-05_membership in us-east-2 exists but was not made by the launcher",
            error.Message, StringComparison.Ordinal);
        Assert.Equal(["inner-product_0-05_membership"], await MotoAws.TablesAsync(Session, MotoAws.NodesRegion));
        Assert.NotNull(error.Cleanup);
        Assert.Equal(3, error.Cleanup.Of(AwsCleanupReport.EcsTask).Count);
        Assert.Single(error.Cleanup.Of(AwsCleanupReport.Ec2Instance));
        await AssertNothingOfRunLeftAsync("test-run");
    }

    [Fact]
    public async Task Cancelling_provisioning_part_way_removes_what_the_run_had_created()
    {
        using var cancel = new CancellationTokenSource();
        using var log = new CancelOnLine("Experiment inner-product_0-05:", cancel);
        var provisioner = new AwsExperimentProvisioner(Session, log);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            provisioner.ProvisionAsync(MotoAws.Plan(), MotoAws.FastProvision, cancel.Token));

        Assert.Contains("Removed 3 ECS task(s)", log.ToString(), StringComparison.Ordinal);
        await AssertNothingOfRunLeftAsync("test-run");
        Assert.Empty(await MotoAws.TablesAsync(Session, MotoAws.NodesRegion));
    }

    /// <summary>A log that cancels when a line starting with the given text is written (the user pressing Ctrl+C then).</summary>
    private sealed class CancelOnLine(string prefix, CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.StartsWith(prefix, StringComparison.Ordinal) == true)
            {
                cancel.Cancel();
            }
        }
    }
}
