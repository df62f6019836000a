using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AutoMon.Silos.Tests.Service;

/// <summary>The service's event stream (<c>GET /api/monitors/{id}/events</c>) and Prometheus metrics (<c>GET /metrics</c>).</summary>
[Collection(ServiceCollection.Name)]
public sealed class MonitorEventsAndMetricsTests(ServiceFixture service)
{
    // A safety net against a hung stream only: every read below waits for an event the test itself has caused.
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(60);

    private HttpClient Http => service.Http;

    [Fact]
    public async Task The_event_stream_shows_the_monitor_then_the_sync_and_estimate_a_push_causes_and_ends_on_delete()
    {
        const string id = "events-1";
        Assert.Equal(HttpStatusCode.Created, (await Create(id)).StatusCode);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var response = await Http.GetAsync($"api/monitors/{id}/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        // The first event is the monitor as it is: once it has arrived, the stream is subscribed.
        var first = await NextEvent(events, timeout.Token);
        Assert.Equal("snapshot", (string?)first["kind"]);
        Assert.Equal(id, (string?)first["id"]);
        Assert.Null(first["estimate"]);

        // a's first point waits for b's; b's completes the first full sync, which sets the estimate.
        Assert.Equal(HttpStatusCode.OK, (await Push(id, "a", [[1, 2]])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Push(id, "b", [[3, 4]])).StatusCode);
        var sync = await NextEvent(events, timeout.Token);
        Assert.Equal("full_sync", (string?)sync["kind"]);
        Assert.Equal(1, (long)sync["fullSyncs"]!);
        var estimate = await NextEvent(events, timeout.Token);
        Assert.Equal("estimate", (string?)estimate["kind"]);

        var monitor = await Json(await Http.GetAsync($"api/monitors/{id}"));
        Assert.NotNull(monitor["estimate"]);
        Assert.Equal((double)monitor["estimate"]!, (double)estimate["estimate"]!);
        foreach (var field in new[] { "updates", "messages", "fullSyncs", "lazySyncs", "violations" })
        {
            Assert.Equal((long)monitor[field]!, (long)estimate[field]!);
        }

        Assert.Equal(["a", "b"], estimate["nodes"]!.AsArray().Select(n => (string?)n!["id"]));

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"api/monitors/{id}")).StatusCode);
        var deleted = await NextEvent(events, timeout.Token);
        Assert.Equal("deleted", (string?)deleted["kind"]);
        Assert.Equal(2, (long)deleted["updates"]!);
        Assert.Null(await events.ReadLineAsync(timeout.Token));
    }

    [Fact]
    public async Task The_events_of_an_unknown_monitor_are_404()
    {
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var response = await Http.GetAsync("api/monitors/no-such-monitor/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no monitor 'no-such-monitor'", (string?)(await Json(response))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_count_each_monitors_updates_violations_messages_and_syncs_in_prometheus_text()
    {
        const string id = "metrics-1";
        Assert.Equal(HttpStatusCode.Created, (await Create(id)).StatusCode);
        var before = await Scrape();
        Assert.Equal(HttpStatusCode.OK, (await Push(id, "a", [[1, 2], [1.5, 2], [2, 2]])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Push(id, "b", [[3, 4], [30, 40]])).StatusCode);

        var after = await Scrape();
        var monitor = await Json(await Http.GetAsync($"api/monitors/{id}"));
        Assert.Equal(5, Value(after, "automon_updates_total", id) - Value(before, "automon_updates_total", id));
        Assert.Equal((long)monitor["violations"]!, Value(after, "automon_violations_total", id));
        Assert.Equal((long)monitor["messages"]!, Value(after, "automon_messages_total", id));
        Assert.Equal((long)monitor["fullSyncs"]!, Value(after, "automon_full_syncs_total", id));
        Assert.Equal((long)monitor["lazySyncs"]!, Value(after, "automon_lazy_syncs_total", id));
        Assert.True((long)monitor["fullSyncs"]! >= 1);
        Assert.Contains("# TYPE automon_updates_total counter", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_violation_another_node_can_balance_is_a_lazy_sync_event_and_counted_in_the_metrics()
    {
        const string id = "lazy-1";
        var created = await Http.PostAsJsonAsync("api/monitors", new
        {
            id, function = "inner_product", dimension = 2, errorBound = 0.1, nodes = new[] { "a", "b", "c" }, sync = "lazy-lru",
            adaptive = false, // a lazy sync of the paper's protocol, not the fallback's switch this early
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var response = await Http.GetAsync($"api/monitors/{id}/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("snapshot", (string?)(await NextEvent(events, timeout.Token))["kind"]);

        // Every node at (1, 1): the first full sync puts x0 there, f(x0) = 1.
        foreach (var node in new[] { "a", "b", "c" })
        {
            Assert.Equal(HttpStatusCode.OK, (await Push(id, node, [[1, 1]])).StatusCode);
        }

        Assert.Equal("full_sync", (string?)(await NextEvent(events, timeout.Token))["kind"]);
        var estimate = await NextEvent(events, timeout.Token);
        Assert.Equal("estimate", (string?)estimate["kind"]);

        // a alone at (1.15, 1) leaves its safe zone (f = 1.15 > 1 + ε), but a with the least recently synced other node
        // averages to (1.075, 1), inside: the coordinator balances their slack instead of syncing all three.
        Assert.Equal(HttpStatusCode.OK, (await Push(id, "a", [[1.15, 1]])).StatusCode);
        var lazy = await NextEvent(events, timeout.Token);
        Assert.Equal("lazy_sync", (string?)lazy["kind"]);

        var monitor = await Json(await Http.GetAsync($"api/monitors/{id}"));
        Assert.Equal(1, (long)monitor["lazySyncs"]!);
        Assert.Equal(1, (long)monitor["fullSyncs"]!);
        foreach (var field in new[] { "updates", "messages", "fullSyncs", "lazySyncs", "violations" })
        {
            Assert.Equal((long)monitor[field]!, (long)lazy[field]!);
        }

        // A lazy sync leaves x0, so the estimate too.
        Assert.Equal((double)estimate["estimate"]!, (double)lazy["estimate"]!);
        Assert.Equal((double)estimate["estimate"]!, (double)monitor["estimate"]!);
        Assert.Equal((long)monitor["lazySyncs"]!, Value(await Scrape(), "automon_lazy_syncs_total", id));
    }

    private Task<HttpResponseMessage> Create(string id) =>
        Http.PostAsJsonAsync("api/monitors", new { id, function = "inner_product", dimension = 2, errorBound = 0.1, nodes = new[] { "a", "b" } });

    private Task<HttpResponseMessage> Push(string monitor, string node, double[][] points) =>
        Http.PostAsJsonAsync($"api/monitors/{monitor}/nodes/{node}/points", new { points });

    private async Task<string> Scrape()
    {
        var response = await Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    // The sample of `name` labelled with the monitor (0 when there is none yet).
    private static long Value(string metrics, string name, string monitor)
    {
        var pattern = $"^{Regex.Escape(name)}\\{{[^}}]*monitor=\"{Regex.Escape(monitor)}\"[^}}]*\\}} (\\S+)";
        var match = Regex.Match(metrics, pattern, RegexOptions.Multiline);
        return match.Success ? (long)double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    // One server-sent event: its lines up to the blank line that ends it; its data must be the payload's JSON itself.
    private static async Task<JsonNode> NextEvent(StreamReader events, CancellationToken cancellationToken)
    {
        var data = new List<string>();
        while (await events.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0 && data.Count > 0)
            {
                var payload = JsonNode.Parse(string.Join('\n', data)) ?? throw new JsonException("empty event");
                Assert.False(payload.AsObject().ContainsKey("data"), $"the data is the payload, not an SseItem: {payload.ToJsonString()}");
                return payload;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line["data:".Length..].TrimStart(' '));
            }
        }

        throw new EndOfStreamException("the event stream ended");
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("empty body");
}
