using System.Net;
using System.Net.Sockets;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>What a user sees when something is wrong: unreachable endpoint, AWS errors, bad plans, credentials files.</summary>
[Collection(MotoCollection.Name)]
public sealed class AwsErrorPathTests(MotoServerFixture moto) : IAsyncLifetime
{
    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
    }

    [Fact]
    public async Task Unreachable_endpoint_is_named_before_anything_is_attempted()
    {
        var endpoint = ClosedPort();
        using var session = AwsSession.Create(moto.Options with { Endpoint = endpoint }, MotoServerFixture.Credentials);

        var error = await Assert.ThrowsAsync<AwsEndpointUnreachableException>(() =>
            new AwsExperimentProvisioner(session).ProvisionAsync(MotoAws.Plan()));

        Assert.Equal(endpoint, error.Endpoint);
        Assert.StartsWith($"AWS endpoint {endpoint} is unreachable (sts GetCallerIdentity in us-east-2, 3 attempt(s))",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_endpoint_through_an_SDK_client_is_named_too()
    {
        var endpoint = ClosedPort();
        using var session = AwsSession.Create(moto.Options with { Endpoint = endpoint }, MotoServerFixture.Credentials);

        var error = await Assert.ThrowsAsync<AwsEndpointUnreachableException>(() =>
            new AwsExperimentProvisioner(session).FindExperimentsWithResultsAsync(MotoAws.Plan()));

        Assert.Equal(endpoint, error.Endpoint);
        Assert.Equal(("s3", "ListObjectsV2"), (error.Service, error.Action));
    }

    [Fact]
    public async Task Ecs_error_is_surfaced_with_its_code_status_and_message()
    {
        using var session = moto.CreateSession();

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            session.Ecs("us-east-2").DeleteClusterAsync("no-such-cluster"));

        Assert.Equal(("ecs", "DeleteCluster", "us-east-2"), (error.Service, error.Action, error.Region));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("ClusterNotFoundException", error.ErrorCode);
        Assert.StartsWith("AWS ecs DeleteCluster in us-east-2 failed: HTTP 400 ClusterNotFoundException: ", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_error_is_surfaced_with_its_code()
    {
        using var session = moto.CreateSession();

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            session.Logs("us-east-2").DeleteLogGroupAsync("no-such-group"));

        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
    }

    [Fact]
    public async Task Sdk_client_errors_read_like_our_own()
    {
        using var session = moto.CreateSession();
        var plan = MotoAws.Plan() with { ResultsBucket = "no-such-bucket-here" };

        var done = await new AwsExperimentProvisioner(session).FindExperimentsWithResultsAsync(plan);

        Assert.Empty(done); // NoSuchBucket: nothing has results yet
        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            new AwsExperimentProvisioner(session).DownloadResultsAsync(plan, Path.GetTempPath()));
        Assert.Equal(("s3", "ListObjectsV2", "NoSuchBucket"), (error.Service, error.Action, error.ErrorCode));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Invalid_plan_is_rejected_before_any_call()
    {
        using var session = AwsSession.Create(moto.Options with { Endpoint = ClosedPort() }, MotoServerFixture.Credentials);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            new AwsExperimentProvisioner(session).ProvisionAsync(MotoAws.Plan() with { ErrorBounds = [-1.0] }));

        Assert.Contains("error bound -1 must be a finite number in (0, 1e15)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_csv_signs_requests_that_moto_accepts()
    {
        var csv = Path.Combine(Path.GetTempPath(), $"creds-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(csv,
        [
            "User name,Password,Access key ID,Secret access key,Console login link",
            "automon,,AKIDFROMCSV,secretfromcsv,https://example.invalid/console",
        ]);
        try
        {
            using var session = AwsSession.Open(moto.Options with { CredentialsCsvPath = csv });

            Assert.Equal("AKIDFROMCSV", (await session.Credentials.GetCredentialsAsync()).AccessKey);
            Assert.Equal("123456789012", await session.GetAccountIdAsync("us-west-2"));
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public async Task Without_a_csv_the_standard_credential_chain_is_used()
    {
        var saved = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"),
            Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "secretfromenvironment");
        try
        {
            using var session = AwsSession.Open(moto.Options);

            Assert.Equal("AKIDFROMENVIRONMENT", (await session.Credentials.GetCredentialsAsync()).AccessKey);
            Assert.Equal("123456789012", await session.GetAccountIdAsync("us-east-2"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", saved.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", saved.Item2);
        }
    }

    [Fact]
    public void Endpoint_that_is_not_an_http_url_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            AwsSession.Create(new AwsConnectionOptions { Endpoint = new Uri("ftp://127.0.0.1/") }, MotoServerFixture.Credentials));

        Assert.Contains("--aws-endpoint 'ftp://127.0.0.1/' is not an absolute http(s) URL", error.Message,
            StringComparison.Ordinal);
    }
}
