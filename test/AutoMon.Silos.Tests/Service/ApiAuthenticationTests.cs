using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// Nobody reads or writes a monitor without the API key (docs/service.md, "Authentication"): every route of the API and
/// <c>/metrics</c> answers 401 without it or with a wrong one, and works with it; <c>access_token</c> is taken on the
/// event stream only.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ApiAuthenticationTests(ServiceFixture service) : IAsyncLifetime
{
    // A monitor the requests below would read, push to or delete if they got through.
    private const string Id = "auth-target";

    public static TheoryData<string, string> Routes => new()
    {
        { "POST", "api/monitors" },
        { "GET", "api/monitors" },
        { "GET", $"api/monitors/{Id}" },
        { "DELETE", $"api/monitors/{Id}" },
        { "POST", $"api/monitors/{Id}/nodes/a/points" },
        { "GET", $"api/monitors/{Id}/events" },
        { "GET", "metrics" },
    };

    public async Task InitializeAsync()
    {
        var created = await service.Http.PostAsJsonAsync("api/monitors", new { id = Id, function = "inner_product", dimension = 2, errorBound = 0.1, nodes = new[] { "a", "b" } });
        Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"created: {created.StatusCode}");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Without_a_key_every_route_is_401_with_a_bearer_challenge(string method, string path)
    {
        using var anonymous = new HttpClient { BaseAddress = service.BaseAddress };

        using var response = await anonymous.SendAsync(Request(method, path), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(401, (int)problem["status"]!);
        Assert.Equal("API key required", (string?)problem["title"]);
        await ExpectUntouched();
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task With_a_wrong_key_every_route_is_401(string method, string path)
    {
        using var wrong = new HttpClient { BaseAddress = service.BaseAddress };
        // As long as the right key, differing in its last character only.
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", service.ApiKey[..^1] + (service.ApiKey[^1] == 'A' ? 'B' : 'A'));

        using var response = await wrong.SendAsync(Request(method, path), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("error=\"invalid_token\"", challenge.Parameter);
        Assert.Equal("Wrong API key", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["title"]);
        await ExpectUntouched();
    }

    [Theory]
    [InlineData("Basic")]
    [InlineData("Token")]
    public async Task The_key_under_another_scheme_is_401(string scheme)
    {
        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, service.ApiKey);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/monitors")).StatusCode);
    }

    [Fact]
    public async Task With_the_key_every_route_answers()
    {
        var http = service.Http;
        const string id = "auth-with-key";
        var created = await http.PostAsJsonAsync("api/monitors", new { id, function = "inner_product", dimension = 2, errorBound = 0.1, nodes = new[] { "a" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/monitors")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"api/monitors/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync($"api/monitors/{id}/nodes/a/points", new { points = new[] { new[] { 1.0, 2.0 } } })).StatusCode);
        using (var events = await http.GetAsync($"api/monitors/{id}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, events.StatusCode);
            Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"api/monitors/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_event_stream_takes_the_key_as_access_token_for_EventSource()
    {
        using var anonymous = new HttpClient { BaseAddress = service.BaseAddress };

        using (var response = await anonymous.GetAsync($"api/monitors/{Id}/events?access_token={Uri.EscapeDataString(service.ApiKey)}", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        }

        using var wrong = await anonymous.GetAsync($"api/monitors/{Id}/events?access_token=not-the-key-not-the-key", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Only_the_event_stream_takes_access_token(string method, string path)
    {
        using var anonymous = new HttpClient { BaseAddress = service.BaseAddress };

        using var response = await anonymous.SendAsync(Request(method, $"{path}?access_token={Uri.EscapeDataString(service.ApiKey)}"), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(path.EndsWith("/events", StringComparison.Ordinal) ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, response.StatusCode);
        await ExpectUntouched();
    }

    [Theory]
    [InlineData("")]
    [InlineData("live.js")]
    [InlineData("uplot/LICENSE")]
    public async Task The_live_pages_files_are_public(string path)
    {
        using var anonymous = new HttpClient { BaseAddress = service.BaseAddress };

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path)).StatusCode);
    }

    // What a request that got through would have sent: a valid definition, a valid point.
    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method == "POST"
            ? new StringContent(path.Contains("/points", StringComparison.Ordinal)
                ? """{"points": [[1, 2]]}"""
                : """{"id": "auth-intruder", "function": "inner_product", "dimension": 2, "errorBound": 0.1, "nodes": ["a"]}""", Encoding.UTF8, "application/json")
            : null,
    };

    // Nothing a refused request would have done happened: the target is there without points, no intruder monitor.
    private async Task ExpectUntouched()
    {
        var target = await service.Http.GetAsync($"api/monitors/{Id}");
        Assert.Equal(HttpStatusCode.OK, target.StatusCode);
        Assert.Equal(0, (long)JsonNode.Parse(await target.Content.ReadAsStringAsync())!["updates"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Http.GetAsync("api/monitors/auth-intruder")).StatusCode);
    }
}
