using System.Net;
using Amazon.DynamoDBv2.Model;
using AutoMon.Silos.Membership;
using Orleans;
using Orleans.Runtime;
using static AutoMon.Silos.Tests.MembershipTestData;

namespace AutoMon.Silos.Tests;

public sealed class SiloRowTests
{
    [Fact]
    public void An_entry_reads_back_exactly_as_written()
    {
        var entry = NewEntry(SiloStatus.ShuttingDown);
        entry.RoleName = "role";
        entry.UpdateZone = 3;
        entry.FaultZone = 4;
        entry.AddSuspector(NewSiloAddress(), WholeSeconds(DateTime.UtcNow).AddSeconds(1));
        entry.AddSuspector(SiloAddress.New(IPAddress.IPv6Loopback, 7, 8), WholeSeconds(DateTime.UtcNow).AddSeconds(2));

        var read = SiloRow.ToEntry(SiloRow.ToItem("cluster", entry, etag: 5, membershipVersion: 6));

        Assert.Equal(entry.ToFullString(), read.ToFullString());
        Assert.Equal(entry.SiloAddress, read.SiloAddress);
    }

    [Fact]
    public void No_suspect_list_and_an_empty_suspect_list_stay_distinct()
    {
        var none = NewEntry();
        var empty = NewEntry();
        empty.SuspectTimes = [];

        Assert.Null(SiloRow.ToEntry(SiloRow.ToItem("c", none, 0, 0)).SuspectTimes);
        Assert.Empty(SiloRow.ToEntry(SiloRow.ToItem("c", empty, 0, 0)).SuspectTimes!);
    }

    [Fact]
    public void Times_without_a_kind_are_taken_as_UTC()
    {
        var entry = NewEntry();
        entry.IAmAliveTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Unspecified);

        var item = SiloRow.ToItem("c", entry, 0, 0);

        Assert.Equal("2026-01-02T03:04:05.0000000Z", item["IAmAliveTime"].S);
        Assert.Equal(DateTimeKind.Utc, SiloRow.ToEntry(item).IAmAliveTime.Kind);
    }

    [Fact]
    public void The_sort_key_is_ip_port_generation()
    {
        Assert.Equal("127.0.0.1-11111-42", MembershipSchema.IdentityOf(SiloAddress.New(IPAddress.Loopback, 11111, 42)));
    }

    [Fact]
    public void An_unknown_status_is_a_format_error_naming_the_row_and_value()
    {
        var item = SiloRow.ToItem("cluster", NewEntry(), 0, 0);
        item["Status"] = new AttributeValue { S = "Zombie" };

        var error = Assert.Throws<FormatException>(() => SiloRow.ToEntry(item));

        Assert.Contains("Zombie", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster/127.0.0.1-12345-", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_number_is_a_format_error_naming_the_attribute()
    {
        var item = SiloRow.ToItem("cluster", NewEntry(), 0, 0);
        item.Remove("ProxyPort");

        var error = Assert.Throws<FormatException>(() => SiloRow.ToEntry(item));

        Assert.Contains("ProxyPort", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LastUpdate_is_the_latest_of_start_alive_and_suspect_vote_times()
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var entry = NewEntry(SiloStatus.Dead);
        entry.StartTime = start;
        entry.IAmAliveTime = start.AddMinutes(1);
        Assert.Equal(new DateTimeOffset(start.AddMinutes(1)), SiloRow.LastUpdate(entry));

        entry.AddSuspector(NewSiloAddress(), start.AddMinutes(5));
        entry.AddSuspector(NewSiloAddress(), start.AddMinutes(3));
        Assert.Equal(new DateTimeOffset(start.AddMinutes(5)), SiloRow.LastUpdate(entry));

        entry.IAmAliveTime = default;
        entry.SuspectTimes = null;
        Assert.Equal(new DateTimeOffset(start), SiloRow.LastUpdate(entry));
    }
}
