using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace AutoMon.Silos.Membership;

/// <summary>The key schema of one of our tables and what to call it in messages ("membership", "grain state").</summary>
/// <param name="Kind">The table's purpose, in messages: <c>DynamoDB {Kind} table 'name'</c>.</param>
/// <param name="HashKey">The partition key attribute (a string).</param>
/// <param name="RangeKey">The sort key attribute (a string).</param>
public sealed record DynamoDBTableSchema(string Kind, string HashKey, string RangeKey);

/// <summary>The membership table's provisioner: a <see cref="DynamoDBTableProvisioner"/> with the membership key schema.</summary>
public sealed class MembershipTableProvisioner(IAmazonDynamoDB client, DynamoDBTableOptions options, ILogger logger,
    IReadOnlyDictionary<string, string>? tags = null)
{
    /// <summary>The membership table's keys: cluster id (HASH), silo identity (RANGE).</summary>
    public static readonly DynamoDBTableSchema Schema = new("membership", MembershipSchema.ClusterId, MembershipSchema.SiloIdentity);

    /// <summary>Creates the table unless it exists, waits until it is ACTIVE, and checks its key schema.</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken) =>
        new DynamoDBTableProvisioner(client, options, Schema, logger, tags).EnsureTableAsync(cancellationToken);
}

/// <summary>
/// Makes sure one of our tables (membership, grain state) exists and is ACTIVE. Several silos may start at once: a create that fails with
/// <see cref="ResourceInUseException"/> means another silo created the table, so we wait for ACTIVE like everyone else.
/// An existing table is never updated (its billing mode and capacity are the owner's choice), only checked for our key schema.
/// The silos' providers and the AWS launcher (which tags the tables of a run, <paramref name="tags"/>) create them here.
/// </summary>
public sealed partial class DynamoDBTableProvisioner(IAmazonDynamoDB client, DynamoDBTableOptions options, DynamoDBTableSchema schema,
    ILogger logger, IReadOnlyDictionary<string, string>? tags = null)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Creates the table unless it exists, waits until it is ACTIVE, and checks its key schema.</summary>
    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        var table = await DescribeAsync(cancellationToken).ConfigureAwait(false);
        if (table is null)
        {
            if (!options.CreateIfNotExists)
            {
                throw new InvalidOperationException(
                    $"DynamoDB {schema.Kind} table '{options.TableName}' does not exist and {nameof(options.CreateIfNotExists)} is false.");
            }

            await CreateAsync(cancellationToken).ConfigureAwait(false);
        }

        table = await WaitUntilActiveAsync(table, cancellationToken).ConfigureAwait(false);
        CheckKeySchema(table);
    }

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        var request = new CreateTableRequest
        {
            TableName = options.TableName,
            KeySchema =
            [
                new KeySchemaElement { AttributeName = schema.HashKey, KeyType = KeyType.HASH },
                new KeySchemaElement { AttributeName = schema.RangeKey, KeyType = KeyType.RANGE },
            ],
            AttributeDefinitions =
            [
                new AttributeDefinition { AttributeName = schema.HashKey, AttributeType = ScalarAttributeType.S },
                new AttributeDefinition { AttributeName = schema.RangeKey, AttributeType = ScalarAttributeType.S },
            ],
        };
        if (tags is { Count: > 0 })
        {
            request.Tags = tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList();
        }

        if (options.CapacityMode == DynamoDBCapacityMode.Provisioned)
        {
            request.BillingMode = BillingMode.PROVISIONED;
            request.ProvisionedThroughput = new ProvisionedThroughput(options.ReadCapacityUnits, options.WriteCapacityUnits);
        }
        else
        {
            request.BillingMode = BillingMode.PAY_PER_REQUEST;
        }

        try
        {
            await client.CreateTableAsync(request, cancellationToken).ConfigureAwait(false);
            LogCreatingTable(schema.Kind, options.TableName, options.CapacityMode);
        }
        catch (ResourceInUseException)
        {
            LogTableCreatedConcurrently(schema.Kind, options.TableName);
        }
    }

    private async Task<TableDescription> WaitUntilActiveAsync(TableDescription? table, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (table?.TableStatus == TableStatus.ACTIVE)
            {
                return table;
            }

            if (table?.TableStatus == TableStatus.DELETING)
            {
                throw new InvalidOperationException($"DynamoDB {schema.Kind} table '{options.TableName}' is being deleted.");
            }

            if (clock.Elapsed > options.TableReadyTimeout)
            {
                throw new TimeoutException(
                    $"DynamoDB {schema.Kind} table '{options.TableName}' did not become ACTIVE within {options.TableReadyTimeout} (last status: {table?.TableStatus?.Value ?? "not found"}).");
            }

            LogWaitingForTable(schema.Kind, options.TableName, table?.TableStatus?.Value ?? "not visible yet");
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);

            // Right after CreateTable the table may briefly not be visible to DescribeTable: keep polling.
            table = await DescribeAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TableDescription?> DescribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.DescribeTableAsync(new DescribeTableRequest { TableName = options.TableName }, cancellationToken)
                .ConfigureAwait(false);
            return response.Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private void CheckKeySchema(TableDescription table)
    {
        var keys = table.KeySchema ?? [];
        var hash = keys.FirstOrDefault(k => k.KeyType == KeyType.HASH)?.AttributeName;
        var range = keys.FirstOrDefault(k => k.KeyType == KeyType.RANGE)?.AttributeName;
        if (hash != schema.HashKey || range != schema.RangeKey || keys.Count != 2)
        {
            var found = string.Join(", ", keys.Select(k => $"{k.AttributeName} ({k.KeyType?.Value})"));
            throw new InvalidOperationException(
                $"DynamoDB table '{options.TableName}' exists but is not a {schema.Kind} table: its key schema is [{found}], " +
                $"expected [{schema.HashKey} (HASH), {schema.RangeKey} (RANGE)]. Choose another table name.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Creating DynamoDB {Kind} table {TableName} ({CapacityMode})")]
    private partial void LogCreatingTable(string kind, string tableName, DynamoDBCapacityMode capacityMode);

    [LoggerMessage(Level = LogLevel.Information, Message = "DynamoDB {Kind} table {TableName} is being created by another process; waiting for it")]
    private partial void LogTableCreatedConcurrently(string kind, string tableName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Waiting for DynamoDB {Kind} table {TableName} to become ACTIVE (status: {Status})")]
    private partial void LogWaitingForTable(string kind, string tableName, string status);
}
