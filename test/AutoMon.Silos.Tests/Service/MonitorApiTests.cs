using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AutoMon.Numerics.Functions;

namespace AutoMon.Silos.Tests.Service;

/// <summary>The monitoring service's HTTP API (docs/service.md), against a silo serving it on loopback.</summary>
[Collection(ServiceCollection.Name)]
public sealed class MonitorApiTests(ServiceFixture service)
{
    private const double Epsilon = 0.1;
    private HttpClient Http => service.Http;

    [Fact]
    public async Task Creating_a_monitor_answers_201_with_it_and_the_same_id_again_409()
    {
        var created = await Create(new { id = "create-1", function = "inner_product", dimension = 4, errorBound = Epsilon, nodes = new[] { "a", "b" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/monitors/create-1", created.Headers.Location?.OriginalString);
        var monitor = await Json(created);
        Assert.Equal("create-1", (string?)monitor["id"]);
        Assert.Null(monitor["estimate"]);
        Assert.Equal(Epsilon, (double)monitor["errorBound"]!);
        Assert.Equal(["a", "b"], monitor["nodes"]!.AsArray().Select(n => (string?)n!["id"]));

        var again = await Create(new { id = "create-1", function = "variance", dimension = 2, errorBound = 1, nodes = new[] { "x" } });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("create-1", (string?)(await Json(again))["detail"], StringComparison.Ordinal);

        var listed = await Json(await Http.GetAsync("api/monitors"));
        Assert.Contains("create-1", listed.AsArray().Select(m => (string?)m!["id"]));
    }

    [Theory]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "errorBound": 0.1, "nodes": []}""", "nodes")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "errorBound": 0.1}""", "nodes")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "errorBound": 0, "nodes": ["a"]}""", "errorBound")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "errorBound": -0.5, "nodes": ["a"]}""", "errorBound")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "nodes": ["a"]}""", "errorBound")]
    [InlineData("""{"id": "bad", "function": "no_such_function", "dimension": 4, "errorBound": 0.1, "nodes": ["a"]}""", "function")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 3, "errorBound": 0.1, "nodes": ["a"]}""", "dimension")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 0, "errorBound": 0.1, "nodes": ["a"]}""", "dimension")]
    [InlineData("""{"id": "bad", "function": "inner_product", "errorBound": 0.1, "nodes": ["a"]}""", "dimension")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "errorBound": 0.1, "nodes": ["a", "a"]}""", "nodes")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "errorBound": 0.1, "nodes": ["a"], "sync": "sometimes"}""", "sync")]
    [InlineData("""{"id": "a/b", "function": "inner_product", "dimension": 4, "errorBound": 0.1, "nodes": ["a"]}""", "id")]
    [InlineData("""{"id": "bad", "function": "inner_product", "dimension": 4, "errorBound": 0.1, "nodes": ["a"], "checkpointInterval": 0}""", "checkpointInterval")]
    [InlineData("""{"id": "bad", "function": "dot(x[0:3], x[3:6]", "dimension": 6, "errorBound": 0.1, "nodes": ["a"]}""", "function", "position 18: expected ')' after the arguments of dot")]
    [InlineData("""{"id": "bad", "function": "x[0]*x[6]", "dimension": 6, "errorBound": 0.1, "nodes": ["a"]}""", "function", "position 7: x[6] is outside a vector of dimension 6")]
    public async Task A_bad_definition_is_a_400_problem_naming_the_field(string body, string field, string? problemSays = null)
    {
        var response = await Http.PostAsync("api/monitors", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json(response);
        Assert.True(problem["errors"]?.AsObject().ContainsKey(field), $"the problem names {field}: {problem.ToJsonString()}");
        if (problemSays is not null)
        {
            // A formula error names where in the formula it is.
            Assert.Contains(problemSays, (string?)problem["errors"]![field]![0], StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("api/monitors/bad")).StatusCode);
    }

    [Fact]
    public async Task Unknown_monitors_and_nodes_are_404()
    {
        Assert.Equal(HttpStatusCode.Created, (await Create(new { id = "known", function = "variance", dimension = 2, errorBound = 1, nodes = new[] { "a" } })).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("api/monitors/unknown")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync("api/monitors/unknown")).StatusCode);
        var noMonitor = await Push("unknown", "a", [[1.0, 2.0]]);
        Assert.Equal(HttpStatusCode.NotFound, noMonitor.StatusCode);
        Assert.Contains("no monitor 'unknown'", (string?)(await Json(noMonitor))["detail"], StringComparison.Ordinal);
        var noNode = await Push("known", "z", [[1.0, 2.0]]);
        Assert.Equal(HttpStatusCode.NotFound, noNode.StatusCode);
        Assert.Contains("no node 'z'", (string?)(await Json(noNode))["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_monitor_is_gone_and_its_id_free_again()
    {
        var definition = new { id = "deleted", function = "inner_product", dimension = 2, errorBound = 0.5, nodes = new[] { "a" } };
        Assert.Equal(HttpStatusCode.Created, (await Create(definition)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Push("deleted", "a", [[1.0, 2.0]])).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync("api/monitors/deleted")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("api/monitors/deleted")).StatusCode);
        Assert.DoesNotContain("deleted", (await Json(await Http.GetAsync("api/monitors"))).AsArray().Select(m => (string?)m!["id"]));
        Assert.Equal(HttpStatusCode.NotFound, (await Push("deleted", "a", [[1.0, 2.0]])).StatusCode);
        var recreated = await Create(definition);
        Assert.Equal(HttpStatusCode.Created, recreated.StatusCode);
        Assert.Equal(0, (long)(await Json(recreated))["updates"]!);
    }

    [Theory]
    [InlineData("guarantee-lazy", null, "lazy-lru", 1, "inner_product", 4)]
    [InlineData("guarantee-eager", null, "eager", 2, "inner_product", 4)]
    [InlineData("guarantee-window", 3, "lazy-lru", 3, "inner_product", 4)]
    [InlineData("guarantee-formula", null, "lazy-lru", 4, "dot(x[0:3], x[3:6]) - log(1 + sum(x[0:3]^2))", 6)]
    public async Task After_every_push_the_estimate_is_within_the_error_bound_of_f_of_the_nodes_mean(
        string id, int? window, string sync, int seed, string function, int dimension)
    {
        string[] nodes = ["a", "b", "c"];
        Assert.Equal(HttpStatusCode.Created, (await Create(new { id, function, dimension, errorBound = Epsilon, nodes, window, sync })).StatusCode);
        var f = FunctionCatalog.Create(function, new FunctionOptions { Dimension = dimension }).Function.CreateEvaluator();
        var random = new Random(seed);
        var sent = nodes.ToDictionary(n => n, _ => new List<double[]>());
        var walk = nodes.ToDictionary(n => n, _ => Enumerable.Range(0, dimension).Select(j => j % 2 == 0 ? 1.0 : 0.5).ToArray());

        for (var post = 0; post < 40; post++)
        {
            var node = nodes[post < nodes.Length ? post : random.Next(nodes.Length)];
            var points = new double[1 + random.Next(4)][];
            for (var k = 0; k < points.Length; k++)
            {
                // A random walk: small steps mostly stay in the safe zone (lazy syncs), now and then a jump forces a sync.
                var step = random.NextDouble() < 0.1 ? 0.5 : 0.03;
                walk[node] = [.. walk[node].Select(v => v + (step * ((2 * random.NextDouble()) - 1)))];
                points[k] = walk[node];
            }

            var response = await Push(id, node, points);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(points.Length, (int)(await Json(response))["accepted"]!);
            sent[node].AddRange(points);

            var monitor = await Json(await Http.GetAsync($"api/monitors/{id}"));
            if (nodes.Any(n => sent[n].Count == 0))
            {
                // The first full sync waits for a point from every node: no estimate before.
                Assert.Null(monitor["estimate"]);
                continue;
            }

            var mean = GlobalVector(nodes.Select(n => LocalVector(sent[n], window ?? 1)).ToList());
            var truth = f.Value(mean);
            var estimate = (double)monitor["estimate"]!;
            Assert.True(Math.Abs(estimate - truth) <= Epsilon, $"post {post}: |{estimate} - {truth}| > {Epsilon}");
        }

        var final = await Json(await Http.GetAsync($"api/monitors/{id}"));
        Assert.Equal(sent.Values.Sum(p => p.Count), (long)final["updates"]!);
        Assert.True((long)final["fullSyncs"]! >= 1);
        Assert.True((long)final["violations"]! > (long)final["fullSyncs"]!);
        Assert.Equal(nodes.Select(n => (long)sent[n].Count), final["nodes"]!.AsArray().Select(n => (long)n!["updates"]!));
    }

    [Fact]
    public async Task Points_a_node_takes_while_others_have_none_yet_count_at_the_first_sync()
    {
        string[] nodes = ["a", "b", "c"];
        Assert.Equal(HttpStatusCode.Created, (await Create(new { id = "first-sync", function = "inner_product", dimension = 4, errorBound = Epsilon, nodes })).StatusCode);

        // a's first point is reported at once, but the coordinator waits for b and c; a moves on meanwhile.
        Assert.Equal(HttpStatusCode.OK, (await Push("first-sync", "a", [[1, 1, 1, 1], [3, 3, 3, 3]])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Push("first-sync", "b", [[1, 1, 1, 1]])).StatusCode);
        Assert.Null((await Json(await Http.GetAsync("api/monitors/first-sync")))["estimate"]);
        Assert.Equal(HttpStatusCode.OK, (await Push("first-sync", "c", [[1, 1, 1, 1]])).StatusCode);

        // x̄ = (5/3, 5/3, 5/3, 5/3): f = 2 · 25/9, far from f of a's first point's mean (2).
        var estimate = (double)(await Json(await Http.GetAsync("api/monitors/first-sync")))["estimate"]!;
        Assert.True(Math.Abs(estimate - (50.0 / 9)) <= Epsilon, $"|{estimate} - {50.0 / 9}| > {Epsilon}");
    }

    [Fact]
    public async Task Concurrent_pushes_to_different_nodes_leave_the_estimate_within_the_bound()
    {
        string[] nodes = ["a", "b", "c", "d"];
        Assert.Equal(HttpStatusCode.Created, (await Create(new { id = "concurrent", function = "inner_product", dimension = 4, errorBound = Epsilon, nodes })).StatusCode);
        var f = FunctionCatalog.Create("inner_product", new FunctionOptions { Dimension = 4 }).Function.CreateEvaluator();
        var random = new Random(7);
        var last = new Dictionary<string, double[]>();
        for (var round = 0; round < 15; round++)
        {
            var batches = nodes.ToDictionary(n => n, _ => Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 4).Select(_ => random.NextDouble()).ToArray()).ToArray());
            var responses = await Task.WhenAll(nodes.Select(n => Push("concurrent", n, batches[n])));
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            foreach (var n in nodes)
            {
                last[n] = batches[n][^1];
            }

            var estimate = (double)(await Json(await Http.GetAsync("api/monitors/concurrent")))["estimate"]!;
            var truth = f.Value(GlobalVector([.. nodes.Select(n => last[n])]));
            Assert.True(Math.Abs(estimate - truth) <= Epsilon, $"round {round}: |{estimate} - {truth}| > {Epsilon}");
        }
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("short")]
    public async Task A_batch_with_a_bad_point_at_index_2_is_a_400_naming_node_and_index_and_changes_nothing(string bad)
    {
        var id = "reject-" + bad.ToLowerInvariant().Replace("-", "minus", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await Create(new { id, function = "inner_product", dimension = 4, errorBound = Epsilon, nodes = new[] { "a", "b" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Push(id, "a", [[1, 2, 3, 4]])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Push(id, "b", [[0.5, 0.5, 0.5, 0.5]])).StatusCode);
        var before = (await Json(await Http.GetAsync($"api/monitors/{id}"))).ToJsonString();

        var third = bad == "short" ? "[9, 9, 9]" : $"[9, 9, \"{bad}\", 9]";
        var body = $$"""{"points": [[5, 5, 5, 5], [6, 6, 6, 6], {{third}}, [7, 7, 7, 7]]}""";
        var response = await Http.PostAsync($"api/monitors/{id}/nodes/a/points", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Json(response);
        Assert.Equal("a", (string?)problem["node"]);
        Assert.Equal(2, (int)problem["index"]!);
        Assert.Contains("Point 2 for node 'a'", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(before, (await Json(await Http.GetAsync($"api/monitors/{id}"))).ToJsonString());
    }

    [Fact]
    public async Task A_push_with_its_position_is_idempotent_and_one_past_the_node_is_a_409_naming_where_to_resume()
    {
        Assert.Equal(HttpStatusCode.Created, (await Create(new { id = "positions", function = "inner_product", dimension = 4, errorBound = Epsilon, nodes = new[] { "a" }, checkpointInterval = 2 })).StatusCode);
        var body = new { points = new[] { new[] { 1.0, 2, 3, 4 }, [2.0, 3, 4, 5], [3.0, 4, 5, 6] }, from = 0 };

        var first = await Json(await Http.PostAsJsonAsync("api/monitors/positions/nodes/a/points", body));
        var repeated = await Http.PostAsJsonAsync("api/monitors/positions/nodes/a/points", body);
        var ahead = await Http.PostAsJsonAsync("api/monitors/positions/nodes/a/points", new { points = new[] { new[] { 9.0, 9, 9, 9 } }, from = 5 });

        Assert.Equal((3, 3L, 3L), ((int)first["accepted"]!, (long)first["updates"]!, (long)first["durable"]!));
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(3L, (long)(await Json(repeated))["updates"]!);
        Assert.Equal(HttpStatusCode.Conflict, ahead.StatusCode);
        var problem = await Json(ahead);
        Assert.Equal(3L, (long)problem["updates"]!);
        Assert.Contains("Push the points from 3 on again", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(3L, (long)(await Json(await Http.GetAsync("api/monitors/positions")))["updates"]!);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        Assert.Equal(HttpStatusCode.Created, (await Create(new { id = "huge", function = "inner_product", dimension = 4, errorBound = Epsilon, nodes = new[] { "a" } })).StatusCode);
        var point = "[0.123456789, 0.123456789, 0.123456789, 0.123456789]";
        var body = "{\"points\": [" + string.Join(",", Enumerable.Repeat(point, (2 << 20) / point.Length)) + "]}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/monitors/huge/nodes/a/points")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        // The server answers from the headers (Content-Length over the limit) without reading the body.
        request.Headers.ExpectContinue = true;

        var response = await Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Json(response);
        Assert.Equal(413, (int)problem["status"]!);
        Assert.Contains("send the points in smaller batches", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(0, (long)(await Json(await Http.GetAsync("api/monitors/huge")))["updates"]!);
    }

    private Task<HttpResponseMessage> Create(object definition) => Http.PostAsJsonAsync("api/monitors", definition);

    private Task<HttpResponseMessage> Push(string monitor, string node, double[][] points) =>
        Http.PostAsJsonAsync($"api/monitors/{monitor}/nodes/{node}/points", new { points });

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("empty body");

    // The node's local vector: the mean of its last `window` points (all of them while fewer).
    private static double[] LocalVector(List<double[]> points, int window)
    {
        var recent = points.Skip(Math.Max(0, points.Count - window)).ToList();
        return [.. Enumerable.Range(0, recent[0].Length).Select(j => recent.Average(p => p[j]))];
    }

    private static double[] GlobalVector(List<double[]> vectors) =>
        [.. Enumerable.Range(0, vectors[0].Length).Select(j => vectors.Average(v => v[j]))];
}
