using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace AutoMon.Silos.Persistence;

/// <summary>
/// Layout of the grain state table: one item per (state name, grain id, service id). Partition key
/// <see cref="GrainReference"/> = <c>{stateName}/{grainId}</c>, sort key <see cref="ServiceId"/> (so services sharing a
/// table never see each other's states), <see cref="ETag"/> (a fresh GUID per write) and <see cref="State"/> (the state as
/// the provider's serializer wrote it, binary).
/// </summary>
public static class GrainStateSchema
{
    public const string GrainReference = "GrainReference";
    public const string ServiceId = "ServiceId";
    public const string ETag = "ETag";
    public const string State = "State";

    /// <summary>The table's keys, for the provisioner.</summary>
    public static readonly DynamoDBTableSchema Table = new("grain state", GrainReference, ServiceId);

    /// <summary>DynamoDB's limit on an item's size: attribute names and values, in bytes.</summary>
    public const int MaxItemBytes = 400 * 1024;

    /// <summary>The partition key of a state.</summary>
    public static string GrainReferenceOf(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    /// <summary>
    /// An item's size as DynamoDB counts it against <see cref="MaxItemBytes"/>: every attribute's UTF-8 name plus its value
    /// (UTF-8 bytes of a string, the bytes of a binary).
    /// </summary>
    public static int ItemBytes(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var bytes = 0;
        foreach (var (name, value) in item)
        {
            bytes += Encoding.UTF8.GetByteCount(name);
            if (value.S is { } text)
            {
                bytes += Encoding.UTF8.GetByteCount(text);
            }
            else if (value.B is { } binary)
            {
                bytes += checked((int)binary.Length);
            }
        }

        return bytes;
    }
}

/// <summary>A grain state too large for one DynamoDB item: refused whole, never truncated.</summary>
public sealed class GrainStateTooLargeException : OrleansException
{
    public GrainStateTooLargeException()
    {
    }

    public GrainStateTooLargeException(string message)
        : base(message)
    {
    }

    public GrainStateTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GrainStateTooLargeException(string stateName, GrainId grainId, int itemBytes, int limitBytes, Exception? refusal = null)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"The state '{stateName}' of grain {grainId} is {itemBytes} bytes as a DynamoDB item, {(refusal is null ? "over" : "refused by DynamoDB at")} its limit of {limitBytes} bytes: it was not written. Keep large data out of grain state (e.g. in S3)."),
            refusal!)
    {
        StateName = stateName;
        GrainId = grainId.ToString();
        ItemBytes = itemBytes;
        LimitBytes = limitBytes;
    }

    public string? StateName { get; }

    public string? GrainId { get; }

    public int ItemBytes { get; }

    public int LimitBytes { get; }
}

