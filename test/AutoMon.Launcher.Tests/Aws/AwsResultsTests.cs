using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>The <c>--block</c> behaviour against moto: skip experiments whose results are in S3, wait for the rest, download.</summary>
[Collection(MotoCollection.Name)]
public sealed class AwsResultsTests(MotoServerFixture moto) : MotoAccountTests(moto)
{
    private string Download => Path.Combine(Folder, "download");

    private AwsExperimentProvisioner Provisioner() => new(Session);

    private static AwsExperimentPlan ThreeBounds() => MotoAws.Plan() with { ErrorBounds = [0.02, 0.05, 0.1] };

    /// <summary>What a finished coordinator leaves in S3: its files, then the completion marker.</summary>
    private async Task CompleteAsync(AwsExperiment experiment)
    {
        await MotoAws.PutResultAsync(Session, experiment.ResultsPrefix + "coordinator/results.csv", "eb," + experiment.Name);
        await MotoAws.PutResultAsync(Session, experiment.ResultsPrefix + "nodes/node_0/node.log", "node 0");
        await MotoAws.PutResultAsync(Session, experiment.CompletionMarkerKey, "{\"max_error\": 0.01}");
    }

    [Fact]
    public async Task Block_skips_experiments_whose_results_are_already_in_S3()
    {
        var plan = ThreeBounds();
        await CompleteAsync(plan.Experiments[1]);

        var result = await Provisioner().ProvisionAsync(plan,
            MotoAws.FastProvision with { SkipExperimentsWithResults = true });

        Assert.Equal(["inner-product_0-05"], result.SkippedAlreadyInS3.Select(e => e.Name));
        Assert.Equal([0.02, 0.1], result.Started.Select(s => s.Experiment.ErrorBound));
        Assert.Equal(["inner-product_0-02_us-east-2", "inner-product_0-1_us-east-2"],
            (await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion)).Select(c => c.ClusterName)
            .Order(StringComparer.Ordinal));
        Assert.Equal(6, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
    }

    [Fact]
    public async Task Block_starts_nothing_when_every_experiment_has_results()
    {
        var plan = ThreeBounds();
        foreach (var experiment in plan.Experiments)
        {
            await CompleteAsync(experiment);
        }

        var result = await Provisioner().ProvisionAsync(plan,
            MotoAws.FastProvision with { SkipExperimentsWithResults = true });

        Assert.Empty(result.Started);
        Assert.Equal(3, result.SkippedAlreadyInS3.Count);
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion));
        Assert.Empty(await MotoAws.RunSecurityGroupsAsync(Session, MotoAws.NodesRegion));
    }

    [Fact]
    public async Task Results_without_the_completion_marker_do_not_count_as_done()
    {
        var plan = ThreeBounds();
        await MotoAws.PutResultAsync(Session, plan.Experiments[0].ResultsPrefix + "coordinator/results.csv", "partial");

        Assert.Empty(await Provisioner().FindExperimentsWithResultsAsync(plan));
    }

    [Fact]
    public async Task Waiting_polls_until_every_experiment_is_done_thenDownloads_each_into_its_folder()
    {
        var plan = ThreeBounds();
        await CompleteAsync(plan.Experiments[0]);
        var looks = new List<AwsResultsProgress>();
        var progress = new SynchronousProgress<AwsResultsProgress>(p =>
        {
            looks.Add(p);
            if (looks.Count == 2)
            {
                // The remaining coordinators finish while the launcher waits.
                CompleteAsync(plan.Experiments[1]).GetAwaiter().GetResult();
                CompleteAsync(plan.Experiments[2]).GetAwaiter().GetResult();
            }
        });

        var downloaded = await Provisioner().WaitForResultsAsync(plan, Download, new AwsWaitOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10),
            Timeout = TimeSpan.FromSeconds(30),
            Progress = progress,
            FailWhenCoordinatorGone = false, // nothing was provisioned: the results appear by themselves here
        });

        Assert.Equal([1, 1, 3], looks.Select(p => p.Completed));
        Assert.Equal(["inner-product_0-05", "inner-product_0-1"], looks[0].Pending);
        Assert.Equal(9, downloaded.Files.Count);
        var folder = downloaded.FolderByExperiment["inner-product_0-05"];
        Assert.Equal(Path.Combine(Download, "error_bound_0.05"), folder);
        Assert.Equal("eb,inner-product_0-05", await File.ReadAllTextAsync(Path.Combine(folder, "coordinator", "results.csv")));
        Assert.Equal("node 0", await File.ReadAllTextAsync(Path.Combine(folder, "nodes", "node_0", "node.log")));
        Assert.True(File.Exists(Path.Combine(folder, "coordinator", "summary.json")));
    }

    [Fact]
    public async Task Waiting_gives_up_after_the_timeout_naming_the_missing_experiments()
    {
        var plan = ThreeBounds();
        await CompleteAsync(plan.Experiments[2]);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Provisioner().WaitForResultsAsync(plan, Download,
            new AwsWaitOptions
            {
                PollInterval = TimeSpan.FromMilliseconds(10),
                Timeout = TimeSpan.FromMilliseconds(200),
                FailWhenCoordinatorGone = false,
            }));

        Assert.Contains("2 experiment(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("inner-product_0-02, inner-product_0-05", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_stops_when_cancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Provisioner().WaitForResultsAsync(ThreeBounds(),
            Download, new AwsWaitOptions { PollInterval = TimeSpan.FromMilliseconds(20), FailWhenCoordinatorGone = false },
            cancel.Token));
    }

    [Fact]
    public async Task Waiting_stops_with_an_error_when_a_coordinator_died_without_results()
    {
        var plan = ThreeBounds();
        var provisioned = await Provisioner().ProvisionAsync(plan, MotoAws.FastProvision);
        await CompleteAsync(plan.Experiments[0]);
        var crashed = provisioned.Started[1].CoordinatorInstanceId!;
        await Session.Ec2(MotoAws.CoordinatorRegion).TerminateInstancesAsync(
            new Amazon.EC2.Model.TerminateInstancesRequest { InstanceIds = [crashed] });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Provisioner().WaitForResultsAsync(plan,
            Download, new AwsWaitOptions { PollInterval = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromSeconds(30) }));

        Assert.StartsWith("The coordinator of inner-product_0-05 is no longer running", error.Message, StringComparison.Ordinal);
        Assert.Contains("log group(s) inner-product_0-05 in us-east-2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_goes_on_while_the_coordinators_run()
    {
        var plan = ThreeBounds() with { CoordinatorHost = AwsCoordinatorHost.Fargate };
        await Provisioner().ProvisionAsync(plan, MotoAws.FastProvision);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Provisioner().WaitForResultsAsync(plan, Download,
            new AwsWaitOptions { PollInterval = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromMilliseconds(300) }));

        Assert.Contains("3 experiment(s)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("coordinator/../../x")]
    [InlineData("a//b")]
    public void Keys_that_would_escape_theDownload_folder_are_refused(string relativeKey) =>
        Assert.Throws<InvalidDataException>(() =>
            AwsResultsStore.LocalPathFor(Path.GetTempPath(), relativeKey, "prefix/" + relativeKey));

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
