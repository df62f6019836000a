using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>The JSON protocol client against scripted answers: signing headers, retries, errors, cancellation.</summary>
public sealed class AwsJsonClientTests
{
    private static readonly Uri Endpoint = new("http://127.0.0.1:9/");

    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string Body)> Seen { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request,
            CancellationToken cancellationToken)
        {
            var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            Seen.Add((request, body));
            var answer = answers[Math.Min(Seen.Count - 1, answers.Length - 1)];
            return answer(request);
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) => new(status)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1"),
    };

    private static (AwsSession Session, ScriptedHandler Handler) Session(int attempts,
        params Func<HttpRequestMessage, HttpResponseMessage>[] answers)
    {
        var handler = new ScriptedHandler(answers);
        var options = new AwsConnectionOptions
        {
            Endpoint = Endpoint,
            Retry = new AwsRetryPolicy(attempts, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5)),
        };
        return (AwsSession.Create(options, new BasicAWSCredentials("AKID", "secret"), handler), handler);
    }

    [Fact]
    public async Task Request_names_the_action_in_the_target_header_and_is_signed_for_service_and_region()
    {
        var (session, handler) = Session(1, _ => Json(HttpStatusCode.OK, """{"clusterArns":["arn:a"]}"""));
        using var _ = session;

        var clusters = await session.Ecs("us-east-2").ListClustersAsync();

        Assert.Equal(["arn:a"], clusters);
        var (request, body) = Assert.Single(handler.Seen);
        Assert.Equal("AmazonEC2ContainerServiceV20141113.ListClusters", request.Headers.GetValues("X-Amz-Target").Single());
        Assert.Equal("application/x-amz-json-1.1", request.Content!.Headers.ContentType!.MediaType);
        Assert.Contains("/us-east-2/ecs/aws4_request", request.Headers.Authorization!.Parameter, StringComparison.Ordinal);
        Assert.Equal(100, JsonDocument.Parse(body).RootElement.GetProperty("maxResults").GetInt32());
    }

    [Fact]
    public async Task List_calls_follow_next_tokens_to_the_end()
    {
        var (session, handler) = Session(1,
            _ => Json(HttpStatusCode.OK, """{"taskArns":["t1"],"nextToken":"page2"}"""),
            _ => Json(HttpStatusCode.OK, """{"taskArns":["t2"]}"""));
        using var _ = session;

        var tasks = await session.Ecs("us-east-2").ListTasksAsync("c");

        Assert.Equal(["t1", "t2"], tasks);
        Assert.Equal("page2", JsonDocument.Parse(handler.Seen[1].Body).RootElement.GetProperty("nextToken").GetString());
    }

    [Fact]
    public async Task Throttling_is_retried_until_the_call_succeeds()
    {
        var (session, handler) = Session(4,
            _ => Json(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}"""),
            _ => Json(HttpStatusCode.TooManyRequests, "{}"),
            _ => Json(HttpStatusCode.OK, """{"logGroups":[{"logGroupName":"g","arn":"arn:g:*"}]}"""));
        using var _ = session;

        var groups = await session.Logs("us-east-2").DescribeLogGroupsAsync();

        Assert.Equal("g", Assert.Single(groups).LogGroupName);
        Assert.Equal(3, handler.Seen.Count);
        Assert.Equal("Logs_20140328.DescribeLogGroups", handler.Seen[2].Request.Headers.GetValues("X-Amz-Target").Single());
    }

    [Fact]
    public async Task Server_errors_are_retried_then_reported_with_status_and_code()
    {
        var (session, handler) = Session(3,
            _ => Json(HttpStatusCode.InternalServerError, """{"__type":"ServerException","message":"boom"}"""));
        using var _ = session;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Ecs("us-east-2").ListClustersAsync());

        Assert.Equal(3, handler.Seen.Count);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal("ServerException", error.ErrorCode);
        Assert.Equal("AWS ecs ListClusters in us-east-2 failed: HTTP 500 ServerException: boom", error.Message);
    }

    [Fact]
    public async Task Client_errors_are_not_retried_and_keep_AWSs_code_without_namespace()
    {
        var (session, handler) = Session(5, _ => Json(HttpStatusCode.BadRequest,
            """{"__type":"com.amazonaws.ecs#ClusterNotFoundException","Message":"Cluster not found."}"""));
        using var _ = session;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Ecs("us-west-2").DeleteClusterAsync("x"));

        Assert.Single(handler.Seen);
        Assert.Equal("ClusterNotFoundException", error.ErrorCode);
        Assert.Equal("Cluster not found.", error.AwsMessage);
        Assert.Equal(("ecs", "DeleteCluster", "us-west-2"), (error.Service, error.Action, error.Region));
    }

    [Fact]
    public async Task Error_type_header_is_used_when_the_body_has_none()
    {
        var (session, _) = Session(1, _ =>
        {
            var response = Json(HttpStatusCode.BadRequest, """{"message":"no"}""");
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/");
            return response;
        });
        using var _s = session;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => session.Logs("us-east-2").DeleteLogGroupAsync("g"));

        Assert.Equal("AccessDeniedException", error.ErrorCode);
    }

    [Fact]
    public async Task Cancellation_stops_the_retries()
    {
        using var cancel = new CancellationTokenSource();
        var (session, handler) = Session(50, _ =>
        {
            cancel.Cancel();
            return Json(HttpStatusCode.ServiceUnavailable, "{}");
        });
        using var _ = session;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => session.Ecs("us-east-2").ListClustersAsync(cancel.Token));

        Assert.Single(handler.Seen);
    }

    [Fact]
    public void Backoff_doubles_from_the_base_delay_up_to_the_cap()
    {
        var policy = new AwsRetryPolicy(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(350));

        Assert.Equal(100, policy.DelayBefore(2, 1.0).TotalMilliseconds);
        Assert.Equal(200, policy.DelayBefore(3, 1.0).TotalMilliseconds);
        Assert.Equal(350, policy.DelayBefore(4, 1.0).TotalMilliseconds);
        Assert.Equal(50, policy.DelayBefore(2, 0.0).TotalMilliseconds);
    }

    [Fact]
    public async Task Run_task_that_Fargate_cannot_place_yet_is_tried_again()
    {
        var (session, handler) = Session(1,
            _ => Json(HttpStatusCode.OK, """{"tasks":[],"failures":[{"reason":"Capacity is unavailable at this time."}]}"""),
            _ => Json(HttpStatusCode.OK, """{"tasks":[{"taskArn":"arn:task/1"}],"failures":[]}"""));
        using var _ = session;
        var options = new AwsProvisionOptions { RunTaskRetryDelay = TimeSpan.FromMilliseconds(1) };

        var task = await AwsSiloTasks.RunSiloTaskAsync(session.Ecs("us-east-2"), "c", "td", "subnet-1", "sg-1",
            "node", new Dictionary<string, string>(), options, TimeProvider.System, CancellationToken.None);

        Assert.Equal("arn:task/1", task);
        Assert.Equal(2, handler.Seen.Count);
        var first = JsonDocument.Parse(handler.Seen[0].Body).RootElement;
        var second = JsonDocument.Parse(handler.Seen[1].Body).RootElement;
        Assert.NotEqual(first.GetProperty("clientToken").GetString(), second.GetProperty("clientToken").GetString());
        Assert.Equal("ENABLED",
            first.GetProperty("networkConfiguration").GetProperty("awsvpcConfiguration").GetProperty("assignPublicIp").GetString());
    }

    [Fact]
    public async Task Run_task_failure_that_will_not_pass_is_reported_with_its_reason()
    {
        var (session, handler) = Session(1,
            _ => Json(HttpStatusCode.OK, """{"tasks":[],"failures":[{"reason":"MISSING","detail":"no such subnet"}]}"""));
        using var _ = session;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => AwsSiloTasks.RunSiloTaskAsync(
            session.Ecs("us-east-2"), "c", "td", "subnet-1", "sg-1", "node", new Dictionary<string, string>(),
            new AwsProvisionOptions(), TimeProvider.System, CancellationToken.None));

        Assert.Single(handler.Seen);
        Assert.Equal("RunTaskFailure", error.ErrorCode);
        Assert.Contains("no task started for td in cluster c after 1 attempt(s): MISSING (no such subnet)", error.Message,
            StringComparison.Ordinal);
    }
}
