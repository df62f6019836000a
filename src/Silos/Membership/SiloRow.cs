using System.Globalization;
using System.Net;
using Amazon.DynamoDBv2.Model;
using Orleans;
using Orleans.Runtime;
using static AutoMon.Silos.Membership.MembershipSchema;

namespace AutoMon.Silos.Membership;

/// <summary>Converts between a <see cref="MembershipEntry"/> and its DynamoDB item.</summary>
internal static class SiloRow
{
    /// <summary>The full item for <paramref name="entry"/>, written at membership version <paramref name="membershipVersion"/>.</summary>
    public static Dictionary<string, AttributeValue> ToItem(string clusterId, MembershipEntry entry, long etag, long membershipVersion)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.SiloAddress is null)
        {
            throw new ArgumentException("membership entry has no silo address", nameof(entry));
        }

        var item = SiloKey(clusterId, entry.SiloAddress);
        item[ETag] = Number(etag);
        item[MembershipVersionNumber] = Number(membershipVersion);
        item[Address] = Text(entry.SiloAddress.Endpoint.Address.ToString());
        item[Port] = Number(entry.SiloAddress.Endpoint.Port);
        item[Generation] = Number(entry.SiloAddress.Generation);
        item[Status] = Text(entry.Status.ToString());
        item[ProxyPort] = Number(entry.ProxyPort);
        item[UpdateZone] = Number(entry.UpdateZone);
        item[FaultZone] = Number(entry.FaultZone);
        item[StartTime] = Text(FormatTime(entry.StartTime));
        item[IAmAliveTime] = Text(FormatTime(entry.IAmAliveTime));
        AddIfNotNull(item, HostName, entry.HostName);
        AddIfNotNull(item, SiloName, entry.SiloName);
        AddIfNotNull(item, RoleName, entry.RoleName);

        // Absent = no list; an empty list stays an empty list, so a row reads back exactly as written.
        if (entry.SuspectTimes is { } suspects)
        {
            var votes = new List<AttributeValue>(suspects.Count);
            foreach (var (silo, time) in suspects)
            {
                votes.Add(new AttributeValue
                {
                    M = new Dictionary<string, AttributeValue>
                    {
                        [Suspecter] = Text(silo.ToParsableString()),
                        [SuspectTime] = Text(FormatTime(time)),
                    },
                });
            }

            item[SuspectTimes] = new AttributeValue { L = votes };
        }

        return item;
    }

    /// <summary>The entry stored in <paramref name="item"/>; a malformed item is a <see cref="FormatException"/> naming the attribute.</summary>
    public static MembershipEntry ToEntry(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var addressText = GetText(item, Address) ?? throw new FormatException($"membership row {Describe(item)} has no '{Address}'");
        if (!IPAddress.TryParse(addressText, out var address))
        {
            throw new FormatException($"membership row {Describe(item)} has a malformed IP address '{addressText}'");
        }

        var statusText = GetText(item, Status) ?? throw new FormatException($"membership row {Describe(item)} has no '{Status}'");
        if (!Enum.TryParse<SiloStatus>(statusText, ignoreCase: false, out var status) || !Enum.IsDefined(status))
        {
            throw new FormatException($"membership row {Describe(item)} has an unknown silo status '{statusText}'");
        }

        var entry = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(address, ToInt32(item, Port), ToInt32(item, Generation)),
            Status = status,
            ProxyPort = ToInt32(item, ProxyPort),
            HostName = GetText(item, HostName)!,
            SiloName = GetText(item, SiloName)!,
            RoleName = GetText(item, RoleName),
            UpdateZone = ToInt32(item, UpdateZone),
            FaultZone = ToInt32(item, FaultZone),
            StartTime = ParseTime(item, StartTime),
            IAmAliveTime = ParseTime(item, IAmAliveTime),
        };

        if (item.TryGetValue(SuspectTimes, out var votes) && votes.L is { } list)
        {
            entry.SuspectTimes = new List<Tuple<SiloAddress, DateTime>>(list.Count);
            foreach (var vote in list)
            {
                if (vote.M is not { } fields)
                {
                    throw new FormatException($"membership row {Describe(item)} has a suspect vote that is not a map");
                }

                var silo = GetText(fields, Suspecter) ?? throw new FormatException($"membership row {Describe(item)} has a suspect vote without '{Suspecter}'");
                entry.SuspectTimes.Add(Tuple.Create(SiloAddress.FromParsableString(silo), ParseTime(fields, SuspectTime, item)));
            }
        }

        return entry;
    }

    /// <summary>
    /// The last time the row is known to have changed: the latest of its start, IAmAlive and suspect-vote times. A silo
    /// declared dead a moment ago keeps its row even if its own IAmAlive is old (the death vote is recent).
    /// </summary>
    public static DateTimeOffset LastUpdate(MembershipEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var latest = AsUtc(entry.StartTime) > AsUtc(entry.IAmAliveTime) ? AsUtc(entry.StartTime) : AsUtc(entry.IAmAliveTime);
        if (entry.SuspectTimes is { } votes)
        {
            foreach (var (_, time) in votes)
            {
                if (AsUtc(time) > latest)
                {
                    latest = AsUtc(time);
                }
            }
        }

        return new DateTimeOffset(latest, TimeSpan.Zero);
    }

    /// <summary>Times are stored as ISO 8601 UTC round-trip text; Orleans times without a kind are UTC.</summary>
    public static string FormatTime(DateTime time) => AsUtc(time).ToString("O", CultureInfo.InvariantCulture);

    private static DateTime AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };

    private static DateTime ParseTime(Dictionary<string, AttributeValue> fields, string name, Dictionary<string, AttributeValue>? row = null)
    {
        var text = GetText(fields, name) ?? throw new FormatException($"membership row {Describe(row ?? fields)} has no '{name}'");
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
        {
            throw new FormatException($"membership row {Describe(row ?? fields)} has a malformed time '{text}' in '{name}'");
        }

        return AsUtc(time);
    }

    private static int ToInt32(Dictionary<string, AttributeValue> item, string name)
    {
        var value = GetNumber(item, name);
        return value is < int.MinValue or > int.MaxValue
            ? throw new FormatException($"membership row {Describe(item)} has '{name}' = {value}, outside the 32-bit range")
            : (int)value;
    }

    private static void AddIfNotNull(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = Text(value);
        }
    }
}
