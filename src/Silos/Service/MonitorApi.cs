using AutoMon.Grains.Hosting;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AutoMon.Grains.Monitors;
using AutoMon.Grains.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace AutoMon.Silos.Service;

/// <summary>
/// The monitoring service's HTTP API (docs/service.md): create, list, read and delete monitors, and push points to their
/// nodes. Errors are RFC 9457 problem details naming the field, node or point at fault.
/// </summary>
public static class MonitorApi
{
    /// <summary>
    /// How the API reads and writes JSON: camelCase names, and NaN / Infinity / -Infinity accepted as strings (JSON has
    /// no such numbers; a point carrying one is then rejected by name rather than as unreadable JSON).
    /// </summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Maps the endpoints under <c>/api/monitors</c>; their group, to require authorization of.</summary>
    public static RouteGroupBuilder MapMonitorApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup("/api/monitors");
        api.MapPost("/", CreateAsync);
        api.MapGet("/", ListAsync);
        api.MapGet("/{id}", GetAsync);
        api.MapDelete("/{id}", DeleteAsync);
        api.MapPost("/{id}/nodes/{node}/points", PushAsync);
        // A browser's EventSource cannot send an Authorization header: this one endpoint also takes ?access_token=KEY.
        api.MapGet("/{id}/events", MonitorEventStream.GetAsync).AllowAccessTokenQuery();
        return api;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var (body, unreadable) = await ReadAsync<MonitorDefinition>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return unreadable!;
        }

        var config = body.ToConfig(out var errors);
        if (config is null)
        {
            return TypedResults.ValidationProblem(errors,
                detail: "The monitor definition is invalid: " + string.Join("; ", errors.SelectMany(e => e.Value)) + ".",
                title: "Invalid monitor");
        }

        var monitor = grains.GetGrain<IMonitorGrain>(config.Id);
        if (!await monitor.Create(config).ConfigureAwait(false))
        {
            return TypedResults.Problem($"A monitor with id '{config.Id}' exists; delete it first or choose another id.",
                statusCode: StatusCodes.Status409Conflict, title: "Duplicate monitor id");
        }

        var snapshot = await monitor.GetSnapshot().ConfigureAwait(false);
        return TypedResults.Created($"/api/monitors/{Uri.EscapeDataString(config.Id)}", MonitorView.From(snapshot!));
    }

    private static async Task<Ok<MonitorView[]>> ListAsync(IGrainFactory grains)
    {
        var ids = await grains.GetGrain<IMonitorRegistryGrain>(MonitorKeys.Registry).List().ConfigureAwait(false);
        var snapshots = await Task.WhenAll(ids.Select(id => grains.GetGrain<IMonitorGrain>(id).GetSnapshot())).ConfigureAwait(false);
        return TypedResults.Ok(snapshots.OfType<MonitorSnapshot>().Select(MonitorView.From).ToArray());
    }

    private static async Task<IResult> GetAsync(string id, IGrainFactory grains)
    {
        if (!MonitorKeys.IsValidName(id))
        {
            return UnknownMonitor(id);
        }

        var snapshot = await grains.GetGrain<IMonitorGrain>(id).GetSnapshot().ConfigureAwait(false);
        return snapshot is null ? UnknownMonitor(id) : TypedResults.Ok(MonitorView.From(snapshot));
    }

    private static async Task<IResult> DeleteAsync(string id, IGrainFactory grains)
    {
        if (!MonitorKeys.IsValidName(id) || !await grains.GetGrain<IMonitorGrain>(id).Delete().ConfigureAwait(false))
        {
            return UnknownMonitor(id);
        }

        return TypedResults.NoContent();
    }

    private static async Task<IResult> PushAsync(string id, string node, HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!MonitorKeys.IsValidName(id))
        {
            return UnknownMonitor(id);
        }

        if (!MonitorKeys.IsValidName(node))
        {
            return UnknownNode(id, node);
        }

        var (body, unreadable) = await ReadAsync<PointsBody>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return unreadable!;
        }

        if (body.Points is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["points"] = ["points is required: an array of points, each an array of d numbers"] });
        }

        var batch = new PointBatch([.. body.Points.Select(p => p is null ? default : p.ToImmutableArray())], body.From);
        PushResult result;
        try
        {
            result = await grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(id, node)).Push(batch).ConfigureAwait(false);
        }
        catch (Exception exception) when (GrainCallFaults.IsUnreachable(exception))
        {
            // The node's silo is gone and not yet replaced: nothing of this request is known to be taken.
            return Unavailable($"Node '{node}' of monitor '{id}' cannot be reached now ({exception.Message}); push again shortly, with \"from\" so that no point is taken twice.",
                new Dictionary<string, object?> { ["node"] = node });
        }

        var position = new Dictionary<string, object?> { ["node"] = node, ["accepted"] = result.Accepted, ["updates"] = result.Updates, ["durable"] = result.Durable };
        return result.Status switch
        {
            PushStatus.Accepted => TypedResults.Ok(new PushResponse(result.Accepted, result.Updates, result.Durable)),
            PushStatus.Behind => TypedResults.Problem(
                string.Create(CultureInfo.InvariantCulture,
                    $"Node '{node}' of monitor '{id}' holds {result.Updates} points and this request starts at {body.From}: {result.Problem}. Push the points from {result.Updates} on again."),
                statusCode: StatusCodes.Status409Conflict, title: "Points missing", extensions: position),
            PushStatus.Unavailable => Unavailable(
                string.Create(CultureInfo.InvariantCulture,
                    $"Node '{node}' of monitor '{id}' took {result.Accepted} points of this request; {result.Problem}. Push the rest again shortly (from {result.Updates})."),
                position),
            PushStatus.Rejected => TypedResults.Problem(
                string.Create(CultureInfo.InvariantCulture,
                    $"Point {result.Index} for node '{node}' of monitor '{id}' {result.Problem}. No point of this request was taken."),
                statusCode: StatusCodes.Status400BadRequest, title: "Invalid point",
                extensions: new Dictionary<string, object?> { ["node"] = node, ["index"] = result.Index, ["accepted"] = 0 }),
            _ => await grains.GetGrain<IMonitorGrain>(id).GetConfig().ConfigureAwait(false) is null ? UnknownMonitor(id) : UnknownNode(id, node),
        };
    }

    // The body as T; null with the response to send when it is too large (413) or not the JSON expected (400).
    private static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, JsonOptions, cancellationToken).ConfigureAwait(false);
            return body is null ? (null, Unreadable("the body is empty or null")) : (body, null);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TypedResults.Problem(
                string.Create(CultureInfo.InvariantCulture, $"The request body is larger than {ServiceHost.MaxRequestBodyBytes} bytes; send the points in smaller batches."),
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large"));
        }
        catch (JsonException exception)
        {
            return (null, Unreadable(exception.Path is { Length: > 2 } path
                ? $"{path[2..]} is not what was expected ({exception.Message})"
                : $"the body is not valid JSON ({exception.Message})"));
        }
    }

    // 503 with Retry-After: a silo is being replaced (failure detection, then the monitor's recovery).
    private static IResult Unavailable(string detail, Dictionary<string, object?> extensions) =>
        new RetryAfter(TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Monitor recovering", extensions: extensions));

    private sealed class RetryAfter(ProblemHttpResult problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = "1";
            return problem.ExecuteAsync(httpContext);
        }
    }

    private static ProblemHttpResult Unreadable(string why) =>
        TypedResults.Problem($"The request body cannot be read: {why}.", statusCode: StatusCodes.Status400BadRequest, title: "Unreadable request body");

    internal static ProblemHttpResult UnknownMonitor(string id) =>
        TypedResults.Problem($"There is no monitor '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown monitor");

    private static ProblemHttpResult UnknownNode(string id, string node) =>
        TypedResults.Problem($"Monitor '{id}' has no node '{node}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown node");

}

