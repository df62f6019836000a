using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace AutoMon.Silos.Membership;

/// <summary>Paginated partition queries and batched deletes shared by the membership table and the gateway list provider.</summary>
internal static class DynamoDBOperations
{
    /// <summary>DynamoDB's limit on the requests in one BatchWriteItem.</summary>
    public const int MaxBatchWriteSize = 25;

    private const int MaxUnprocessedRetries = 8;

    /// <summary>
    /// Every item of partition <paramref name="clusterId"/>, following pagination; strongly consistent.
    /// <paramref name="filter"/> may use the names and values given (the key condition uses <c>#cid</c> and <c>:cid</c>).
    /// </summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> QueryPartitionAsync(
        IAmazonDynamoDB client,
        string tableName,
        string clusterId,
        CancellationToken cancellationToken,
        string? filter = null,
        string? projection = null,
        Dictionary<string, string>? names = null,
        Dictionary<string, AttributeValue>? values = null)
    {
        var attributeNames = new Dictionary<string, string>(names ?? []) { ["#cid"] = MembershipSchema.ClusterId };
        var attributeValues = new Dictionary<string, AttributeValue>(values ?? []) { [":cid"] = MembershipSchema.Text(clusterId) };
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var request = new QueryRequest
            {
                TableName = tableName,
                ConsistentRead = true,
                KeyConditionExpression = "#cid = :cid",
                FilterExpression = filter,
                ProjectionExpression = projection,
                ExpressionAttributeNames = attributeNames,
                ExpressionAttributeValues = attributeValues,
                ExclusiveStartKey = startKey,
            };
            var response = await client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Items is { } page)
            {
                items.AddRange(page);
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return items;
    }

    /// <summary>Deletes <paramref name="keys"/> in batches of 25, retrying unprocessed requests with back-off.</summary>
    public static async Task DeleteAsync(IAmazonDynamoDB client, string tableName, IReadOnlyList<Dictionary<string, AttributeValue>> keys, CancellationToken cancellationToken)
    {
        for (var start = 0; start < keys.Count; start += MaxBatchWriteSize)
        {
            var batch = new List<WriteRequest>();
            for (var i = start; i < Math.Min(start + MaxBatchWriteSize, keys.Count); i++)
            {
                batch.Add(new WriteRequest { DeleteRequest = new DeleteRequest { Key = keys[i] } });
            }

            var pending = new Dictionary<string, List<WriteRequest>> { [tableName] = batch };
            for (var attempt = 0; ; attempt++)
            {
                var response = await client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, cancellationToken)
                    .ConfigureAwait(false);
                if (response.UnprocessedItems is not { Count: > 0 } unprocessed || unprocessed.Values.All(list => list.Count == 0))
                {
                    break;
                }

                if (attempt == MaxUnprocessedRetries)
                {
                    throw new InvalidOperationException(
                        $"DynamoDB left {unprocessed.Values.Sum(list => list.Count)} deletes unprocessed in table '{tableName}' after {MaxUnprocessedRetries} retries.");
                }

                pending = unprocessed;
                await Task.Delay(TimeSpan.FromMilliseconds(50 << attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
