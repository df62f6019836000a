using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AutoMon.Silos.Tests.Service;

/// <summary>The service's live page at <c>/</c> (docs/service.md), in a real headless chromium.</summary>
[Collection(LivePageCollection.Name)]
public sealed class LivePageTests(LivePageFixture fixture) : IAsyncLifetime
{
    // What the page calls the true value series, in the estimate chart's legend.
    private const string TrueValue = "true value";

    private IBrowserContext? _context;
    private IPage? _page;

    private HttpClient Http => fixture.Http;

    private IPage Page => _page ?? throw new InvalidOperationException("No page yet.");

    public async Task InitializeAsync()
    {
        _context = await fixture.Browser.NewContextAsync(new() { BaseURL = Http.BaseAddress!.ToString() });
        _context.SetDefaultTimeout(30_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_page_lists_the_monitor_and_follows_its_estimate_live_without_reloading()
    {
        const string id = "page-live";
        await Create(id);
        await RecordCharts();
        await Open("/?monitor=" + id);
        await Expect(Page.Locator($"#monitors a[data-monitor='{id}']")).ToHaveClassAsync("chosen");
        await Expect(Page.Locator("#monitor-id")).ToHaveTextAsync(id);
        // No full sync yet, so no estimate.
        await Expect(Page.Locator("#estimate")).ToHaveTextAsync("—");
        await Page.EvaluateAsync("() => window.livePageMarker = 'still the same page'");

        // b's point completes the first full sync: x̄ = (2, 3), so f = 6.
        await Push(id, "a", [1, 2]);
        await Push(id, "b", [3, 4]);
        var first = await Monitor(id);
        await ExpectEstimateShown((double)first["estimate"]!);

        // Both nodes jump to (10, 10): f(x̄) = 100, far outside 6 ± ε, so only a new full sync can satisfy the bound.
        await Push(id, "a", [10, 10]);
        await Push(id, "b", [10, 10]);
        var second = await Monitor(id);
        Assert.True(Math.Abs((double)second["estimate"]! - (double)first["estimate"]!) > 1, "the second push moved the estimate");
        await ExpectEstimateShown((double)second["estimate"]!);

        await Expect(Page.Locator("#updates")).ToHaveTextAsync("4");
        await Expect(Page.Locator("#full-syncs")).ToHaveTextAsync(Text(second["fullSyncs"]));
        await Expect(Page.Locator("#violations")).ToHaveTextAsync(Text(second["violations"]));
        foreach (var node in second["nodes"]!.AsArray())
        {
            var row = Page.Locator($"#nodes tr[data-node='{(string?)node!["id"]}']");
            await Expect(row.Locator(".violations")).ToHaveTextAsync(Text(node["violations"]));
            await Expect(row.Locator(".updates")).ToHaveTextAsync("2");
        }

        // The estimate chart plots the estimate, and no true value: this monitor's stream never carries one.
        await Expect(LegendLabel("estimate f(x0)")).ToHaveCountAsync(1);
        await Expect(LegendLabel(TrueValue)).ToHaveCountAsync(0);
        await Expect(Page.Locator("#true-value-counter")).ToBeHiddenAsync();

        // Around the estimate, its ε band; on it, a mark at each full sync, at the estimate that sync set.
        await Expect(LegendLabel("estimate − ε")).ToHaveCountAsync(1);
        await Expect(LegendLabel("estimate + ε")).ToHaveCountAsync(1);
        await Expect(LegendLabel("full sync")).ToHaveCountAsync(1);
        await Expect(LegendLabel("lazy sync")).ToHaveCountAsync(1);
        var fullSyncs = (long)second["fullSyncs"]!;
        await WaitForChart("estimate-chart", $"s => s['full sync'].filter(v => v !== null).length === {fullSyncs}");
        var estimateChart = await Plotted("estimate-chart");
        var estimates = estimateChart["estimate f(x0)"];
        Assert.Contains(estimates, e => e is not null);
        for (var i = 0; i < estimates.Length; i++)
        {
            // No estimate before the first full sync, and so no band.
            Assert.Equal(Round(estimates[i] - 0.1), Round(estimateChart["estimate − ε"][i]));
            Assert.Equal(Round(estimates[i] + 0.1), Round(estimateChart["estimate + ε"][i]));
        }

        var marks = estimateChart["full sync"].OfType<double>().ToList();
        Assert.Equal((double)first["estimate"]!, marks[0], 9);
        Assert.Equal((double)second["estimate"]!, marks[^1], 9);
        Assert.All(estimateChart["lazy sync"], v => Assert.Null(v));

        // Messages against centralisation: the API's count of messages, and one message per update (4).
        await Expect(Page.Locator("#messages-chart .u-legend .u-label", new() { HasText = "AutoMon messages" })).ToHaveCountAsync(1);
        await Expect(Page.Locator("#messages-chart .u-legend .u-label", new() { HasText = "centralisation (= updates)" })).ToHaveCountAsync(1);
        var messagesChart = await Plotted("messages-chart");
        Assert.Equal((double)(long)second["messages"]!, messagesChart["AutoMon messages"][^1]);
        Assert.Equal(4.0, messagesChart["centralisation (= updates)"][^1]);
        Assert.Equal("still the same page", await Page.EvaluateAsync<string?>("() => window.livePageMarker"));
    }

    [Fact]
    public async Task A_lazy_sync_is_marked_on_the_estimate_chart_at_the_unchanged_estimate()
    {
        const string id = "page-lazy";
        await Create(id, "a", "b", "c");
        await RecordCharts();
        await Open("/?monitor=" + id);
        await Expect(Page.Locator("#monitor-id")).ToHaveTextAsync(id);

        // Every node at (1, 1), then a alone at (1.15, 1): a's violation is balanced with one other node (as in
        // MonitorEventsAndMetricsTests), a lazy sync that leaves the estimate at 1.
        await Push(id, "a", [1, 1]);
        await Push(id, "b", [1, 1]);
        await Push(id, "c", [1, 1]);
        await Push(id, "a", [1.15, 1]);
        var monitor = await Monitor(id);
        Assert.Equal(1, (long)monitor["lazySyncs"]!);

        await Expect(Page.Locator("#lazy-syncs")).ToHaveTextAsync("1");
        await WaitForChart("estimate-chart", "s => s['lazy sync'].some(v => v !== null)");
        var lazy = (await Plotted("estimate-chart"))["lazy sync"].OfType<double>().ToList();
        Assert.Equal([(double)monitor["estimate"]!], lazy);
    }

    [Fact]
    public async Task Choosing_another_monitor_follows_its_stream_and_closes_the_old_one()
    {
        await Create("page-first");
        await Create("page-second");
        // Counts the page's open event streams.
        await Page.AddInitScriptAsync("""
            window.openStreams = new Set();
            window.EventSource = class extends window.EventSource {
              constructor(...args) { super(...args); window.openStreams.add(this); }
              close() { window.openStreams.delete(this); super.close(); }
            };
            """);
        await Open("/?monitor=page-first");
        await Expect(Page.Locator("#monitor-id")).ToHaveTextAsync("page-first");
        await Page.EvaluateAsync("() => window.livePageMarker = 'still the same page'");

        await Page.Locator("#monitors a[data-monitor='page-second']").ClickAsync();

        await Expect(Page.Locator("#monitor-id")).ToHaveTextAsync("page-second");
        await Expect(Page).ToHaveURLAsync(new Uri(Http.BaseAddress!, "/?monitor=page-second").ToString());
        Assert.Equal(
            ["/api/monitors/page-second/events"],
            await Page.EvaluateAsync<string[]>("() => [...window.openStreams].map(s => new URL(s.url).pathname)"));
        await Push("page-second", "a", [1, 2]);
        await Push("page-second", "b", [3, 4]);
        await ExpectEstimateShown((double)(await Monitor("page-second"))["estimate"]!);
        Assert.Equal("still the same page", await Page.EvaluateAsync<string?>("() => window.livePageMarker"));
    }

    [Fact]
    public async Task A_deleted_monitor_is_reported_as_deleted()
    {
        await Create("page-deleted");
        await Open("/?monitor=page-deleted");
        await Expect(Page.Locator("#status")).ToContainTextAsync("live");

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync("api/monitors/page-deleted")).StatusCode);

        await Expect(Page.Locator("#status")).ToHaveTextAsync("page-deleted was deleted");
        await Expect(Page.Locator("#monitors a[data-monitor='page-deleted']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_stream_that_carries_the_true_value_has_it_plotted_and_shown()
    {
        // A demo monitor's stream (serve --demo) adds "truth" events with f(x̄); here the browser is given such a stream.
        await Create("page-truth");
        var monitor = await Monitor("page-truth");
        var snapshot = Event(monitor, "snapshot", trueValue: null);
        var truth = Event(monitor, "truth", trueValue: 6.25);
        // Whatever the query (the page adds ?access_token=KEY).
        await Page.RouteAsync(new Regex("/api/monitors/page-truth/events(\\?.*)?$"), route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "text/event-stream",
            // retry: no reconnection while the test looks.
            Body = $"retry: 600000\n\nevent: snapshot\ndata: {snapshot}\n\nevent: truth\ndata: {truth}\n\n",
        }));

        await Open("/?monitor=page-truth");

        await Expect(LegendLabel(TrueValue)).ToHaveCountAsync(1);
        await Expect(Page.Locator("#true-value")).ToHaveTextAsync("6.25");
        await Expect(Page.Locator("#estimate")).ToHaveTextAsync("—");
    }

    [Fact]
    public async Task The_demo_monitors_page_plots_the_true_value_its_producer_computes()
    {
        await Open("/?monitor=demo");

        // The producer's truth events reach the page: the series appears, and the value on screen is a number that moves.
        await Expect(LegendLabel(TrueValue)).ToHaveCountAsync(1);
        await Page.WaitForFunctionAsync("() => Number.isFinite(Number(document.getElementById('true-value').textContent))");
        var first = await Page.Locator("#updates").TextContentAsync();
        await Page.WaitForFunctionAsync("before => document.getElementById('updates').textContent !== before", first);
        await Page.WaitForFunctionAsync("() => Number.isFinite(Number(document.getElementById('estimate').textContent))");
    }

    [Fact]
    public async Task Without_a_monitor_chosen_the_page_shows_the_first_one_listed()
    {
        await Create("page-any");
        var first = (string?)(await Json(await Http.GetAsync("api/monitors"))).AsArray()[0]!["id"];

        await Open("/");

        await Expect(Page.Locator("#monitors a[data-monitor='page-any']")).ToBeVisibleAsync();
        await Expect(Page.Locator("#monitor-id")).ToHaveTextAsync(first!);
    }

    [Fact]
    public async Task The_key_leaves_the_address_bar_and_goes_with_every_request()
    {
        await Create("page-key");
        var streams = new List<string>();
        Page.Request += (_, request) =>
        {
            if (request.Url.Contains("/events", StringComparison.Ordinal))
            {
                streams.Add(request.Url);
            }
        };

        await Open("/?monitor=page-key");

        await Expect(Page.Locator("#status")).ToContainTextAsync("live");
        // The fragment is gone from the address bar (and history); the tab keeps the key.
        await Expect(Page).ToHaveURLAsync(new Uri(Http.BaseAddress!, "/?monitor=page-key").ToString());
        Assert.Equal(fixture.ApiKey, await Page.EvaluateAsync<string?>("() => sessionStorage.getItem('automon-api-key')"));
        Assert.Contains(streams, url => url.EndsWith("/api/monitors/page-key/events?access_token=" + Uri.EscapeDataString(fixture.ApiKey), StringComparison.Ordinal));
        await Expect(Page.Locator("#key-form")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Without_the_key_the_page_asks_for_it_and_then_works()
    {
        await Create("page-ask");
        await Page.GotoAsync("/?monitor=page-ask");

        // The API answers 401: the page asks, and shows nothing of the monitor.
        await Expect(Page.Locator("#key-form")).ToBeVisibleAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync("requires a key");
        await Expect(Page.Locator("#monitors a")).ToHaveCountAsync(0);

        // A wrong key is refused, and asked for again.
        await Page.Locator("#key-input").FillAsync("not-the-key-not-the-key");
        await Page.Locator("#key-form button").ClickAsync();
        await Expect(Page.Locator("#status")).ToContainTextAsync("refused");
        await Expect(Page.Locator("#key-form")).ToBeVisibleAsync();

        await Page.Locator("#key-input").FillAsync(fixture.ApiKey);
        await Page.Locator("#key-form button").ClickAsync();

        await Expect(Page.Locator("#key-form")).ToBeHiddenAsync();
        await Expect(Page.Locator("#monitors a[data-monitor='page-ask']")).ToHaveClassAsync("chosen");
        await Expect(Page.Locator("#status")).ToContainTextAsync("live");
        await Push("page-ask", "a", [1, 2]);
        await Push("page-ask", "b", [3, 4]);
        await ExpectEstimateShown((double)(await Monitor("page-ask"))["estimate"]!);
    }

    // The page with the key in its URL's fragment, as serve prints it.
    private async Task Open(string pathAndQuery) => await Page.GotoAsync(pathAndQuery + "#key=" + Uri.EscapeDataString(fixture.ApiKey));

    // Keeps the page's uPlot charts in window.charts, to read what they plot.
    private Task RecordCharts() => Page.AddInitScriptAsync("""
        window.charts = [];
        let recording;
        Object.defineProperty(window, "uPlot", {
          configurable: true,
          get: () => recording,
          set: uPlot => { recording = class extends uPlot { constructor(...args) { super(...args); window.charts.push(this); } }; },
        });
        """);

    private const string SeriesScript = """
        id => {
          const chart = window.charts.filter(c => c.root.parentElement && c.root.parentElement.id === id).at(-1);
          return chart ? Object.fromEntries(chart.series.slice(1).map((s, i) => [s.label, chart.data[i + 1] ?? []])) : null;
        }
        """;

    // Until the series of the chart in element `id` (label → values) pass `predicate`.
    private async Task WaitForChart(string id, string predicate)
    {
        try
        {
            await Page.WaitForFunctionAsync($"id => {{ const s = ({SeriesScript})(id); return s !== null && ({predicate})(s); }}", id);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{id} never plotted {predicate}: {JsonSerializer.Serialize(await Plotted(id))}");
        }
    }

    // What the chart in element `id` plots: each series' values by its legend label.
    private async Task<Dictionary<string, double?[]>> Plotted(string id) =>
        await Page.EvaluateAsync<Dictionary<string, double?[]>>(SeriesScript, id);

    private ILocator LegendLabel(string text) => Page.Locator("#estimate-chart .u-legend .u-label", new() { HasText = text });

    // The estimate on screen (6 significant digits) is the API's.
    private async Task ExpectEstimateShown(double expected)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                "expected => Math.abs(Number(document.getElementById('estimate').textContent) - expected) <= 1e-5 * Math.max(1, Math.abs(expected))",
                expected);
        }
        catch (TimeoutException)
        {
            var shown = await Page.Locator("#estimate").TextContentAsync();
            Assert.Fail($"the page shows estimate '{shown}', the API {expected.ToString("R", CultureInfo.InvariantCulture)}");
        }
    }

    private async Task Create(string id, params string[] nodes)
    {
        nodes = nodes.Length > 0 ? nodes : ["a", "b"];
        // The paper's protocol (not the adaptive fallback, which may switch a small monitor to reporting every point): its
        // syncs are what the charts mark.
        var response = await Http.PostAsJsonAsync("api/monitors", new { id, function = "inner_product", dimension = 2, errorBound = 0.1, nodes, adaptive = false });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task Push(string id, string node, double[] point)
    {
        var response = await Http.PostAsJsonAsync($"api/monitors/{id}/nodes/{node}/points", new { points = new[] { point } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonNode> Monitor(string id) => await Json(await Http.GetAsync($"api/monitors/{id}"));

    private static string Event(JsonNode monitor, string kind, double? trueValue)
    {
        var data = monitor.DeepClone().AsObject();
        data["kind"] = kind;
        if (trueValue is { } value)
        {
            data["trueValue"] = value;
        }

        return data.ToJsonString();
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 9) : null;

    private static string Text(JsonNode? count) => ((long)count!).ToString(CultureInfo.InvariantCulture);

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("empty body");
}
