using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using static AutoMon.Silos.Membership.MembershipSchema;

namespace AutoMon.Silos.Membership;

/// <summary>
/// Orleans membership table on DynamoDB. One partition per cluster: a row per silo and a version row. Inserts and
/// updates are one TransactWriteItems (silo row conditional on not existing or on its etag; version row conditional
/// on its etag, etag + 1), so a row and the table version change together or not at all. A failed condition is a
/// normal outcome of the membership protocol's optimistic concurrency and returns <c>false</c>.
/// </summary>
public sealed partial class DynamoDBMembershipTable : IMembershipTable, IDisposable
{
    private const int MaxSnapshotAttempts = 10;

    private readonly DynamoDBClusteringOptions _options;
    private readonly string _clusterId;
    private readonly ILogger _logger;
    private AmazonDynamoDBClient? _client;

    public DynamoDBMembershipTable(
        IOptions<DynamoDBClusteringOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        ILogger<DynamoDBMembershipTable> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clusterOptions);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _clusterId = clusterOptions.Value.ClusterId
            ?? throw new ArgumentException("ClusterOptions.ClusterId is not set", nameof(clusterOptions));
        _logger = logger;
    }

    private IAmazonDynamoDB Client => _client
        ?? throw new InvalidOperationException($"{nameof(DynamoDBMembershipTable)} is used before {nameof(InitializeMembershipTable)}.");

    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    /// <summary>Creates the table if needed (waiting for ACTIVE), then makes sure this cluster has a version row.</summary>
    public async Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken)
    {
        _client ??= DynamoDBClientFactory.Create(_options);
        LogInitializing(_options.TableName, _clusterId);
        await new MembershipTableProvisioner(_client, _options, _logger).EnsureTableAsync(cancellationToken).ConfigureAwait(false);

        if (tryInitTableVersion)
        {
            var versionRow = VersionKey(_clusterId);
            versionRow[MembershipVersionNumber] = Number(0);
            versionRow[ETag] = Number(0);
            try
            {
                await _client.PutItemAsync(
                    new PutItemRequest
                    {
                        TableName = _options.TableName,
                        Item = versionRow,
                        ConditionExpression = "attribute_not_exists(#sid)",
                        ExpressionAttributeNames = new() { ["#sid"] = SiloIdentity },
                    },
                    cancellationToken).ConfigureAwait(false);
                LogCreatedVersionRow(_clusterId);
            }
            catch (ConditionalCheckFailedException)
            {
                // Another silo (or an earlier run) already wrote it: that is all we need.
            }
        }
    }

    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    /// <summary>Deletes every row of <paramref name="clusterId"/>, its version row included.</summary>
    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        var items = await DynamoDBOperations.QueryPartitionAsync(Client, _options.TableName, clusterId, cancellationToken,
            projection: "#cid, #sid", names: new() { ["#sid"] = SiloIdentity }).ConfigureAwait(false);
        var keys = items.Select(item => new Dictionary<string, AttributeValue>
        {
            [ClusterId] = item[ClusterId],
            [SiloIdentity] = item[SiloIdentity],
        }).ToList();
        await DynamoDBOperations.DeleteAsync(Client, _options.TableName, keys, cancellationToken).ConfigureAwait(false);
        LogDeletedClusterRows(keys.Count, clusterId);
    }

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    /// <summary>
    /// Deletes the rows of <see cref="SiloStatus.Dead"/> silos last updated (start, IAmAlive or a suspect vote) before
    /// <paramref name="beforeDate"/>. Dead is final for a silo generation, so deleting without a condition is safe.
    /// </summary>
    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken)
    {
        var deadRows = await DynamoDBOperations.QueryPartitionAsync(Client, _options.TableName, _clusterId, cancellationToken,
            filter: "#status = :dead",
            names: new() { ["#status"] = Status },
            values: new() { [":dead"] = Text(nameof(SiloStatus.Dead)) }).ConfigureAwait(false);

        var defunct = new List<Dictionary<string, AttributeValue>>();
        foreach (var item in deadRows)
        {
            if (IsVersionRow(item) || !TryParse(item, out var member, out _))
            {
                continue;
            }

            var entry = member.Item1;
            if (entry.Status == SiloStatus.Dead && SiloRow.LastUpdate(entry) < beforeDate)
            {
                defunct.Add(SiloKey(_clusterId, entry.SiloAddress));
            }
        }

        await DynamoDBOperations.DeleteAsync(Client, _options.TableName, defunct, cancellationToken).ConfigureAwait(false);
        LogCleanedUp(defunct.Count, beforeDate);
    }

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    /// <summary>The silo's row and the table version, read in one transaction (an atomic snapshot of both).</summary>
    public async Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var response = await Client.TransactGetItemsAsync(
            new TransactGetItemsRequest
            {
                TransactItems =
                [
                    new TransactGetItem { Get = new Get { TableName = _options.TableName, Key = VersionKey(_clusterId) } },
                    new TransactGetItem { Get = new Get { TableName = _options.TableName, Key = SiloKey(_clusterId, key) } },
                ],
            },
            cancellationToken).ConfigureAwait(false);

        var responses = response.Responses ?? [];
        var version = ToTableVersion(responses.Count > 0 ? responses[0].Item : null);
        var row = responses.Count > 1 ? responses[1].Item : null;
        if (row is { Count: > 0 } && TryParse(row, out var member, out _))
        {
            return new MembershipTableData(member, version);
        }

        return new MembershipTableData(version);
    }

    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    /// <summary>
    /// A consistent snapshot: read the version row, then query the partition. Each write stamps its row with the
    /// version it created, so a row newer than the version read means a write landed in between: read again.
    /// </summary>
    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var versionResponse = await Client.GetItemAsync(
                new GetItemRequest { TableName = _options.TableName, Key = VersionKey(_clusterId), ConsistentRead = true },
                cancellationToken).ConfigureAwait(false);
            var version = ToTableVersion(versionResponse.Item);

            var items = await DynamoDBOperations.QueryPartitionAsync(Client, _options.TableName, _clusterId, cancellationToken)
                .ConfigureAwait(false);
            var members = new List<Tuple<MembershipEntry, string>>(items.Count);
            var newerRowSeen = false;
            foreach (var item in items)
            {
                if (IsVersionRow(item) || !TryParse(item, out var member, out var writtenAt))
                {
                    continue;
                }

                if (writtenAt > version.Version)
                {
                    newerRowSeen = true;
                    break;
                }

                members.Add(member);
            }

            if (!newerRowSeen)
            {
                return new MembershipTableData(members, version);
            }

            if (attempt == MaxSnapshotAttempts)
            {
                throw new InvalidOperationException(
                    $"Could not read a consistent snapshot of membership table '{_options.TableName}' for cluster '{_clusterId}' in {MaxSnapshotAttempts} attempts: it kept changing.");
            }

            LogSnapshotRetry(attempt);
            await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion, CancellationToken.None);

    /// <summary>Adds the silo's row and moves the table to <paramref name="tableVersion"/>, atomically; false on contention.</summary>
    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        if (!TryParseETag(tableVersion.VersionEtag, out var versionETag))
        {
            LogInvalidETag(entry.SiloAddress, tableVersion.VersionEtag);
            return false;
        }

        var insert = new Put
        {
            TableName = _options.TableName,
            Item = SiloRow.ToItem(_clusterId, entry, etag: 0, membershipVersion: tableVersion.Version),
            ConditionExpression = "attribute_not_exists(#sid)",
            ExpressionAttributeNames = new() { ["#sid"] = SiloIdentity },
        };
        return await WriteWithVersionAsync(new TransactWriteItem { Put = insert }, tableVersion, versionETag, entry, cancellationToken)
            .ConfigureAwait(false);
    }

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    /// <summary>Replaces the silo's row (if its etag is <paramref name="etag"/>) and moves the table to <paramref name="tableVersion"/>, atomically; false on contention.</summary>
    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        if (!TryParseETag(etag, out var rowETag))
        {
            LogInvalidETag(entry.SiloAddress, etag);
            return false;
        }

        if (!TryParseETag(tableVersion.VersionEtag, out var versionETag))
        {
            LogInvalidETag(entry.SiloAddress, tableVersion.VersionEtag);
            return false;
        }

        // A Put replaces the whole row (fields the new entry lacks disappear); its condition also fails for a missing row.
        var replace = new Put
        {
            TableName = _options.TableName,
            Item = SiloRow.ToItem(_clusterId, entry, etag: rowETag + 1, membershipVersion: tableVersion.Version),
            ConditionExpression = "#etag = :expected",
            ExpressionAttributeNames = new() { ["#etag"] = ETag },
            ExpressionAttributeValues = new() { [":expected"] = Number(rowETag) },
        };
        return await WriteWithVersionAsync(new TransactWriteItem { Put = replace }, tableVersion, versionETag, entry, cancellationToken)
            .ConfigureAwait(false);
    }

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);

    /// <summary>Writes only the IAmAlive time: no etag, no version change, so it never conflicts with the membership protocol.</summary>
    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            await Client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _options.TableName,
                    Key = SiloKey(_clusterId, entry.SiloAddress),
                    UpdateExpression = "SET #alive = :alive",
                    // Never create a partial row for a silo whose row is gone.
                    ConditionExpression = "attribute_exists(#sid)",
                    ExpressionAttributeNames = new() { ["#alive"] = IAmAliveTime, ["#sid"] = SiloIdentity },
                    ExpressionAttributeValues = new() { [":alive"] = Text(SiloRow.FormatTime(entry.IAmAliveTime)) },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException exception)
        {
            throw new InvalidOperationException(
                $"Membership table '{_options.TableName}' has no row for silo {entry.SiloAddress} in cluster '{_clusterId}'; cannot record IAmAlive.",
                exception);
        }
    }

    public void Dispose() => _client?.Dispose();

    private async Task<bool> WriteWithVersionAsync(
        TransactWriteItem siloWrite, TableVersion tableVersion, long versionETag, MembershipEntry entry, CancellationToken cancellationToken)
    {
        var versionWrite = new Update
        {
            TableName = _options.TableName,
            Key = VersionKey(_clusterId),
            UpdateExpression = "SET #version = :version, #etag = :next",
            ConditionExpression = "#etag = :expected",
            ExpressionAttributeNames = new() { ["#version"] = MembershipVersionNumber, ["#etag"] = ETag },
            ExpressionAttributeValues = new()
            {
                [":version"] = Number(tableVersion.Version),
                [":expected"] = Number(versionETag),
                [":next"] = Number(versionETag + 1),
            },
        };

        try
        {
            await Client.TransactWriteItemsAsync(
                new TransactWriteItemsRequest { TransactItems = [siloWrite, new TransactWriteItem { Update = versionWrite }] },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TransactionCanceledException exception) when (IsContention(exception))
        {
            LogContention(entry.SiloAddress, tableVersion);
            return false;
        }
    }

    /// <summary>
    /// A failed condition (stale etag, row exists / missing) or a conflicting concurrent transaction on the same items:
    /// both mean "someone else wrote first"; the membership protocol re-reads and retries.
    /// </summary>
    private static bool IsContention(TransactionCanceledException exception)
    {
        if (exception.CancellationReasons is { Count: > 0 } reasons)
        {
            return reasons.Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict")
                && reasons.All(r => r.Code is null or "None" or "ConditionalCheckFailed" or "TransactionConflict");
        }

        return exception.Message.Contains("ConditionalCheckFailed", StringComparison.Ordinal)
            || exception.Message.Contains("TransactionConflict", StringComparison.Ordinal);
    }

    private TableVersion ToTableVersion(Dictionary<string, AttributeValue>? versionRow)
    {
        if (versionRow is not { Count: > 0 })
        {
            throw new InvalidOperationException(
                $"Membership table '{_options.TableName}' has no version row for cluster '{_clusterId}': no silo has initialized this cluster's membership (InitializeMembershipTable(true)).");
        }

        var version = GetNumber(versionRow, MembershipVersionNumber);
        if (version is < 0 or > int.MaxValue)
        {
            throw new FormatException($"membership version row of cluster '{_clusterId}' holds version {version}, outside 0..{int.MaxValue}");
        }

        return new TableVersion((int)version, GetNumber(versionRow, ETag).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A silo row as (entry, etag) and the membership version it was written at; false for a malformed row.</summary>
    private bool TryParse(Dictionary<string, AttributeValue> item, out Tuple<MembershipEntry, string> member, out long writtenAt)
    {
        try
        {
            var etag = GetNumber(item, ETag).ToString(CultureInfo.InvariantCulture);
            writtenAt = GetNumber(item, MembershipVersionNumber);
            member = Tuple.Create(SiloRow.ToEntry(item), etag);
            return true;
        }
        catch (FormatException exception)
        {
            // One corrupt row must not stop the whole cluster from reading membership; it is logged as an error.
            LogUnreadableRow(exception, Describe(item));
            member = null!;
            writtenAt = 0;
            return false;
        }
    }

    private static bool TryParseETag(string? etag, out long value) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    [LoggerMessage(Level = LogLevel.Information, Message = "Initializing DynamoDB membership table {TableName} for cluster {ClusterId}")]
    private partial void LogInitializing(string tableName, string clusterId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the membership version row of cluster {ClusterId}")]
    private partial void LogCreatedVersionRow(string clusterId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} membership rows of cluster {ClusterId}")]
    private partial void LogDeletedClusterRows(int count, string clusterId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} dead silo rows last updated before {BeforeDate}")]
    private partial void LogCleanedUp(int count, DateTimeOffset beforeDate);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership table changed while reading a snapshot (attempt {Attempt}); reading again")]
    private partial void LogSnapshotRetry(int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership write for silo {SiloAddress} at version {TableVersion} lost to a concurrent write")]
    private partial void LogContention(SiloAddress siloAddress, TableVersion tableVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Membership write for silo {SiloAddress} rejected: etag '{ETag}' is not one this table issued")]
    private partial void LogInvalidETag(SiloAddress siloAddress, string? eTag);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipping unreadable membership row {Row}")]
    private partial void LogUnreadableRow(Exception exception, string row);
}
