namespace AutoMon.Silos.Membership;

/// <summary>How a table that one of our DynamoDB providers creates is billed.</summary>
public enum DynamoDBCapacityMode
{
    /// <summary>Pay per request: no read throttling at a fixed low capacity (a known pain of provisioned membership tables).</summary>
    OnDemand,

    /// <summary>Provisioned throughput with <see cref="DynamoDBTableOptions.ReadCapacityUnits"/> and <see cref="DynamoDBTableOptions.WriteCapacityUnits"/>.</summary>
    Provisioned,
}

/// <summary>
/// Where a DynamoDB table of ours lives, how to reach it and how a table this process creates is billed: the one
/// definition of the DynamoDB client settings, shared by the membership table (<see cref="DynamoDBClusteringOptions"/>)
/// and the grain state table (<c>DynamoDBGrainStorageOptions</c>). Region and service URL are separate settings: the
/// region is the AWS region name (also the signing region when a service URL is given), the service URL an endpoint such
/// as a local emulator's.
/// </summary>
public abstract class DynamoDBTableOptions
{
    /// <summary>The signing region used with a <see cref="ServiceUrl"/> when <see cref="Region"/> is not set.</summary>
    public const string DefaultSigningRegion = "us-east-1";

    /// <summary>Options whose <see cref="TableName"/> starts as <paramref name="defaultTableName"/>.</summary>
    protected DynamoDBTableOptions(string defaultTableName) => TableName = defaultTableName;

    /// <summary>DynamoDB table name (3 to 255 characters of a-z, A-Z, 0-9, '_', '-', '.').</summary>
    public string TableName { get; set; }

    /// <summary>AWS region name, e.g. <c>us-west-2</c>. Required unless <see cref="ServiceUrl"/> is set.</summary>
    public string? Region { get; set; }

    /// <summary>Endpoint URL, e.g. <c>http://127.0.0.1:5000</c> for a local emulator. Overrides the region's endpoint.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Access key id. With <see cref="SecretKey"/>; leave both unset to use the SDK's default credential chain.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret access key; set together with <see cref="AccessKey"/>.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Session token of temporary credentials; needs <see cref="AccessKey"/> and <see cref="SecretKey"/>.</summary>
    public string? SessionToken { get; set; }

    /// <summary>Create the table on first use when it does not exist. An existing table is never modified.</summary>
    public bool CreateIfNotExists { get; set; } = true;

    /// <summary>Billing mode of a table this provider creates.</summary>
    public DynamoDBCapacityMode CapacityMode { get; set; } = DynamoDBCapacityMode.OnDemand;

    /// <summary>Read capacity units of a created table in <see cref="DynamoDBCapacityMode.Provisioned"/> mode.</summary>
    public int ReadCapacityUnits { get; set; } = 10;

    /// <summary>Write capacity units of a created table in <see cref="DynamoDBCapacityMode.Provisioned"/> mode.</summary>
    public int WriteCapacityUnits { get; set; } = 5;

    /// <summary>How long to wait for the table to become ACTIVE (after creating it, or while someone else creates it).</summary>
    public TimeSpan TableReadyTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Copies the client settings (endpoint, region, credentials) of <paramref name="source"/> into these options.</summary>
    public void CopyConnectionFrom(DynamoDBTableOptions source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Region = source.Region;
        ServiceUrl = source.ServiceUrl;
        AccessKey = source.AccessKey;
        SecretKey = source.SecretKey;
        SessionToken = source.SessionToken;
    }
}

/// <summary>
/// Where the DynamoDB membership table lives and how to reach it. Used by silos (membership table) and clients
/// (gateway list).
/// </summary>
public sealed class DynamoDBClusteringOptions() : DynamoDBTableOptions(DefaultTableName)
{
    /// <summary>The table name used when none is configured.</summary>
    public const string DefaultTableName = "AutoMonMembership";
}
