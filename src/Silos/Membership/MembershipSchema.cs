using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Orleans.Runtime;

namespace AutoMon.Silos.Membership;

/// <summary>
/// Layout of the membership table: partition key = cluster id, sort key = silo identity (<c>ip-port-generation</c>),
/// one row per silo plus one version row per cluster holding the membership version and its etag counter.
/// </summary>
internal static class MembershipSchema
{
    // Keys.
    public const string ClusterId = "ClusterId";
    public const string SiloIdentity = "SiloIdentity";

    /// <summary>Sort key of the version row; cannot collide with a silo identity (those start with an IP address).</summary>
    public const string VersionRowIdentity = "VersionRow";

    // Concurrency: every row has an etag counter; silo rows also record the membership version they were written at.
    public const string ETag = "ETag";
    public const string MembershipVersionNumber = "MembershipVersion";

    // Silo row attributes.
    public const string Address = "Address";
    public const string Port = "Port";
    public const string Generation = "Generation";
    public const string Status = "Status";
    public const string ProxyPort = "ProxyPort";
    public const string HostName = "HostName";
    public const string SiloName = "SiloName";
    public const string RoleName = "RoleName";
    public const string UpdateZone = "UpdateZone";
    public const string FaultZone = "FaultZone";
    public const string StartTime = "StartTime";
    public const string IAmAliveTime = "IAmAliveTime";
    public const string SuspectTimes = "SuspectTimes";
    public const string Suspecter = "Silo";
    public const string SuspectTime = "Time";

    /// <summary>The sort key of a silo's row.</summary>
    public static string IdentityOf(SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return string.Create(CultureInfo.InvariantCulture, $"{silo.Endpoint.Address}-{silo.Endpoint.Port}-{silo.Generation}");
    }

    public static Dictionary<string, AttributeValue> SiloKey(string clusterId, SiloAddress silo) => new()
    {
        [ClusterId] = new AttributeValue { S = clusterId },
        [SiloIdentity] = new AttributeValue { S = IdentityOf(silo) },
    };

    public static Dictionary<string, AttributeValue> VersionKey(string clusterId) => new()
    {
        [ClusterId] = new AttributeValue { S = clusterId },
        [SiloIdentity] = new AttributeValue { S = VersionRowIdentity },
    };

    public static bool IsVersionRow(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue(SiloIdentity, out var id) && id.S == VersionRowIdentity;

    public static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue Text(string value) => new() { S = value };

    /// <summary>Reads a numeric attribute; a missing or malformed one is a <see cref="FormatException"/> naming it.</summary>
    public static long GetNumber(Dictionary<string, AttributeValue> item, string name)
    {
        if (!item.TryGetValue(name, out var value) || value.N is null)
        {
            throw new FormatException($"membership row {Describe(item)} has no numeric attribute '{name}'");
        }

        if (!long.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            throw new FormatException($"membership row {Describe(item)} has a malformed number '{value.N}' in '{name}'");
        }

        return number;
    }

    public static string? GetText(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    public static string Describe(Dictionary<string, AttributeValue> item) =>
        $"{GetText(item, ClusterId) ?? "?"}/{GetText(item, SiloIdentity) ?? "?"}";
}
