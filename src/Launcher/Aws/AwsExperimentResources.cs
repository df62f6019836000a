using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.Logging.Abstractions;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// What an experiment's silos share, made before they start: the CloudWatch log group their tasks write to, and the
/// DynamoDB membership table through which they find each other, created by the silos' own
/// <see cref="MembershipTableProvisioner"/> (so its schema is the one the membership provider reads) and tagged with the run.
/// Both may be left by an earlier run of the same experiment: the log group is claimed for this run, the table replaced.
/// </summary>
internal sealed class AwsExperimentResources(AwsSession session, TextWriter log, TimeProvider time)
{
    public async Task EnsureLogGroupAsync(string region, string name, IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken)
    {
        var logs = session.Logs(region);
        try
        {
            await logs.CreateLogGroupAsync(name, tags, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
        {
            // Left by an earlier run of the same experiment (the seed reuses it too): claim it for this run.
            var group = (await logs.DescribeLogGroupsAsync(name, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(g => g.LogGroupName == name);
            if (group?.TaggingArn is { } arn)
            {
                await logs.TagResourceAsync(arn, tags, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A fresh, ACTIVE membership table. One left by an earlier run of this experiment (nothing of it runs: checked before)
    /// names silos that are gone, so it is deleted first; a table of that name the launcher did not make is never touched.
    /// </summary>
    public async Task EnsureMembershipTableAsync(string region, string name, IReadOnlyDictionary<string, string> tags,
        AwsProvisionOptions options, CancellationToken cancellationToken)
    {
        var dynamo = session.DynamoDb(region);
        if (await DescribeTableAsync(dynamo, region, name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            var existingTags = await AwsSdkCall.RunAsync(session, "dynamodb", "ListTagsOfResource", region, () =>
                dynamo.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = existing.TableArn },
                    cancellationToken)).ConfigureAwait(false);
            if (!(existingTags.Tags ?? []).Any(t => t.Key == AwsNaming.RunTag))
            {
                var keys = (existing.KeySchema ?? []).Select(k => $"{k.AttributeName}:{k.KeyType}");
                throw new InvalidOperationException(
                    $"DynamoDB table {name} in {region} exists but was not made by the launcher (key schema " +
                    $"[{string.Join(", ", keys)}], no {AwsNaming.RunTag} tag); delete or rename it.");
            }
            log.WriteLine($"  replacing stale membership table {name} in {region}");
            await DeleteTableAsync(dynamo, region, name, options, cancellationToken).ConfigureAwait(false);
        }

        var provisioner = new MembershipTableProvisioner(dynamo, new DynamoDBClusteringOptions
        {
            TableName = name,
            CapacityMode = DynamoDBCapacityMode.OnDemand,
            TableReadyTimeout = options.TableActiveTimeout,
        }, NullLogger.Instance, tags);
        await AwsSdkCall.RunAsync(session, "dynamodb", "CreateTable", region,
            () => provisioner.EnsureTableAsync(cancellationToken)).ConfigureAwait(false);
    }

    private async Task DeleteTableAsync(IAmazonDynamoDB dynamo, string region, string name, AwsProvisionOptions options,
        CancellationToken cancellationToken)
    {
        try
        {
            await AwsSdkCall.RunAsync(session, "dynamodb", "DeleteTable", region,
                () => dynamo.DeleteTableAsync(name, cancellationToken)).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceInUseException")
        {
            // Already being deleted (or still being created): wait below either way.
        }
        var deadline = time.GetUtcNow() + options.TableActiveTimeout;
        while (await DescribeTableAsync(dynamo, region, name, cancellationToken).ConfigureAwait(false) is not null)
        {
            if (time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"DynamoDB table {name} in {region} is still there after {options.TableActiveTimeout}.");
            }
            await Task.Delay(options.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The table, or null when there is none of that name.</summary>
    private async Task<TableDescription?> DescribeTableAsync(IAmazonDynamoDB dynamo, string region, string name,
        CancellationToken cancellationToken)
    {
        try
        {
            var response = await AwsSdkCall.RunAsync(session, "dynamodb", "DescribeTable", region,
                () => dynamo.DescribeTableAsync(new DescribeTableRequest { TableName = name }, cancellationToken))
                .ConfigureAwait(false);
            return response.Table;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            return null;
        }
    }
}
