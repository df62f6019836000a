using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// Without <c>--credentials-csv</c> the launcher takes the SDK's credential chain, which ops/README.md says covers IAM
/// Identity Center (SSO) profiles: a profile with an <c>sso_session</c> and a cached login (<c>aws sso login</c>) gets its
/// role credentials from the SSO portal (a stand-in on 127.0.0.1 here), and the launcher's calls go out with them.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsCredentialChainTests(MotoServerFixture moto)
{
    [Fact]
    public async Task An_sso_profile_resolves_through_the_sdk_to_the_portals_role_credentials()
    {
        var home = Directory.CreateTempSubdirectory("automon-sso-home-").FullName;
        var port = FreePort();
        using var portal = new HttpListener();
        portal.Prefixes.Add($"http://127.0.0.1:{port}/");
        portal.Start();
        string? bearer = null;
        var serving = Task.Run(async () =>
        {
            var context = await portal.GetContextAsync();
            bearer = context.Request.Headers["x-amz-sso_bearer_token"];
            var expiration = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
            var body = Encoding.UTF8.GetBytes(
                $$$"""{"roleCredentials":{"accessKeyId":"AKIDFROMSSO","secretAccessKey":"secretfromsso","sessionToken":"tokenfromsso","expiration":{{{expiration}}}}}""");
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        });
        var config = Path.Combine(home, ".aws", "config");
        Directory.CreateDirectory(Path.Combine(home, ".aws", "sso", "cache"));
        await File.WriteAllTextAsync(config, """
            [profile automon-sso]
            sso_session = automon
            sso_account_id = 123456789012
            sso_role_name = AutoMonLauncher
            region = us-east-2

            [sso-session automon]
            sso_region = us-east-2
            sso_start_url = https://example.awsapps.com/start
            sso_registration_scopes = sso:account:access
            """);
        // What `aws sso login` leaves: the session's access token, cached under the SHA-1 of the session name.
        var cacheFile = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes("automon"))) + ".json";
        await File.WriteAllTextAsync(Path.Combine(home, ".aws", "sso", "cache", cacheFile), $$"""
            {"startUrl":"https://example.awsapps.com/start","region":"us-east-2","accessToken":"cached-sso-token",
             "expiresAt":"{{DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}}"}
            """);

        // The SDK reads the profile files' locations once per process: the launcher runs as its own process, as a user runs it.
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "automon.dll"), "cleanup", "--dry-run", "--run-id", "sso-check",
                     "--aws-endpoint", moto.Endpoint.ToString(),
                 })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["HOME"] = home;
        start.Environment["AWS_CONFIG_FILE"] = config;
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(home, ".aws", "credentials");
        start.Environment["AWS_PROFILE"] = "automon-sso";
        start.Environment["AWS_ENDPOINT_URL_SSO"] = $"http://127.0.0.1:{port}";
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) &&
                     k is not ("AWS_CONFIG_FILE" or "AWS_SHARED_CREDENTIALS_FILE" or "AWS_PROFILE" or "AWS_ENDPOINT_URL_SSO")).ToList())
        {
            start.Environment.Remove(name);
        }
        try
        {
            using var launcher = Process.Start(start)!;
            var output = launcher.StandardOutput.ReadToEndAsync();
            var error = launcher.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await launcher.WaitForExitAsync(timeout.Token);

            Assert.True(launcher.ExitCode == 0, await error);
            Assert.Contains("Nothing to remove.", await output, StringComparison.Ordinal);
            await serving.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal("cached-sso-token", bearer);
        }
        finally
        {
            portal.Stop();
            Directory.Delete(home, recursive: true);
        }
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } current && Path.GetFileName(current) == "dotnet" ? current : "dotnet";

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
