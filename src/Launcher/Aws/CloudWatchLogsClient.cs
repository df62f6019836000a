using System.Text.Json;

namespace AutoMon.Launcher.Aws;

public sealed record LogGroup(string LogGroupName, string? Arn, string? LogGroupArn)
{
    /// <summary>The ARN the tagging calls want: DescribeLogGroups' <c>arn</c> ends in <c>:*</c>, <c>logGroupArn</c> does not.</summary>
    public string? TaggingArn => LogGroupArn ?? (Arn is { } arn && arn.EndsWith(":*", StringComparison.Ordinal) ? arn[..^2] : Arn);
}

/// <summary>The CloudWatch Logs calls the launcher makes (target prefix <c>Logs_20140328</c>).</summary>
public sealed class CloudWatchLogsClient
{
    internal CloudWatchLogsClient(AwsJsonClient json) => Json = json;

    public AwsJsonClient Json { get; }
    public string Region => Json.Region;

    public Task CreateLogGroupAsync(string logGroupName, IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken = default) =>
        Json.CallAsync("CreateLogGroup", new { logGroupName, tags }, cancellationToken);

    public Task DeleteLogGroupAsync(string logGroupName, CancellationToken cancellationToken = default) =>
        Json.CallAsync("DeleteLogGroup", new { logGroupName }, cancellationToken);

    public async Task<IReadOnlyList<LogGroup>> DescribeLogGroupsAsync(string? logGroupNamePrefix = null,
        CancellationToken cancellationToken = default)
    {
        var all = new List<LogGroup>();
        string? token = null;
        do
        {
            var response = await Json.CallAsync("DescribeLogGroups",
                new { logGroupNamePrefix, nextToken = token, limit = 50 }, cancellationToken).ConfigureAwait(false);
            all.AddRange(EcsClient.ReadList<LogGroup>(response, "logGroups"));
            token = response.ValueKind == JsonValueKind.Object &&
                    response.TryGetProperty("nextToken", out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString()
                : null;
        }
        while (!string.IsNullOrEmpty(token));
        return all;
    }

    public async Task<IReadOnlyDictionary<string, string>> ListTagsForResourceAsync(string resourceArn,
        CancellationToken cancellationToken = default)
    {
        var response = await Json.CallAsync("ListTagsForResource", new { resourceArn }, cancellationToken)
            .ConfigureAwait(false);
        return response.ValueKind == JsonValueKind.Object && response.TryGetProperty("tags", out var tags) &&
               tags.ValueKind == JsonValueKind.Object
            ? tags.Deserialize<Dictionary<string, string>>(AwsJsonClient.Json) ?? []
            : new Dictionary<string, string>();
    }

    public Task TagResourceAsync(string resourceArn, IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken = default) =>
        Json.CallAsync("TagResource", new { resourceArn, tags }, cancellationToken);
}
