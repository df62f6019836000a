using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// Tests against a fresh moto account: reset, the one-time setup of <see cref="MotoAws.CreateOneTimeSetupAsync"/>, a session,
/// the log provisioning and cleanup write, and a folder of the test's own holding an IAM credentials file for moto;
/// provisioning and cleanup with moto's fast timings.
/// </summary>
public abstract class MotoAccountTests(MotoServerFixture moto) : IAsyncLifetime
{
    protected MotoServerFixture Moto { get; } = moto;

    protected AwsSession Session { get; } = moto.CreateSession();

    /// <summary>What provisioning and cleanup told the person running them.</summary>
    protected StringWriter Log { get; } = new();

    /// <summary>The test's own folder, deleted afterwards.</summary>
    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), "automon-moto-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>The AWS console's credentials CSV (as <c>--credentials-csv</c> reads it), with moto's test keys.</summary>
    protected string CredentialsCsv => Path.Combine(Folder, "new_user_credentials.csv");

    public async Task InitializeAsync()
    {
        await Moto.ResetAsync();
        await MotoAws.CreateOneTimeSetupAsync(Session);
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(CredentialsCsv, "User name,Access key ID,Secret access key\nautomon,testing,testing\n");
        await ArrangeAsync();
    }

    /// <summary>What a test class adds to the account before each test.</summary>
    protected virtual Task ArrangeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Session.Dispose();
        Log.Dispose();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    protected Task<AwsProvisioningResult> ProvisionAsync(AwsExperimentPlan plan) =>
        new AwsExperimentProvisioner(Session, Log).ProvisionAsync(plan, MotoAws.FastProvision);

    protected Task<AwsCleanupReport> CleanupAsync(AwsExperimentPlan plan) => CleanupAsync(MotoAws.FastCleanup(plan));

    protected Task<AwsCleanupReport> CleanupAsync(AwsCleanupRequest request) => new AwsCleanup(Session, Log).CleanupAsync(request);
}
