using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// Before a run creates anything, the launcher checks the one-time setup it relies on (ops/README.md step 2): the Fargate
/// tasks' two roles and the EC2 coordinator's instance profile. A missing one is named, with the step that creates it,
/// and nothing at all is created.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsPreflightTests(MotoServerFixture moto) : IAsyncLifetime
{
    private readonly AwsSession _session = moto.CreateSession();

    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync()
    {
        _session.Dispose();
        return Task.CompletedTask;
    }

    private async Task AssertNothingCreatedAsync()
    {
        foreach (var region in new[] { MotoAws.NodesRegion, MotoAws.CoordinatorRegion })
        {
            Assert.Empty(await MotoAws.ActiveClustersAsync(_session, region));
            Assert.Empty(await MotoAws.ActiveTaskDefinitionsAsync(_session, region));
            Assert.Empty(await MotoAws.LiveInstancesAsync(_session, region));
            Assert.Empty(await MotoAws.RunSecurityGroupsAsync(_session, region));
            Assert.Empty(await MotoAws.TablesAsync(_session, region));
            Assert.Empty(await _session.Logs(region).DescribeLogGroupsAsync());
        }
        Assert.Empty((await _session.S3(MotoAws.NodesRegion).ListBucketsAsync()).Buckets ?? []);
    }

    [Fact]
    public async Task A_missing_task_role_is_named_with_its_setup_step_before_anything_is_created()
    {
        await MotoAws.CreateRoleAsync(_session, MotoAws.ExecutionRole);
        await MotoAws.CreateInstanceProfileAsync(_session);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new AwsExperimentProvisioner(_session).ProvisionAsync(MotoAws.Plan(), MotoAws.FastProvision));

        Assert.Contains($"IAM role '{MotoAws.TaskRole}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(MotoAws.ExecutionRole, error.Message, StringComparison.Ordinal);
        Assert.Contains("ops/README.md, \"One-time setup\", step 2", error.Message, StringComparison.Ordinal);
        await AssertNothingCreatedAsync();
    }

    [Fact]
    public async Task Every_missing_role_and_the_instance_profile_are_named_at_once()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new AwsExperimentProvisioner(_session).ProvisionAsync(MotoAws.Plan(), MotoAws.FastProvision));

        Assert.Contains($"IAM role '{MotoAws.ExecutionRole}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"IAM role '{MotoAws.TaskRole}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"IAM instance profile '{MotoAws.InstanceProfile}'", error.Message, StringComparison.Ordinal);
        await AssertNothingCreatedAsync();
    }

    [Fact]
    public async Task A_fargate_coordinator_needs_no_instance_profile()
    {
        await MotoAws.CreateRoleAsync(_session, MotoAws.ExecutionRole);
        await MotoAws.CreateRoleAsync(_session, MotoAws.TaskRole);

        var result = await new AwsExperimentProvisioner(_session)
            .ProvisionAsync(MotoAws.Plan(host: AwsCoordinatorHost.Fargate), MotoAws.FastProvision);

        Assert.Equal(2, result.Started.Count);
    }

    [Fact]
    public async Task The_command_line_says_what_is_missing_in_one_line()
    {
        await MotoAws.CreateRoleAsync(_session, MotoAws.ExecutionRole);
        await MotoAws.CreateRoleAsync(_session, MotoAws.TaskRole);
        var csv = Path.Combine(Path.GetTempPath(), $"automon-preflight-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(csv, "User name,Access key ID,Secret access key\nautomon,testing,testing\n");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = await LauncherApp.RunAsync(["--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3",
                "--coordinator-image", MotoAws.ImageId, "--aws-endpoint", moto.Endpoint.ToString(), "--credentials-csv", csv], output, error);

            Assert.Equal(1, code);
            var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: The run needs IAM instance profile '{MotoAws.InstanceProfile}'", line, StringComparison.Ordinal);
            await AssertNothingCreatedAsync();
        }
        finally
        {
            File.Delete(csv);
        }
    }
}
