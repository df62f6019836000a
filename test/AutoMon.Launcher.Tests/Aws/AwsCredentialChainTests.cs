using System.Net;
using System.Security.Cryptography;
using System.Text;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// Without <c>--credentials-csv</c> the launcher takes the SDK's credential chain, which ops/README.md says covers IAM
/// Identity Center (SSO) profiles: a profile with an <c>sso_session</c> and a cached login (<c>aws sso login</c>) gets its
/// role credentials from the SSO portal. The portal here is a stand-in on 127.0.0.1. In the moto collection: the
/// environment it changes is read by the other credential-chain test there.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsCredentialChainTests(MotoServerFixture moto)
{
    [Fact]
    public async Task An_sso_profile_resolves_through_the_sdk_to_the_portals_role_credentials_and_signs_calls()
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

        var saved = new[] { "HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_ENDPOINT_URL_SSO",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" }
            .ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("HOME", home);
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", config);
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(home, ".aws", "credentials"));
            Environment.SetEnvironmentVariable("AWS_PROFILE", "automon-sso");
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SSO", $"http://127.0.0.1:{port}");
            foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" })
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            using var session = AwsSession.Open(moto.Options);
            var credentials = await session.Credentials.GetCredentialsAsync();

            Assert.Equal(("AKIDFROMSSO", "tokenfromsso"), (credentials.AccessKey, credentials.Token));
            Assert.Equal("cached-sso-token", bearer);
            Assert.Equal("123456789012", await session.GetAccountIdAsync("us-east-2"));
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
            portal.Stop();
            await Task.WhenAny(serving, Task.Delay(TimeSpan.FromSeconds(5)));
            Directory.Delete(home, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
