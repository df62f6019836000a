using System.Net;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace AutoMon.Silos.Tests;

/// <summary>Membership entries and providers for the contract tests.</summary>
internal static class MembershipTestData
{
    private static int s_generation = Environment.TickCount & 0xFFFFF;

    /// <summary>A unique silo address on 127.0.0.1 (same port, fresh generation, like a restarted silo).</summary>
    public static SiloAddress NewSiloAddress(int port = 12345) =>
        SiloAddress.New(IPAddress.Loopback, port, Interlocked.Increment(ref s_generation));

    /// <summary>A Joining silo with whole-second times, as the membership protocol writes them.</summary>
    public static MembershipEntry NewEntry(SiloStatus status = SiloStatus.Joining, int proxyPort = 30000)
    {
        var now = WholeSeconds(DateTime.UtcNow);
        return new MembershipEntry
        {
            SiloAddress = NewSiloAddress(),
            HostName = "test-host",
            SiloName = "test-silo",
            Status = status,
            ProxyPort = proxyPort,
            StartTime = now,
            IAmAliveTime = now,
        };
    }

    public static DateTime WholeSeconds(DateTime time) =>
        new(time.Year, time.Month, time.Day, time.Hour, time.Minute, time.Second, DateTimeKind.Utc);

    public static DynamoDBMembershipTable NewTable(MotoServer moto, string tableName, string clusterId) => new(
        Options.Create(moto.Options(tableName)),
        Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "tests" }),
        NullLogger<DynamoDBMembershipTable>.Instance);

    public static DynamoDBMembershipTable NewTable(DynamoDBClusteringOptions options, string clusterId) => new(
        Options.Create(options),
        Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "tests" }),
        NullLogger<DynamoDBMembershipTable>.Instance);

    public static DynamoDBGatewayListProvider NewGatewayProvider(MotoServer moto, string tableName, string clusterId) => new(
        Options.Create(moto.Options(tableName)),
        Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "tests" }),
        Options.Create(new GatewayOptions()),
        NullLogger<DynamoDBGatewayListProvider>.Instance);

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
