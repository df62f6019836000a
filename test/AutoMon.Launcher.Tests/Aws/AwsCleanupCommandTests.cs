using AutoMon.Launcher.Aws;
using AutoMon.Launcher.Commands;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// <c>automon cleanup</c> never removes every run's resources by surprise: <c>--dry-run</c> lists and removes nothing;
/// without <c>--run-id</c> it asks at a terminal, takes <c>--yes</c>, and refuses when it cannot ask.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsCleanupCommandTests(MotoServerFixture moto) : MotoAccountTests(moto)
{
    private readonly AwsExperimentPlan _plan = MotoAws.Plan();

    protected override Task ArrangeAsync() => ProvisionAsync(_plan);

    private async Task<(int Code, string Output, string Error)> CleanupAsync(UserInput input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await LauncherApp.RunAsync(["cleanup", .. args, "--aws-endpoint", Moto.Endpoint.ToString(), "--credentials-csv", CredentialsCsv],
            output, error, input);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The run provisioned in <see cref="InitializeAsync"/> is all still there.</summary>
    private async Task AssertTheRunIsUntouchedAsync()
    {
        Assert.Equal(6, (await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion)).Count);
        Assert.Equal(2, (await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion)).Count);
        Assert.Equal(2, (await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion)).Count);
        Assert.Equal(6, (await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.NodesRegion)).Count);
        Assert.Equal(2, (await MotoAws.TablesAsync(Session, MotoAws.NodesRegion)).Count);
        Assert.Equal(2, (await Session.Logs(MotoAws.NodesRegion).DescribeLogGroupsAsync()).Count);
        Assert.Equal(2, (await MotoAws.RunSecurityGroupsAsync(Session, MotoAws.NodesRegion)).Count);
    }

    [Fact]
    public async Task Dry_run_lists_what_cleanup_would_remove_and_removes_nothing()
    {
        var (code, output, error) = await CleanupAsync(UserInput.None, "--dry-run", "--delete-results-bucket");

        Assert.True(code == 0, error);
        Assert.Contains("Would remove 6 ECS task(s):", output, StringComparison.Ordinal);
        Assert.Contains("Would remove 2 EC2 instance(s):", output, StringComparison.Ordinal);
        Assert.Contains("Would remove 2 DynamoDB table(s): inner-product_0-02_membership (us-east-2), inner-product_0-05_membership (us-east-2)",
            output, StringComparison.Ordinal);
        Assert.Contains($"Would remove 1 S3 bucket(s): {AwsNaming.DefaultResultsBucket} (us-east-2)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Removed ", output, StringComparison.Ordinal);
        Assert.Contains("Dry run: nothing was removed.", output, StringComparison.Ordinal);
        await AssertTheRunIsUntouchedAsync();
        var buckets = await Session.S3(MotoAws.NodesRegion).ListBucketsAsync();
        Assert.Contains(buckets.Buckets!, b => b.BucketName == AwsNaming.DefaultResultsBucket);
    }

    [Fact]
    public async Task Without_run_id_yes_or_a_terminal_cleanup_refuses_before_any_AWS_call()
    {
        var (code, output, error) = await CleanupAsync(UserInput.None);

        Assert.Equal(1, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: cleanup without --run-id removes the resources of every AutoMon run", line, StringComparison.Ordinal);
        Assert.Contains("pass --yes", line, StringComparison.Ordinal);
        Assert.Empty(output);
        await AssertTheRunIsUntouchedAsync();
    }

    [Fact]
    public async Task At_a_terminal_cleanup_shows_what_it_would_remove_and_a_no_keeps_everything()
    {
        var (code, output, _) = await CleanupAsync(new UserInput(new StringReader("n\n"), IsTerminal: true));

        Assert.Equal(1, code);
        Assert.Contains("Would remove 6 ECS task(s):", output, StringComparison.Ordinal);
        Assert.Contains("of every AutoMon run? [y/N]", output, StringComparison.Ordinal);
        Assert.Contains("Nothing was removed.", output, StringComparison.Ordinal);
        await AssertTheRunIsUntouchedAsync();
    }

    [Fact]
    public async Task At_a_terminal_a_yes_removes_every_runs_resources()
    {
        var (code, output, error) = await CleanupAsync(new UserInput(new StringReader("yes\n"), IsTerminal: true));

        Assert.True(code == 0, error);
        Assert.Contains("Removed 6 ECS task(s):", output, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion));
        Assert.Empty(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
    }

    [Fact]
    public async Task With_yes_cleanup_removes_every_runs_resources_without_asking()
    {
        var (code, output, error) = await CleanupAsync(new UserInput(new StringReader(""), IsTerminal: true), "--yes");

        Assert.True(code == 0, error);
        Assert.DoesNotContain("[y/N]", output, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion));
        Assert.Empty(await MotoAws.TablesAsync(Session, MotoAws.NodesRegion));
    }

    [Fact]
    public async Task One_runs_cleanup_needs_no_confirmation()
    {
        var (code, output, error) = await CleanupAsync(UserInput.None, "--run-id", _plan.RunId);

        Assert.True(code == 0, error);
        Assert.Contains("Removed 6 ECS task(s):", output, StringComparison.Ordinal);
        Assert.Empty(await MotoAws.RunningTasksAsync(Session, MotoAws.NodesRegion));
    }
}
