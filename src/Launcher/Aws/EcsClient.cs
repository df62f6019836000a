using System.Text.Json;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// The Amazon ECS calls the launcher makes, over <see cref="AwsJsonClient"/> (target prefix
/// <c>AmazonEC2ContainerServiceV20141113</c>). List calls follow <c>nextToken</c> to the end; describe calls batch by 100.
/// </summary>
public sealed class EcsClient
{
    private const int DescribeBatch = 100;

    internal EcsClient(AwsJsonClient json) => Json = json;

    public AwsJsonClient Json { get; }
    public string Region => Json.Region;

    public async Task<EcsCluster> CreateClusterAsync(string clusterName, IReadOnlyList<EcsTag> tags,
        CancellationToken cancellationToken = default)
    {
        var response = await Json.CallAsync("CreateCluster", new { clusterName, tags }, cancellationToken)
            .ConfigureAwait(false);
        return Read<EcsCluster>(response, "cluster", "CreateCluster");
    }

    public async Task<EcsCluster> DeleteClusterAsync(string cluster, CancellationToken cancellationToken = default)
    {
        var response = await Json.CallAsync("DeleteCluster", new { cluster }, cancellationToken).ConfigureAwait(false);
        return Read<EcsCluster>(response, "cluster", "DeleteCluster");
    }

    public Task<IReadOnlyList<string>> ListClustersAsync(CancellationToken cancellationToken = default) =>
        ListAllAsync("ListClusters", "clusterArns", token => new { nextToken = token, maxResults = 100 }, cancellationToken);

    public async Task<IReadOnlyList<EcsCluster>> DescribeClustersAsync(IReadOnlyList<string> clusters, bool includeTags,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var result = new List<EcsCluster>();
        foreach (var batch in clusters.Chunk(DescribeBatch))
        {
            var response = await Json.CallAsync("DescribeClusters",
                new { clusters = batch, include = includeTags ? new[] { "TAGS" } : null }, cancellationToken)
                .ConfigureAwait(false);
            result.AddRange(ReadList<EcsCluster>(response, "clusters"));
        }
        return result;
    }

    public async Task<EcsTaskDefinition> RegisterTaskDefinitionAsync(EcsRegisterTaskDefinitionRequest request,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await Json.CallAsync("RegisterTaskDefinition", request, cancellationToken).ConfigureAwait(false);
        return Read<EcsTaskDefinition>(response, "taskDefinition", "RegisterTaskDefinition");
    }

    public async Task<EcsTaskDefinition> DeregisterTaskDefinitionAsync(string taskDefinition,
        CancellationToken cancellationToken = default)
    {
        var response = await Json.CallAsync("DeregisterTaskDefinition", new { taskDefinition }, cancellationToken)
            .ConfigureAwait(false);
        return Read<EcsTaskDefinition>(response, "taskDefinition", "DeregisterTaskDefinition");
    }

    public async Task<EcsTaggedTaskDefinition> DescribeTaskDefinitionAsync(string taskDefinition,
        CancellationToken cancellationToken = default)
    {
        var response = await Json.CallAsync("DescribeTaskDefinition",
            new { taskDefinition, include = new[] { "TAGS" } }, cancellationToken).ConfigureAwait(false);
        return new EcsTaggedTaskDefinition(Read<EcsTaskDefinition>(response, "taskDefinition", "DescribeTaskDefinition"),
            ReadList<EcsTag>(response, "tags"));
    }

    /// <summary>Task definition ARNs, optionally of one family and status (ACTIVE or INACTIVE).</summary>
    public Task<IReadOnlyList<string>> ListTaskDefinitionsAsync(string? familyPrefix, string status = "ACTIVE",
        CancellationToken cancellationToken = default) =>
        ListAllAsync("ListTaskDefinitions", "taskDefinitionArns",
            token => new { familyPrefix, status, nextToken = token, maxResults = 100 }, cancellationToken);

    public async Task<EcsRunTaskResult> RunTaskAsync(EcsRunTaskRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await Json.CallAsync("RunTask", request, cancellationToken).ConfigureAwait(false);
        return new EcsRunTaskResult(ReadList<EcsTask>(response, "tasks"), ReadList<EcsFailure>(response, "failures"));
    }

    public async Task<EcsTask> StopTaskAsync(string cluster, string task, string reason,
        CancellationToken cancellationToken = default)
    {
        var response = await Json.CallAsync("StopTask", new { cluster, task, reason }, cancellationToken)
            .ConfigureAwait(false);
        return Read<EcsTask>(response, "task", "StopTask");
    }

    /// <summary>Task ARNs of a cluster; desiredStatus RUNNING (the API's default) also covers tasks still pending.</summary>
    public Task<IReadOnlyList<string>> ListTasksAsync(string cluster, string? desiredStatus = null,
        CancellationToken cancellationToken = default) =>
        ListAllAsync("ListTasks", "taskArns",
            token => new { cluster, desiredStatus, nextToken = token, maxResults = 100 }, cancellationToken);

    public async Task<IReadOnlyList<EcsTask>> DescribeTasksAsync(string cluster, IReadOnlyList<string> tasks,
        bool includeTags = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var result = new List<EcsTask>();
        foreach (var batch in tasks.Chunk(DescribeBatch))
        {
            var response = await Json.CallAsync("DescribeTasks",
                new { cluster, tasks = batch, include = includeTags ? new[] { "TAGS" } : null }, cancellationToken)
                .ConfigureAwait(false);
            result.AddRange(ReadList<EcsTask>(response, "tasks"));
        }
        return result;
    }

    public Task TagResourceAsync(string resourceArn, IReadOnlyList<EcsTag> tags,
        CancellationToken cancellationToken = default) =>
        Json.CallAsync("TagResource", new { resourceArn, tags }, cancellationToken);

    public async Task<IReadOnlyList<EcsTag>> ListTagsForResourceAsync(string resourceArn,
        CancellationToken cancellationToken = default)
    {
        var response = await Json.CallAsync("ListTagsForResource", new { resourceArn }, cancellationToken)
            .ConfigureAwait(false);
        return ReadList<EcsTag>(response, "tags");
    }

    private async Task<IReadOnlyList<string>> ListAllAsync(string action, string property, Func<string?, object> request,
        CancellationToken cancellationToken)
    {
        var all = new List<string>();
        string? token = null;
        do
        {
            var response = await Json.CallAsync(action, request(token), cancellationToken).ConfigureAwait(false);
            all.AddRange(ReadList<string>(response, property));
            token = response.ValueKind == JsonValueKind.Object &&
                    response.TryGetProperty("nextToken", out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString()
                : null;
        }
        while (!string.IsNullOrEmpty(token));
        return all;
    }

    private T Read<T>(JsonElement response, string property, string action)
    {
        if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty(property, out var value) ||
            value.ValueKind == JsonValueKind.Null)
        {
            throw new AwsServiceException(Json.Service, action, Region, null, "MalformedResponse",
                $"the answer has no '{property}'");
        }
        return value.Deserialize<T>(AwsJsonClient.Json)!;
    }

    internal static IReadOnlyList<T> ReadList<T>(JsonElement response, string property) =>
        response.ValueKind == JsonValueKind.Object && response.TryGetProperty(property, out var value) &&
        value.ValueKind == JsonValueKind.Array
            ? value.Deserialize<List<T>>(AwsJsonClient.Json) ?? []
            : [];
}
