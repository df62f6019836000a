using System.Globalization;
using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using Orleans.Runtime;
using static AutoMon.Silos.Membership.MembershipSchema;

namespace AutoMon.Silos.Membership;

/// <summary>
/// The client's view of the cluster: the gateway (proxy) endpoints of the Active silos in the DynamoDB membership
/// table. Clients never create the table: before any silo has started there are simply no gateways.
/// </summary>
public sealed partial class DynamoDBGatewayListProvider : IGatewayListProvider, IDisposable
{
    private readonly DynamoDBClusteringOptions _options;
    private readonly string _clusterId;
    private readonly ILogger _logger;
    private AmazonDynamoDBClient? _client;

    public DynamoDBGatewayListProvider(
        IOptions<DynamoDBClusteringOptions> options,
        IOptions<ClusterOptions> clusterOptions,
        IOptions<GatewayOptions> gatewayOptions,
        ILogger<DynamoDBGatewayListProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clusterOptions);
        ArgumentNullException.ThrowIfNull(gatewayOptions);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value;
        _clusterId = clusterOptions.Value.ClusterId
            ?? throw new ArgumentException("ClusterOptions.ClusterId is not set", nameof(clusterOptions));
        MaxStaleness = gatewayOptions.Value.GatewayListRefreshPeriod;
        _logger = logger;
    }

    /// <inheritdoc />
    public TimeSpan MaxStaleness { get; }

    /// <inheritdoc />
    [Obsolete("No longer used by Orleans: every provider is considered updatable.")]
    public bool IsUpdatable => true;

    public Task InitializeGatewayListProvider() => InitializeGatewayListProviderAsync(CancellationToken.None);

    public Task InitializeGatewayListProviderAsync(CancellationToken cancellationToken)
    {
        _client ??= DynamoDBClientFactory.Create(_options);
        return Task.CompletedTask;
    }

    public Task<IList<Uri>> GetGateways() => GetGatewaysAsync(CancellationToken.None);

    /// <summary>Gateway URIs (<c>gwy.tcp://ip:proxyPort/generation</c>) of the Active silos that have a gateway.</summary>
    public async Task<IList<Uri>> GetGatewaysAsync(CancellationToken cancellationToken)
    {
        var client = _client ?? throw new InvalidOperationException(
            $"{nameof(DynamoDBGatewayListProvider)} is used before {nameof(InitializeGatewayListProvider)}.");
        List<Dictionary<string, AttributeValue>> rows;
        try
        {
            rows = await DynamoDBOperations.QueryPartitionAsync(client, _options.TableName, _clusterId, cancellationToken,
                filter: "#status = :active AND #proxy > :zero",
                projection: "#addr, #proxy, #gen",
                names: new() { ["#status"] = Status, ["#proxy"] = ProxyPort, ["#addr"] = Address, ["#gen"] = Generation },
                values: new() { [":active"] = Text(nameof(SiloStatus.Active)), [":zero"] = Number(0) }).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            LogNoTable(_options.TableName);
            return [];
        }

        var gateways = new List<Uri>(rows.Count);
        foreach (var row in rows)
        {
            if (TryGetGateway(row, out var gateway))
            {
                gateways.Add(gateway);
            }
            else
            {
                LogUnreadableRow(Describe(row));
            }
        }

        LogGateways(gateways.Count, _clusterId);
        return gateways;
    }

    public void Dispose() => _client?.Dispose();

    private static bool TryGetGateway(Dictionary<string, AttributeValue> row, out Uri gateway)
    {
        gateway = null!;
        if (GetText(row, Address) is not { } text || !IPAddress.TryParse(text, out var address)
            || !row.TryGetValue(ProxyPort, out var proxyPort) || !int.TryParse(proxyPort.N, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || !row.TryGetValue(Generation, out var generation) || !int.TryParse(generation.N, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var gen))
        {
            return false;
        }

        gateway = SiloAddress.New(address, port, gen).ToGatewayUri();
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB membership table {TableName} does not exist yet: no gateways")]
    private partial void LogNoTable(string tableName);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Found {Count} gateways of cluster {ClusterId}")]
    private partial void LogGateways(int count, string clusterId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipping membership row {Row}: no readable gateway address")]
    private partial void LogUnreadableRow(string row);
}
