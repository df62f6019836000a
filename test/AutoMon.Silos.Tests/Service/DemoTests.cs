using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoMon.Numerics.Functions;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Service;
using AutoMon.Silos.Service.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// The demo (<c>serve --demo</c>): the monitor <c>demo</c> fed by the synthetic producer, whose event stream carries
/// <c>truth</c> events with f(x̄) of the points the producer pushed.
/// </summary>
public sealed class DemoTests(DemoFixture demo) : IClassFixture<DemoFixture>
{
    // A safety net against a hung stream or producer only: every wait below is for something the producer does by itself.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_demo_monitor_exists_once_the_host_has_started_with_its_formula_window_and_nodes()
    {
        using var response = await demo.Http.GetAsync("api/monitors/demo");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var monitor = await Json(response);
        Assert.Equal("dot(x[0:3], x[3:6]) - log(1 + sum(x[0:3]^2))", (string?)monitor["function"]);
        Assert.Equal(6, (int)monitor["dimension"]!);
        Assert.Equal(20, (int)monitor["window"]!);
        Assert.Equal(DemoMonitor.ErrorBound, (double)monitor["errorBound"]!);
        Assert.Equal(["n0", "n1", "n2", "n3"], monitor["nodes"]!.AsArray().Select(n => (string?)n!["id"]));
    }

    [Fact]
    public async Task Truth_events_carry_f_of_the_mean_of_the_nodes_windows_and_the_estimate_stays_within_epsilon_of_it()
    {
        const int Events = 100;
        var f = FunctionCatalog.Create(DemoMonitor.Formula, new FunctionOptions { Dimension = DemoMonitor.Dimension }).Function;
        using var timeout = new CancellationTokenSource(Timeout);
        using var response = await demo.Http.GetAsync("api/monitors/demo/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var (type, first) = await NextEvent(events, timeout.Token);
        Assert.Null(type);
        Assert.Equal("snapshot", (string?)first["kind"]);
        Assert.False(first.AsObject().ContainsKey("trueValue"), "only truth events carry trueValue");

        var truths = new List<JsonNode>();
        while (truths.Count < Events)
        {
            var (eventType, data) = await NextEvent(events, timeout.Token);
            if (eventType is null)
            {
                // The monitor's own events (syncs, estimate changes) come as plain messages, without a true value.
                Assert.NotEqual("truth", (string?)data["kind"]);
                Assert.False(data.AsObject().ContainsKey("trueValue"));
                continue;
            }

            Assert.Equal("truth", eventType);
            truths.Add(data);
        }

        foreach (var truth in truths)
        {
            Assert.Equal("truth", (string?)truth["kind"]);
            Assert.Equal("demo", (string?)truth["id"]);

            // After round r every node has taken r points (steps 0 .. r-1): x̄ is the mean of their last 20 points' means.
            var rounds = truth["nodes"]!.AsArray().Select(n => (long)n!["updates"]!).Distinct().Single();
            Assert.Equal(rounds * 4, (long)truth["updates"]!);
            var trueValue = (double)truth["trueValue"]!;
            Assert.Equal(f.Value(Mean(rounds)), trueValue, 1e-12);

            // The producer read the state after its pushes returned: no violation is pending, so the bound holds.
            var estimate = (double)truth["estimate"]!;
            Assert.True(Math.Abs(estimate - trueValue) <= DemoMonitor.ErrorBound, $"round {rounds}: |{estimate} - {trueValue}| > ε");
        }

        // One truth per round, in order; the data drifts, and the drift makes the monitor sync.
        var rounds0 = (long)truths[0]["nodes"]![0]!["updates"]!;
        Assert.Equal(Enumerable.Range(0, Events).Select(k => rounds0 + k), truths.Select(t => (long)t["nodes"]![0]!["updates"]!));
        Assert.True(truths.Select(t => (double)t["trueValue"]!).Distinct().Count() > Events / 2);
        Assert.True((long)truths[^1]["violations"]! > (long)truths[0]["violations"]!, "100 rounds of drift cause violations");
    }

    [Fact]
    public async Task Stopping_the_host_stops_the_producer_cleanly()
    {
        var logs = new LogSink();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        var (app, _) = await DemoFixture.StartAsync(loggers);
        await using (app)
        {
            var producer = app.Services.GetServices<IHostedService>().OfType<DemoProducer>().Single();
            await Rounds(app, 3);

            await app.StopAsync().WaitAsync(Timeout);

            Assert.True(producer.ExecuteTask!.IsCompletedSuccessfully, $"the producer's task is {producer.ExecuteTask.Status}");
            Assert.Contains(logs.Entries, e => e.Category == typeof(DemoProducer).FullName && e.Message.Contains("stopped after", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
            Assert.DoesNotContain(logs.Entries, e => e.Category == typeof(DemoProducer).FullName && (e.Exception is not null || e.Level >= LogLevel.Warning));
        }
    }

    [Fact]
    public async Task A_user_deleting_the_demo_monitor_stops_the_producer_with_a_warning()
    {
        var logs = new LogSink();
        using var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        var (app, http) = await DemoFixture.StartAsync(loggers);
        await using (app)
        using (http)
        {
            var producer = app.Services.GetServices<IHostedService>().OfType<DemoProducer>().Single();
            await Rounds(app, 1);

            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("api/monitors/demo")).StatusCode);

            await producer.ExecuteTask!.WaitAsync(Timeout);
            Assert.True(producer.ExecuteTask.IsCompletedSuccessfully);
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("'demo' was deleted", StringComparison.Ordinal));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/monitors/demo")).StatusCode);
            await app.StopAsync().WaitAsync(Timeout);
        }
    }