/// <summary>
/// Orleans grain storage on DynamoDB (<see cref="GrainStateSchema"/>). Every write and clear is conditional on the etag
/// the grain last read or wrote: no etag means "there must be no item" (<c>attribute_not_exists</c>, so of two first
/// writers exactly one wins), an etag means "the item must still carry it". A failed condition is Orleans'
/// <see cref="InconsistentStateException"/> with the stored and the expected etags. Clearing deletes the item
/// (conditionally, like a write): a cleared state reads as never written (default state, null etag), and the next write
/// is a first write again. States over DynamoDB's 400 KB item limit are refused with <see cref="GrainStateTooLargeException"/>.
/// Unlike Orleans' memory provider, a write carrying an etag to a state that does not exist (anymore) is refused too.
/// </summary>
public sealed partial class DynamoDBGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private const string KeyName = "#key";
    private const string ETagName = "#etag";
    private const string ExpectedValue = ":expected";

    // DynamoDB's ValidationException for an item over 400 KB: "Item size has exceeded the maximum allowed size".
    private const string ItemTooLargeMessage = "Item size has exceeded";

    private readonly string _name;
    private readonly DynamoDBGrainStorageOptions _options;
    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private AmazonDynamoDBClient? _client;

    public DynamoDBGrainStorage(string name, DynamoDBGrainStorageOptions options, IOptions<ClusterOptions> clusterOptions,
        IActivatorProvider activators, ILogger<DynamoDBGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clusterOptions);
        ArgumentNullException.ThrowIfNull(activators);
        ArgumentNullException.ThrowIfNull(logger);
        var problems = DynamoDBGrainStorageOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid options of DynamoDB grain storage '{name}': " + string.Join("; ", problems), nameof(options));
        }

        _name = name;
        _options = options;
        _serviceId = clusterOptions.Value.ServiceId is { Length: > 0 } serviceId
            ? serviceId
            : throw new ArgumentException("ClusterOptions.ServiceId is not set", nameof(clusterOptions));
        _serializer = options.GrainStorageSerializer;
        _activators = activators;
        _logger = logger;
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(DynamoDBGrainStorage)}-{_name}", _options.InitStage, InitializeAsync);
    }

    /// <summary>Creates the client and the table if needed (waiting until it is ACTIVE); idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is not null)
            {
                return;
            }

            var client = DynamoDBClientFactory.Create(_options);
            try
            {
                LogInitializing(_name, _options.TableName, _serviceId);
                await new DynamoDBTableProvisioner(client, _options, GrainStateSchema.Table, _logger).EnsureTableAsync(cancellationToken)
                    .ConfigureAwait(false);
            }
            catch
            {
                client.Dispose();
                throw;
            }

            _client = client;
        }
        finally
        {
            _initialization.Release();
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        var response = await client.GetItemAsync(
            new GetItemRequest { TableName = _options.TableName, Key = Key(stateName, grainId), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false);
        if (response.Item is { Count: > 0 } item)
        {
            var etag = item.TryGetValue(GrainStateSchema.ETag, out var e) ? e.S : null;
            if (etag is null || !item.TryGetValue(GrainStateSchema.State, out var data) || data.B is null)
            {
                throw new FormatException(
                    $"The DynamoDB item of state '{stateName}' of grain {grainId} in table '{_options.TableName}' has no {GrainStateSchema.ETag} or {GrainStateSchema.State} attribute.");
            }

            var state = _serializer.Deserialize<T>(new BinaryData(data.B.ToArray()));
            grainState.State = state ?? CreateInstance<T>();
            grainState.ETag = etag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        var newETag = Guid.NewGuid().ToString("N");
        var item = Key(stateName, grainId);
        item[GrainStateSchema.ETag] = new AttributeValue { S = newETag };
        item[GrainStateSchema.State] = new AttributeValue { B = new MemoryStream(_serializer.Serialize(grainState.State).ToArray()) };
        var size = GrainStateSchema.ItemBytes(item);
        if (size > GrainStateSchema.MaxItemBytes)
        {
            throw new GrainStateTooLargeException(stateName, grainId, size, GrainStateSchema.MaxItemBytes);
        }

        var (condition, names, values) = Condition(grainState.ETag);
        try
        {
            await client.PutItemAsync(
                new PutItemRequest
                {
                    TableName = _options.TableName,
                    Item = item,
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException conflict)
        {
            throw await InconsistentAsync(client, "write", stateName, grainId, grainState.ETag, conflict, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonDynamoDBException refused) when (refused.Message.Contains(ItemTooLargeMessage, StringComparison.OrdinalIgnoreCase))
        {
            // The service counts a little differently than we do (an emulator may count binary as base64): same refusal.
            throw new GrainStateTooLargeException(stateName, grainId, size, GrainStateSchema.MaxItemBytes, refused);
        }

        grainState.ETag = newETag;
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        var (condition, names, values) = Condition(grainState.ETag);
        try
        {
            await client.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = _options.TableName,
                    Key = Key(stateName, grainId),
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException conflict)
        {
            throw await InconsistentAsync(client, "clear", stateName, grainId, grainState.ETag, conflict, cancellationToken).ConfigureAwait(false);
        }

        grainState.State = CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public void Dispose()
    {
        _client?.Dispose();
        _initialization.Dispose();
    }

    private async ValueTask<IAmazonDynamoDB> ClientAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            // Outside a silo (no lifecycle) the first call provisions; in a silo InitStage has done it already.
            await InitializeAsync(cancellationToken).ConfigureAwait(false);
        }

        return _client!;
    }

    private Dictionary<string, AttributeValue> Key(string stateName, GrainId grainId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        return new()
        {
            [GrainStateSchema.GrainReference] = new AttributeValue { S = GrainStateSchema.GrainReferenceOf(stateName, grainId) },
            [GrainStateSchema.ServiceId] = new AttributeValue { S = _serviceId },
        };
    }

    // No etag: the item must not exist (a first write, or clearing what was never written). An etag: it must still be there.
    private static (string Condition, Dictionary<string, string> Names, Dictionary<string, AttributeValue>? Values) Condition(string? expectedETag) =>
        expectedETag is null
            ? ("attribute_not_exists(" + KeyName + ")", new() { [KeyName] = GrainStateSchema.GrainReference }, null)
            : (ETagName + " = " + ExpectedValue, new() { [ETagName] = GrainStateSchema.ETag },
                new() { [ExpectedValue] = new AttributeValue { S = expectedETag } });

    private async Task<InconsistentStateException> InconsistentAsync(IAmazonDynamoDB client, string operation, string stateName, GrainId grainId,
        string? expectedETag, ConditionalCheckFailedException conflict, CancellationToken cancellationToken)
    {
        var stored = conflict.Item is { Count: > 0 } old && old.TryGetValue(GrainStateSchema.ETag, out var e) ? e.S : null;
        if (stored is null)
        {
            // Not returned with the failure (an emulator may not): read it, for the message only.
            var current = await client.GetItemAsync(
                new GetItemRequest
                {
                    TableName = _options.TableName,
                    Key = Key(stateName, grainId),
                    ConsistentRead = true,
                    ProjectionExpression = ETagName,
                    ExpressionAttributeNames = new() { [ETagName] = GrainStateSchema.ETag },
                },
                cancellationToken).ConfigureAwait(false);
            stored = current.Item is { Count: > 0 } now && now.TryGetValue(GrainStateSchema.ETag, out var n) ? n.S : null;
        }

        LogETagMismatch(operation, stateName, grainId, stored ?? "(none)", expectedETag ?? "(none)");
        return new InconsistentStateException(
            $"DynamoDB grain storage '{_name}': {operation} of state '{stateName}' of grain {grainId} refused: the stored etag is {stored ?? "(no item)"}, the grain expected {expectedETag ?? "(no item)"}.",
            stored, expectedETag, conflict);
    }

    private T CreateInstance<T>() => _activators.GetActivator<T>().Create();

    [LoggerMessage(Level = LogLevel.Information, Message = "DynamoDB grain storage {Name}: table {TableName}, service id {ServiceId}")]
    private partial void LogInitializing(string name, string tableName, string serviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB grain storage: etag mismatch on {Operation} of state {StateName} of grain {GrainId}: stored {Stored}, expected {Expected}")]
    private partial void LogETagMismatch(string operation, string stateName, GrainId grainId, string stored, string expected);
}

/// <summary>Creates a named <see cref="DynamoDBGrainStorage"/> from its named options (Orleans' provider convention).</summary>
public static class DynamoDBGrainStorageFactory
{
    public static DynamoDBGrainStorage Create(IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(name);
        return ActivatorUtilities.CreateInstance<DynamoDBGrainStorage>(services, name, options);
    }
}
