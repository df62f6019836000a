using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using Amazon.S3.Model;
using Ec2Filter = Amazon.EC2.Model.Filter;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Removes what launcher runs created, found by the <see cref="AwsNaming.RunTag"/> tag and nothing else (one run's, or
/// every run's), or with <see cref="AwsCleanupRequest.DryRun"/> only lists it.
/// </summary>
public sealed class AwsCleanup
{
    private static readonly HashSet<string> ClusterBusyCodes = new(StringComparer.Ordinal)
    {
        "ClusterContainsTasksException", "ClusterContainsServicesException", "ClusterContainsContainerInstancesException",
        "UpdateInProgressException",
    };

    private readonly AwsSession _session;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;

    public AwsCleanup(AwsSession session, TextWriter? log = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _log = log ?? TextWriter.Null;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Removes what launcher runs created, found by the <see cref="AwsNaming.RunTag"/> tag (one run's, or every run's when
    /// <see cref="AwsCleanupRequest.RunId"/> is null): first what costs money (ECS tasks are stopped, EC2 coordinators
    /// terminated, and both awaited), then task definitions, clusters, log groups, membership tables and security groups,
    /// and the data files uploaded for the coordinators (<c>&lt;run id&gt;/datasets/</c>; results stay); the results bucket
    /// only on request. A resource that cannot be removed is reported in
    /// <see cref="AwsCleanupReport.Failures"/> and the rest still goes; an unreachable endpoint throws. A dry run makes
    /// only the look-ups and reports what it would remove.
    /// </summary>
    public async Task<AwsCleanupReport> CleanupAsync(AwsCleanupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RunId is { } runId)
        {
            AwsNaming.ValidateRunId(runId);
        }
        foreach (var region in request.Regions)
        {
            AwsNaming.ValidateRegion(region);
        }
        if (request.WaitTimeout < TimeSpan.Zero || request.PollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("cleanup needs a non-negative wait time-out and a positive poll interval.",
                nameof(request));
        }

        var state = new CleanupState(request);
        var regions = request.Regions.Distinct(StringComparer.Ordinal).ToList();
        var what = request.RunId is null ? "every AutoMon run" : $"run {request.RunId}";
        _log.WriteLine(request.DryRun
            ? $"Looking for what cleaning up {what} in {string.Join(", ", regions)} would remove (dry run: nothing is removed)..."
            : $"Cleaning up {what} in {string.Join(", ", regions)}...");

        // What bills by the second goes first.
        var clusters = new List<(EcsClient Ecs, EcsCluster Cluster)>();
        var stoppedTasks = new List<(EcsClient Ecs, string Cluster, string Task)>();
        var instances = new List<(string Region, string InstanceId)>();
        foreach (var region in regions)
        {
            var ecs = _session.Ecs(region);
            foreach (var cluster in await FindClustersAsync(ecs, state, cancellationToken).ConfigureAwait(false))
            {
                clusters.Add((ecs, cluster));
                foreach (var task in await ecs.ListTasksAsync(cluster.ClusterArn, "RUNNING", cancellationToken).ConfigureAwait(false))
                {
                    if (await state.TryAsync(AwsCleanupReport.EcsTask, region, task,
                            () => ecs.StopTaskAsync(cluster.ClusterArn, task, "AutoMon cleanup", cancellationToken))
                        .ConfigureAwait(false))
                    {
                        stoppedTasks.Add((ecs, cluster.ClusterArn, task));
                    }
                }
            }
            foreach (var instance in await TerminateInstancesAsync(region, state, cancellationToken).ConfigureAwait(false))
            {
                instances.Add((region, instance));
            }
        }
        await WaitForTasksStoppedAsync(stoppedTasks, state, cancellationToken).ConfigureAwait(false);
        await WaitForInstancesTerminatedAsync(instances, state, cancellationToken).ConfigureAwait(false);

        foreach (var region in regions)
        {
            await DeregisterTaskDefinitionsAsync(_session.Ecs(region), state, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (ecs, cluster) in clusters)
        {
            await state.RetryWhileAsync(AwsCleanupReport.EcsCluster, ecs.Region, cluster.ClusterName, ClusterBusyCodes,
                () => ecs.DeleteClusterAsync(cluster.ClusterArn, cancellationToken), _time, cancellationToken)
                .ConfigureAwait(false);
        }
        foreach (var region in regions)
        {
            await DeleteLogGroupsAsync(_session.Logs(region), state, cancellationToken).ConfigureAwait(false);
            await DeleteMembershipTablesAsync(region, state, cancellationToken).ConfigureAwait(false);
        }
        foreach (var region in regions)
        {
            await DeleteSecurityGroupsAsync(region, state, cancellationToken).ConfigureAwait(false);
        }
        if (request.DeleteResultsBucket)
        {
            await DeleteResultsBucketAsync(request, state, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DeleteDataFilesAsync(request, state, cancellationToken).ConfigureAwait(false);
        }

        var report = new AwsCleanupReport(state.Removed, state.Failures) { DryRun = request.DryRun };
        _log.Write(report.Describe());
        return report;
    }

    private static async Task<IReadOnlyList<EcsCluster>> FindClustersAsync(EcsClient ecs, CleanupState state,
        CancellationToken cancellationToken)
    {
        var arns = await ecs.ListClustersAsync(cancellationToken).ConfigureAwait(false);
        if (arns.Count == 0)
        {
            return [];
        }
        var clusters = await ecs.DescribeClustersAsync(arns, includeTags: true, cancellationToken).ConfigureAwait(false);
        // Deleted clusters stay visible as INACTIVE for a while (in moto for ever): only ACTIVE ones are ours to delete.
        return clusters.Where(c => c.Status == "ACTIVE" && state.Matches(c.Tags?.Select(t => (t.Key, t.Value)))).ToList();
    }

    private async Task<IReadOnlyList<string>> TerminateInstancesAsync(string region, CleanupState state,
        CancellationToken cancellationToken)
    {
        var ec2 = _session.Ec2(region);
        var ids = new List<string>();
        string? token = null;
        do
        {
            var page = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeInstances", region, () =>
                ec2.DescribeInstancesAsync(new DescribeInstancesRequest
                {
                    Filters =
                    [
                        state.Ec2TagFilter,
                        new Ec2Filter("instance-state-name", ["pending", "running", "stopping", "stopped"]),
                    ],
                    NextToken = token,
                }, cancellationToken)).ConfigureAwait(false);
            ids.AddRange((page.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => i.InstanceId));
            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));

        var terminated = new List<string>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (await state.TryAsync(AwsCleanupReport.Ec2Instance, region, id, () => AwsSdkCall.RunAsync(_session, "ec2",
                    "TerminateInstances", region, () => ec2.TerminateInstancesAsync(
                        new TerminateInstancesRequest { InstanceIds = [id] }, cancellationToken))).ConfigureAwait(false))
            {
                terminated.Add(id);
            }
        }
        return terminated;
    }

    private async Task WaitForTasksStoppedAsync(List<(EcsClient Ecs, string Cluster, string Task)> tasks, CleanupState state,
        CancellationToken cancellationToken)
    {
        var pending = tasks;
        await state.WaitUntilAsync("ECS tasks to stop", _time, async () =>
        {
            var still = new List<(EcsClient, string, string)>();
            foreach (var group in pending.GroupBy(t => (t.Ecs, t.Cluster)))
            {
                var described = await group.Key.Ecs.DescribeTasksAsync(group.Key.Cluster,
                    group.Select(t => t.Task).ToList(), false, cancellationToken).ConfigureAwait(false);
                var running = described.Where(t => t.LastStatus != "STOPPED").Select(t => t.TaskArn)
                    .ToHashSet(StringComparer.Ordinal);
                still.AddRange(group.Where(t => running.Contains(t.Task)));
            }
            pending = still;
            return pending.Count == 0
                ? null
                : $"{pending.Count} task(s) not yet stopped: {string.Join(", ", pending.Select(t => t.Item3))}";
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForInstancesTerminatedAsync(List<(string Region, string InstanceId)> instances,
        CleanupState state, CancellationToken cancellationToken)
    {
        var pending = instances;
        await state.WaitUntilAsync("EC2 instances to terminate", _time, async () =>
        {
            var still = new List<(string, string)>();
            foreach (var group in pending.GroupBy(i => i.Region))
            {
                var ec2 = _session.Ec2(group.Key);
                var response = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeInstances", group.Key, () =>
                    ec2.DescribeInstancesAsync(new DescribeInstancesRequest
                    {
                        InstanceIds = group.Select(i => i.InstanceId).ToList(),
                    }, cancellationToken)).ConfigureAwait(false);
                still.AddRange((response.Reservations ?? []).SelectMany(r => r.Instances ?? [])
                    .Where(i => i.State?.Name?.Value != "terminated")
                    .Select(i => (group.Key, i.InstanceId)));
            }
            pending = still;
            return pending.Count == 0
                ? null
                : $"{pending.Count} instance(s) not yet terminated: {string.Join(", ", pending.Select(i => i.Item2))}";
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task DeregisterTaskDefinitionsAsync(EcsClient ecs, CleanupState state,
        CancellationToken cancellationToken)
    {
        var arns = await ecs.ListTaskDefinitionsAsync(null, "ACTIVE", cancellationToken).ConfigureAwait(false);
        foreach (var arn in arns.Where(a => AwsNaming.LooksLikeFamily(AwsSiloTasks.FamilyOf(a))))
        {
            var described = await ecs.DescribeTaskDefinitionAsync(arn, cancellationToken).ConfigureAwait(false);
            if (state.Matches(described.Tags.Select(t => (t.Key, t.Value))))
            {
                await state.TryAsync(AwsCleanupReport.TaskDefinition, ecs.Region, arn,
                    () => ecs.DeregisterTaskDefinitionAsync(arn, cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    private static async Task DeleteLogGroupsAsync(CloudWatchLogsClient logs, CleanupState state,
        CancellationToken cancellationToken)
    {
        foreach (var group in await logs.DescribeLogGroupsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (!AwsNaming.LooksLikeExperimentResource(group.LogGroupName) || group.TaggingArn is not { } arn)
            {
                continue;
            }
            var tags = await logs.ListTagsForResourceAsync(arn, cancellationToken).ConfigureAwait(false);
            if (state.Matches(tags.Select(t => (t.Key, t.Value))))
            {
                await state.TryAsync(AwsCleanupReport.LogGroup, logs.Region, group.LogGroupName,
                    () => logs.DeleteLogGroupAsync(group.LogGroupName, cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    private async Task DeleteMembershipTablesAsync(string region, CleanupState state, CancellationToken cancellationToken)
    {
        var dynamo = _session.DynamoDb(region);
        var names = new List<string>();
        string? start = null;
        do
        {
            var page = await AwsSdkCall.RunAsync(_session, "dynamodb", "ListTables", region, () =>
                dynamo.ListTablesAsync(new ListTablesRequest { ExclusiveStartTableName = start }, cancellationToken))
                .ConfigureAwait(false);
            names.AddRange(page.TableNames ?? []);
            start = page.LastEvaluatedTableName;
        }
        while (!string.IsNullOrEmpty(start));

        foreach (var name in names.Where(AwsNaming.LooksLikeExperimentResource))
        {
            var described = await AwsSdkCall.RunAsync(_session, "dynamodb", "DescribeTable", region,
                () => dynamo.DescribeTableAsync(new DescribeTableRequest { TableName = name }, cancellationToken))
                .ConfigureAwait(false);
            var table = described.Table;
            var tags = await AwsSdkCall.RunAsync(_session, "dynamodb", "ListTagsOfResource", region, () =>
                dynamo.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = table.TableArn },
                    cancellationToken)).ConfigureAwait(false);
            if (state.Matches((tags.Tags ?? []).Select(t => (t.Key, t.Value))))
            {
                await state.TryAsync(AwsCleanupReport.MembershipTable, region, name, () => AwsSdkCall.RunAsync(_session,
                    "dynamodb", "DeleteTable", region, () => dynamo.DeleteTableAsync(name, cancellationToken)))
                    .ConfigureAwait(false);
            }
        }
    }

    private async Task DeleteSecurityGroupsAsync(string region, CleanupState state, CancellationToken cancellationToken)
    {
        var ec2 = _session.Ec2(region);
        var groups = await AwsSdkCall.RunAsync(_session, "ec2", "DescribeSecurityGroups", region, () =>
            ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [state.Ec2TagFilter] },
                cancellationToken)).ConfigureAwait(false);
        foreach (var group in groups.SecurityGroups ?? [])
        {
            // Network interfaces of stopped Fargate tasks are released a little after the task stops.
            await state.RetryWhileAsync(AwsCleanupReport.SecurityGroup, region, $"{group.GroupName} ({group.GroupId})",
                new HashSet<string>(StringComparer.Ordinal) { "DependencyViolation" },
                () => AwsSdkCall.RunAsync(_session, "ec2", "DeleteSecurityGroup", region, () =>
                    ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = group.GroupId },
                        cancellationToken)), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeleteResultsBucketAsync(AwsCleanupRequest request, CleanupState state,
        CancellationToken cancellationToken)
    {
        var region = request.ResultsRegion;
        var s3 = _session.S3(region);
        var bucket = request.ResultsBucket;
        try
        {
            await DeleteObjectsAsync(request, "", _ => true, state, cancellationToken).ConfigureAwait(false);
            await state.TryAsync(AwsCleanupReport.ResultsBucket, region, bucket, () => AwsSdkCall.RunAsync(_session, "s3",
                "DeleteBucket", region, () => s3.DeleteBucketAsync(bucket, cancellationToken))).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchBucket")
        {
            // Nothing there.
        }
    }

    /// <summary>
    /// The data files runs uploaded for their coordinators (<c>--data-dir</c>): under <c>&lt;run id&gt;/datasets/</c> of the
    /// results bucket, the run's or every run's. The results themselves stay.
    /// </summary>
    private async Task DeleteDataFilesAsync(AwsCleanupRequest request, CleanupState state, CancellationToken cancellationToken)
    {
        var prefix = request.RunId is { } runId ? runId + "/datasets/" : "";
        try
        {
            await DeleteObjectsAsync(request, prefix, key => IsDataFileKey(key, request.RunId), state, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchBucket")
        {
            // Nothing there.
        }
    }

    /// <summary>Whether <paramref name="key"/> is a data file of run <paramref name="runId"/> (null: of any run).</summary>
    internal static bool IsDataFileKey(string key, string? runId)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !key.AsSpan(slash).StartsWith("/datasets/", StringComparison.Ordinal))
        {
            return false;
        }

        var owner = key[..slash];
        return runId is null ? AwsNaming.IsRunId(owner) : owner == runId;
    }

    private async Task DeleteObjectsAsync(AwsCleanupRequest request, string prefix, Func<string, bool> matches, CleanupState state,
        CancellationToken cancellationToken)
    {
        var region = request.ResultsRegion;
        var s3 = _session.S3(region);
        var bucket = request.ResultsBucket;
        string? token = null;
        do
        {
            var page = await AwsSdkCall.RunAsync(_session, "s3", "ListObjectsV2", region, () =>
                s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token },
                    cancellationToken)).ConfigureAwait(false);
            var keys = (page.S3Objects ?? []).Select(o => o.Key).Where(matches).ToList();
            if (keys.Count > 0 && !state.DryRun)
            {
                await AwsSdkCall.RunAsync(_session, "s3", "DeleteObjects", region, () => s3.DeleteObjectsAsync(
                    new DeleteObjectsRequest
                    {
                        BucketName = bucket,
                        Objects = keys.Select(k => new KeyVersion { Key = k }).ToList(),
                    }, cancellationToken)).ConfigureAwait(false);
            }
            if (keys.Count > 0)
            {
                state.Removed.AddRange(keys.Select(k => new AwsRemovedResource(AwsCleanupReport.ResultObject, region,
                    $"s3://{bucket}/{k}")));
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }
}
