using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using AutoMon.Client;
using AutoMon.Silos.Local;

namespace AutoMon.Launcher.Tests;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_hosts_the_monitor_api_until_cancelled()
    {
        var port = LocalDynamoDB.FreePort();
        var gateway = LocalDynamoDB.FreePort();
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        var run = LauncherApp.RunAsync(["serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--gateway-port", gateway.ToString(CultureInfo.InvariantCulture)], TextWriter.Synchronized(output), TextWriter.Synchronized(error), stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        // Wait for the silo and the API to be up (the command prints its address once they are).
        while (!output.ToString().Contains("/api/monitors", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, $"serve ended early: {error}");
            await Task.Delay(100);
        }

        var created = await http.PostAsJsonAsync("api/monitors", new { id = "m1", function = "inner_product", dimension = 2, errorBound = 0.1, nodes = new[] { "a", "b" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("api/monitors/m1/nodes/a/points", new { points = new[] { new[] { 1.0, 2.0 } } })).StatusCode);
        Assert.Contains("\"m1\"", await http.GetStringAsync("api/monitors"), StringComparison.Ordinal);

        // The .NET client reaches the same monitor through the gateway serve prints, with the default cluster id.
        var endpoint = $"127.0.0.1:{gateway}";
        Assert.Contains($"Orleans gateway for the .NET client: {endpoint} (cluster automon, service automon)", output.ToString(), StringComparison.Ordinal);
        await using (var client = await AutoMonClient.ConnectAsync(AutoMonClientOptions.ForGateways(endpoint)))
        {
            Assert.Equal(1, await client.Node("m1", "b").PushAsync([[3.0, 4.0]]));
            Assert.Equal(2, (await client.GetMonitorAsync("m1"))!.Updates);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Serve_refuses_a_port_out_of_range()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await LauncherApp.RunAsync(["serve", "--port", "70000"], output, error);

        Assert.Equal(1, exitCode);
        Assert.Contains("70000", error.ToString(), StringComparison.Ordinal);
    }
}
