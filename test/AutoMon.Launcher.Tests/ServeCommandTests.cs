using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
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

        // No key given: serve generates one, prints it with the page's URL carrying it, and the API requires it.
        var key = PrintedKey(output.ToString());
        Assert.Contains($"the live page at http://127.0.0.1:{port}/#key={key},", output.ToString(), StringComparison.Ordinal);
        var definition = new { id = "m1", function = "inner_product", dimension = 2, errorBound = 0.1, nodes = new[] { "a", "b" } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("api/monitors", definition)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var created = await http.PostAsJsonAsync("api/monitors", definition);
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
    public async Task Serve_with_demo_hosts_the_demo_monitor_whose_updates_grow()
    {
        var port = LocalDynamoDB.FreePort();
        var gateway = LocalDynamoDB.FreePort();
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource();
        var run = LauncherApp.RunAsync(["serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--gateway-port", gateway.ToString(CultureInfo.InvariantCulture), "--demo"], TextWriter.Synchronized(output), TextWriter.Synchronized(error), stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        while (!output.ToString().Contains("/api/monitors", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, $"serve ended early: {error}");
            await Task.Delay(100);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PrintedKey(output.ToString()));

        // The demo monitor exists once serve is up, and says where it is.
        Assert.Contains($"Demo monitor: http://127.0.0.1:{port}/api/monitors/demo", output.ToString(), StringComparison.Ordinal);
        using var list = JsonDocument.Parse(await http.GetStringAsync("api/monitors"));
        var demo = list.RootElement.EnumerateArray().Single(m => m.GetProperty("id").GetString() == "demo");
        var updates = demo.GetProperty("updates").GetInt64();

        // The producer keeps pushing: its truth events on the monitor's stream show the updates growing past the listing's.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await http.GetAsync("api/monitors/demo/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var later = updates;
        string? type = null;
        while (later <= updates + 8 && await events.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                type = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal) && type == "truth")
            {
                using var truth = JsonDocument.Parse(line["data:".Length..]);
                later = truth.RootElement.GetProperty("updates").GetInt64();
                Assert.True(double.IsFinite(truth.RootElement.GetProperty("trueValue").GetDouble()));
            }
            else if (line.Length == 0)
            {
                type = null;
            }
        }

        Assert.True(later > updates + 8, $"updates went from {updates} to {later}");
        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Serve_with_an_api_key_file_requires_that_key_and_prints_none()
    {
        var keyFile = Path.GetTempFileName();
        const string key = "serve-test-key-0123456789";
        await File.WriteAllTextAsync(keyFile, key + "\n");
        try
        {
            var (http, output, stop, run) = await StartAsync(["--api-key-file", keyFile]);
            using (http)
            using (stop)
            {
                Assert.Contains($"API key: the one in {keyFile}", output.ToString(), StringComparison.Ordinal);
                Assert.DoesNotContain(key, output.ToString(), StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/monitors")).StatusCode);
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "serve-test-key-0123456788");
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/monitors")).StatusCode);
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/monitors")).StatusCode);

                await stop.CancelAsync();
                Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
            }
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task Serve_with_no_auth_says_so_and_needs_no_key()
    {
        var (http, output, stop, run) = await StartAsync(["--no-auth"]);
        using (http)
        using (stop)
        {
            Assert.Contains("Authentication is off (--no-auth)", output.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("API key", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/monitors")).StatusCode);

            await stop.CancelAsync();
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        }
    }

    [Theory]
    [InlineData("short", "at least 16")]
    [InlineData(null, "choose one")]
    public async Task Serve_refuses_an_unfit_key_file_or_a_key_file_with_no_auth(string? content, string expected)
    {
        var keyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(keyFile, content ?? "serve-test-key-0123456789");
        try
        {
            using var output = new StringWriter(CultureInfo.InvariantCulture);
            using var error = new StringWriter(CultureInfo.InvariantCulture);
            string[] args = content is null ? ["serve", "--api-key-file", keyFile, "--no-auth"] : ["serve", "--api-key-file", keyFile];

            Assert.Equal(1, await LauncherApp.RunAsync(args, output, error));
            Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(keyFile);
        }
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

    // The key serve generated, from its first line.
    private static string PrintedKey(string output)
    {
        var match = Regex.Match(output, @"API key \(generated for this run\): ([A-Za-z0-9_-]{43})\r?\n");
        Assert.True(match.Success, $"serve prints the key it generated: {output}");
        return match.Groups[1].Value;
    }

    // serve with the extra arguments on free ports, once it is up.
    private static async Task<(HttpClient Http, StringWriter Output, CancellationTokenSource Stop, Task<int> Run)> StartAsync(string[] extra)
    {
        var port = LocalDynamoDB.FreePort();
        var gateway = LocalDynamoDB.FreePort();
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        var stop = new CancellationTokenSource();
        var run = LauncherApp.RunAsync(
            ["serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--gateway-port", gateway.ToString(CultureInfo.InvariantCulture), .. extra],
            TextWriter.Synchronized(output), TextWriter.Synchronized(error), stop.Token);
        while (!output.ToString().Contains("/api/monitors", StringComparison.Ordinal))
        {
            Assert.False(run.IsCompleted, $"serve ended early: {error}");
            await Task.Delay(100);
        }

        return (new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") }, output, stop, run);
    }
}
