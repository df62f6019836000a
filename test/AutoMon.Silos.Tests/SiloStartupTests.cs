using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AutoMon.Silos.Tests;

/// <summary>A silo that cannot start says why in one line naming the port or endpoint, without Orleans' lifecycle logs or a stack trace.</summary>
[Collection(MotoCollection.Name)]
public sealed class SiloStartupTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public async Task A_silo_port_in_use_is_named_in_one_line()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var silo = SiloProcess.StartAllInOne(port, MotoServer.FreePort(), NoEnvironment);
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        AssertOneLine(silo, string.Create(CultureInfo.InvariantCulture, $"AutoMon silo did not start: --silo-port {port}: 127.0.0.1:{port} is in use"));
    }

    [Fact]
    public async Task A_dynamodb_endpoint_that_refuses_is_named_in_one_line_not_blamed_on_credentials()
    {
        // A port nobody listens on; no AWS credentials in the environment either.
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{MotoServer.FreePort()}");

        await using var silo = SiloProcess.StartAllInOne(new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "" },
            "--membership", "dynamodb", "--dynamodb-service-url", url);
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        AssertOneLine(silo, $"AutoMon silo did not start: --dynamodb-service-url {url}: cannot connect");
        Assert.DoesNotContain("credentials", silo.Output, StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertOneLine(SiloProcess silo, string expected)
    {
        var lines = silo.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Orleans.Runtime", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }
}