/// <summary>The body of <c>POST /api/monitors/{id}/nodes/{node}/points</c>.</summary>
public sealed record PointsBody
{
    /// <summary>The points, in order; each has d numbers.</summary>
    public IReadOnlyList<IReadOnlyList<double>?>? Points { get; init; }

    /// <summary>Optional: the node's update count the first point continues from (the producer's position; the last
    /// answer's <c>updates</c>). With it a repeated request takes no point twice, and a node that lost points answers 409.</summary>
    public long? From { get; init; }
}

/// <summary>The answer to a push.</summary>
/// <param name="Accepted">Points of the request the node holds.</param>
/// <param name="Updates">The node's update count now (the next request's <c>from</c>).</param>
/// <param name="Durable">Points the node has written to grain storage; a producer keeps the later ones to send again.</param>
public sealed record PushResponse(int Accepted, long Updates, long Durable);

/// <summary>A node as <c>GET /api/monitors/{id}</c> shows it.</summary>
public sealed record NodeView(string Id, long Updates, long Violations, long MessagesSent);

/// <summary>A monitor as <c>GET /api/monitors/{id}</c> shows it.</summary>
/// <param name="Recovering">True while the monitor recovers from a lost silo (estimate null meanwhile).</param>
/// <param name="Recoveries">Recoveries so far.</param>
/// <param name="LastRecovery">The last one: when it was detected, why, the seconds without the guarantee, its messages.</param>
/// <param name="Centralized">True once the adaptive fallback switched the monitor to reporting every point.</param>
public sealed record MonitorView(
    string Id, string Function, int Dimension, int Window, double? Estimate, double ErrorBound, long Updates, long Messages,
    long FullSyncs, long LazySyncs, long Violations, IReadOnlyList<NodeView> Nodes, bool Recovering = false, long Recoveries = 0,
    MonitorRecovery? LastRecovery = null, bool Centralized = false)
{
    /// <summary>The view of <paramref name="snapshot"/>.</summary>
    public static MonitorView From(MonitorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new MonitorView(snapshot.Id, snapshot.Function, snapshot.Dimension, snapshot.Window, snapshot.Estimate, snapshot.ErrorBound,
            snapshot.Updates, snapshot.Messages, snapshot.FullSyncs, snapshot.LazySyncs, snapshot.Violations,
            [.. snapshot.Nodes.Select(n => new NodeView(n.Id, n.Updates, n.Violations, n.MessagesSent))], snapshot.Recovering, snapshot.Recoveries,
            snapshot.LastRecovery, snapshot.Centralized);
    }
}