    // Waits until the producer of `app` has published `count` truths from now on.
    private static async Task Rounds(WebApplication app, int count)
    {
        var seen = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = app.Services.GetRequiredService<MonitorTruthFeed>().Subscribe(DemoMonitor.Id, _ =>
        {
            if (Interlocked.Increment(ref seen) == count)
            {
                done.TrySetResult();
            }
        });
        await done.Task.WaitAsync(Timeout);
    }

    // x̄ after `rounds` rounds: per node the plain mean of its last (up to) 20 points, then the mean over the 4 nodes.
    private static double[] Mean(long rounds)
    {
        var mean = new double[DemoMonitor.Dimension];
        for (var node = 0; node < 4; node++)
        {
            var from = Math.Max(0, rounds - DemoMonitor.Window);
            for (var step = from; step < rounds; step++)
            {
                var point = DemoMonitor.Point(DemoFixture.Seed, node, step);
                for (var j = 0; j < mean.Length; j++)
                {
                    mean[j] += point[j] / (rounds - from) / 4;
                }
            }
        }

        return mean;
    }

    // One server-sent event: its type (null for the default, "message") and its data's JSON.
    private static async Task<(string? Type, JsonNode Data)> NextEvent(StreamReader events, CancellationToken cancellationToken)
    {
        string? type = null;
        var data = new List<string>();
        while (await events.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0 && data.Count > 0)
            {
                return (type, JsonNode.Parse(string.Join('\n', data)) ?? throw new JsonException("empty event"));
            }

            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                type = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Add(line["data:".Length..].TrimStart(' '));
            }
        }

        throw new EndOfStreamException("the event stream ended");
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("empty body");

    private sealed class LogSink : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogSink sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Entries.Enqueue((category, logLevel, formatter(state, exception), exception));
        }
    }
}

/// <summary>A silo with the API and the demo on (a round every 20 ms), on free loopback ports, for the demo's tests.</summary>
public sealed class DemoFixture : IAsyncLifetime
{
    /// <summary>The seed the demo's hosts use.</summary>
    public const int Seed = 7;

    private readonly ILoggerFactory _loggers = LoggerFactory.Create(_ => { });
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = new();

    /// <summary>Builds and starts a silo with the API and the demo; the caller stops and disposes both.</summary>
    public static async Task<(WebApplication App, HttpClient Http)> StartAsync(ILoggerFactory loggers)
    {
        var options = new SiloHostOptions
        {
            Role = SiloRole.AllInOne,
            Membership = MembershipKind.Localhost,
            Address = IPAddress.Loopback,
            SiloPort = MotoServer.FreePort(),
            GatewayPort = MotoServer.FreePort(),
            HttpPort = MotoServer.FreePort(),
            ClusterId = "demo-tests-" + Guid.NewGuid().ToString("N")[..8],
            ApiKey = ApiKeys.Generate(),
        };
        var app = ServiceHost.Build(options, loggers, new DemoOptions { Interval = TimeSpan.FromMilliseconds(20), Seed = Seed });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.HttpPort}/") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.ApiKey);
        return (app, http);
    }

    public async Task InitializeAsync()
    {
        Http.Dispose();
        (_app, Http) = await StartAsync(_loggers);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }

        _loggers.Dispose();
    }
}
