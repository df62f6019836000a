using Amazon.DynamoDBv2.Model;
using AutoMon.Silos.Membership;
using Orleans;
using Orleans.Runtime;
using static AutoMon.Silos.Tests.MembershipTestData;

namespace AutoMon.Silos.Tests;

/// <summary>
/// The IMembershipTable contract (the scenarios Orleans' own providers pass) against the DynamoDB API served by moto.
/// Each test gets its own cluster id, i.e. its own partition of one shared table.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class MembershipTableContractTests(MotoServer moto) : IAsyncLifetime
{
    private const string TableName = "contract-membership";
    private readonly string _clusterId = UniqueName("contract");
    private DynamoDBMembershipTable _table = null!;

    public async Task InitializeAsync()
    {
        _table = NewTable(moto, TableName, _clusterId);
        await _table.InitializeMembershipTable(tryInitTableVersion: true);
    }

    public async Task DisposeAsync()
    {
        await _table.DeleteMembershipTableEntries(_clusterId);
        _table.Dispose();
    }

    [Fact]
    public async Task ReadAll_of_a_new_cluster_has_no_members_and_version_zero()
    {
        var data = await _table.ReadAll();

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
        Assert.NotNull(data.Version.VersionEtag);
    }

    [Fact]
    public async Task InsertRow_adds_the_row_and_moves_the_table_to_the_given_version()
    {
        var before = await _table.ReadAll();
        var entry = NewEntry();

        Assert.True(await _table.InsertRow(entry, before.Version.Next()));

        var after = await _table.ReadAll();
        var member = Assert.Single(after.Members);
        Assert.Equal(entry.ToFullString(), member.Item1.ToFullString());
        Assert.Equal(1, after.Version.Version);
        Assert.NotEqual(before.Version.VersionEtag, after.Version.VersionEtag);
    }

    [Fact]
    public async Task InsertRow_with_a_stale_table_etag_is_rejected_without_side_effects()
    {
        var start = (await _table.ReadAll()).Version.Next();
        Assert.True(await _table.InsertRow(NewEntry(), start));

        // Same version and etag again: the table has moved on, so a different silo cannot insert with it.
        Assert.False(await _table.InsertRow(NewEntry(), start));

        var data = await _table.ReadAll();
        Assert.Single(data.Members);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task InsertRow_of_an_existing_silo_is_rejected_even_with_the_current_table_etag()
    {
        var entry = NewEntry();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));

        var current = await _table.ReadAll();
        Assert.False(await _table.InsertRow(entry, current.Version.Next()));

        var data = await _table.ReadAll();
        Assert.Single(data.Members);
        Assert.Equal(current.Version, data.Version);
    }

    [Fact]
    public async Task ReadRow_returns_the_row_with_its_etag_and_the_table_version()
    {
        var entry = NewEntry();
        var version = (await _table.ReadAll()).Version.Next();
        Assert.True(await _table.InsertRow(entry, version));

        var data = await _table.ReadRow(entry.SiloAddress);

        var (row, etag) = Assert.Single(data.Members);
        Assert.Equal(entry.ToFullString(), row.ToFullString());
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(version.Version, data.Version.Version);
        Assert.NotEqual(version.VersionEtag, data.Version.VersionEtag);
    }

    [Fact]
    public async Task ReadRow_of_an_unknown_silo_returns_no_member_and_the_table_version()
    {
        Assert.True(await _table.InsertRow(NewEntry(), (await _table.ReadAll()).Version.Next()));

        var data = await _table.ReadRow(NewSiloAddress());

        Assert.Empty(data.Members);
        Assert.Equal(1, data.Version.Version);
    }

    [Fact]
    public async Task UpdateRow_with_the_current_etags_replaces_the_row_and_changes_its_etag()
    {
        var entry = NewEntry();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var read = await _table.ReadAll();
        var etag = read.TryGet(entry.SiloAddress)!.Item2;

        entry.Status = SiloStatus.Active;
        entry.AddSuspector(NewSiloAddress(), WholeSeconds(DateTime.UtcNow).AddSeconds(1));
        entry.AddSuspector(NewSiloAddress(), WholeSeconds(DateTime.UtcNow).AddSeconds(2));
        Assert.True(await _table.UpdateRow(entry, etag, read.Version.Next()));

        var after = await _table.ReadAll();
        var (row, newEtag) = after.TryGet(entry.SiloAddress)!;
        Assert.Equal(entry.ToFullString(), row.ToFullString());
        Assert.NotEqual(etag, newEtag);
        Assert.Equal(read.Version.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task UpdateRow_with_a_stale_row_etag_is_rejected()
    {
        var entry = NewEntry();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var first = await _table.ReadAll();
        var staleEtag = first.TryGet(entry.SiloAddress)!.Item2;
        entry.Status = SiloStatus.Active;
        Assert.True(await _table.UpdateRow(entry, staleEtag, first.Version.Next()));

        // Current table version, but the row etag read before the last update.
        var second = await _table.ReadAll();
        entry.Status = SiloStatus.Dead;
        Assert.False(await _table.UpdateRow(entry, staleEtag, second.Version.Next()));

        var after = await _table.ReadAll();
        Assert.Equal(SiloStatus.Active, after.TryGet(entry.SiloAddress)!.Item1.Status);
        Assert.Equal(second.Version, after.Version);
    }

    [Fact]
    public async Task UpdateRow_with_a_stale_table_etag_is_rejected()
    {
        var entry = NewEntry();
        var inserted = (await _table.ReadAll()).Version.Next();
        Assert.True(await _table.InsertRow(entry, inserted));
        var read = await _table.ReadAll();
        var etag = read.TryGet(entry.SiloAddress)!.Item2;

        // Current row etag, but the table version used for the insert.
        entry.Status = SiloStatus.Active;
        Assert.False(await _table.UpdateRow(entry, etag, inserted));

        var after = await _table.ReadAll();
        Assert.Equal(SiloStatus.Joining, after.TryGet(entry.SiloAddress)!.Item1.Status);
        Assert.Equal(etag, after.TryGet(entry.SiloAddress)!.Item2);
    }

    [Fact]
    public async Task UpdateRow_of_a_missing_silo_is_rejected()
    {
        var read = await _table.ReadAll();

        Assert.False(await _table.UpdateRow(NewEntry(), "0", read.Version.Next()));

        Assert.Empty((await _table.ReadAll()).Members);
    }

    [Fact]
    public async Task An_etag_this_table_never_issued_is_rejected_not_thrown()
    {
        var entry = NewEntry();
        Assert.False(await _table.InsertRow(entry, new TableVersion(1, "not-a-number")));
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));

        Assert.False(await _table.UpdateRow(entry, "W/\"abc\"", (await _table.ReadAll()).Version.Next()));
    }

    [Fact]
    public async Task Parallel_inserts_of_one_silo_let_exactly_one_win()
    {
        var entry = NewEntry();
        var version = (await _table.ReadAll()).Version.Next();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _table.InsertRow(entry, version)));

        Assert.Single(results, won => won);
        Assert.Single((await _table.ReadAll()).Members);
    }

    [Fact]
    public async Task Parallel_updates_from_the_same_read_let_exactly_one_win()
    {
        var entry = NewEntry();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var read = await _table.ReadAll();
        var etag = read.TryGet(entry.SiloAddress)!.Item2;

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
        {
            var copy = read.TryGet(entry.SiloAddress)!.Item1;
            var update = new MembershipEntry
            {
                SiloAddress = copy.SiloAddress,
                Status = SiloStatus.Active,
                HostName = copy.HostName,
                SiloName = $"writer-{i}",
                ProxyPort = copy.ProxyPort,
                StartTime = copy.StartTime,
                IAmAliveTime = copy.IAmAliveTime,
            };
            return _table.UpdateRow(update, etag, read.Version.Next());
        }));

        Assert.Single(results, won => won);
        var after = await _table.ReadAll();
        Assert.Equal(read.Version.Version + 1, after.Version.Version);
        var winner = Array.IndexOf(results, true);
        Assert.Equal($"writer-{winner}", after.TryGet(entry.SiloAddress)!.Item1.SiloName);
    }

    [Fact]
    public async Task Concurrent_writers_retrying_on_contention_each_get_one_version()
    {
        var entry = NewEntry();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));

        // 19 writers, each re-reading and retrying until its update lands: every success is one version step.
        await Task.WhenAll(Enumerable.Range(0, 19).Select(async _ =>
        {
            while (true)
            {
                var read = await _table.ReadAll();
                var (row, etag) = read.TryGet(entry.SiloAddress)!;
                if (await _table.UpdateRow(row, etag, read.Version.Next()))
                {
                    return;
                }
            }
        })).WaitAsync(TimeSpan.FromSeconds(60));

        var after = await _table.ReadAll();
        Assert.Equal(20, after.Version.Version);
        Assert.Single(after.Members);
    }

    [Fact]
    public async Task Table_version_counts_every_successful_write_and_nothing_else()
    {
        var entries = Enumerable.Range(0, 5).Select(_ => NewEntry()).ToList();
        foreach (var entry in entries)
        {
            Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
            // A rejected write in between must not move the version.
            Assert.False(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        }

        var data = await _table.ReadAll();
        Assert.Equal(5, data.Version.Version);
        Assert.Equal(5, data.Members.Count);
    }

    [Fact]
    public async Task UpdateIAmAlive_changes_only_the_alive_time()
    {
        var entry = NewEntry();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var before = await _table.ReadAll();
        var (_, etagBefore) = before.TryGet(entry.SiloAddress)!;
        var alive = DateTime.UtcNow.AddSeconds(5);

        // The protocol passes only the address and the new time.
        await _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = alive });

        var after = await _table.ReadAll();
        var (row, etagAfter) = after.TryGet(entry.SiloAddress)!;
        Assert.Equal(alive, row.IAmAliveTime);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(etagBefore, etagAfter);
        entry.IAmAliveTime = alive;
        Assert.Equal(entry.ToFullString(), row.ToFullString());
    }

    [Fact]
    public async Task UpdateRow_still_succeeds_with_etags_read_before_an_IAmAlive_write()
    {
        var entry = NewEntry();
        Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        var read = await _table.ReadAll();
        var etag = read.TryGet(entry.SiloAddress)!.Item2;

        await _table.UpdateIAmAlive(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = DateTime.UtcNow });

        entry.Status = SiloStatus.Active;
        Assert.True(await _table.UpdateRow(entry, etag, read.Version.Next()));
    }

    [Fact]
    public async Task UpdateIAmAlive_of_a_silo_without_a_row_fails_and_creates_nothing()
    {
        var stranger = new MembershipEntry { SiloAddress = NewSiloAddress(), IAmAliveTime = DateTime.UtcNow };

        await Assert.ThrowsAsync<InvalidOperationException>(() => _table.UpdateIAmAlive(stranger));

        Assert.Empty((await _table.ReadAll()).Members);
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_deletes_only_dead_rows_older_than_the_cutoff()
    {
        var longAgo = WholeSeconds(DateTime.UtcNow).AddDays(-10);
        var oldDead = Aged(NewEntry(SiloStatus.Dead), longAgo);
        var recentDead = NewEntry(SiloStatus.Dead);
        var oldActive = Aged(NewEntry(SiloStatus.Active), longAgo);
        var oldJoining = Aged(NewEntry(SiloStatus.Joining), longAgo);
        var oldShuttingDown = Aged(NewEntry(SiloStatus.ShuttingDown), longAgo);
        // Its own IAmAlive is old, but it was voted dead just now: that recent change keeps it.
        var oldDeadRecentlyVoted = Aged(NewEntry(SiloStatus.Dead), longAgo);
        oldDeadRecentlyVoted.AddSuspector(NewSiloAddress(), WholeSeconds(DateTime.UtcNow));
        foreach (var entry in new[] { oldDead, recentDead, oldActive, oldJoining, oldShuttingDown, oldDeadRecentlyVoted })
        {
            Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        }

        await _table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddDays(-3));

        var left = (await _table.ReadAll()).Members.Select(m => m.Item1.SiloAddress).ToHashSet();
        Assert.DoesNotContain(oldDead.SiloAddress, left);
        Assert.Equal(
            new[] { recentDead, oldActive, oldJoining, oldShuttingDown, oldDeadRecentlyVoted }.Select(e => e.SiloAddress).ToHashSet(),
            left);
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_deletes_more_than_one_batch_of_25()
    {
        var longAgo = WholeSeconds(DateTime.UtcNow).AddDays(-10);
        for (var i = 0; i < 30; i++)
        {
            Assert.True(await _table.InsertRow(Aged(NewEntry(SiloStatus.Dead), longAgo), (await _table.ReadAll()).Version.Next()));
        }

        var survivor = NewEntry(SiloStatus.Active);
        Assert.True(await _table.InsertRow(survivor, (await _table.ReadAll()).Version.Next()));

        await _table.CleanupDefunctSiloEntries(DateTimeOffset.UtcNow.AddDays(-1));

        var member = Assert.Single((await _table.ReadAll()).Members);
        Assert.Equal(survivor.SiloAddress, member.Item1.SiloAddress);
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_removes_the_cluster_and_leaves_other_clusters_alone()
    {
        var otherClusterId = UniqueName("other");
        using var other = NewTable(moto, TableName, otherClusterId);
        await other.InitializeMembershipTable(true);
        var otherEntry = NewEntry();
        Assert.True(await other.InsertRow(otherEntry, (await other.ReadAll()).Version.Next()));
        Assert.True(await _table.InsertRow(NewEntry(), (await _table.ReadAll()).Version.Next()));

        await _table.DeleteMembershipTableEntries(_clusterId);

        // The version row went too: this cluster is uninitialized again.
        await Assert.ThrowsAsync<InvalidOperationException>(() => _table.ReadAll());
        Assert.Equal(otherEntry.SiloAddress, Assert.Single((await other.ReadAll()).Members).Item1.SiloAddress);
        await other.DeleteMembershipTableEntries(otherClusterId);
        await _table.InitializeMembershipTable(true);
    }

    [Fact]
    public async Task InitializeMembershipTable_again_keeps_the_existing_version_row()
    {
        Assert.True(await _table.InsertRow(NewEntry(), (await _table.ReadAll()).Version.Next()));
        var before = await _table.ReadAll();

        using var second = NewTable(moto, TableName, _clusterId);
        await second.InitializeMembershipTable(tryInitTableVersion: true);

        Assert.Equal(before.Version, (await second.ReadAll()).Version);
    }

    [Fact]
    public async Task GetGateways_lists_the_proxy_endpoints_of_active_silos_only()
    {
        var joining = NewEntry(SiloStatus.Joining);
        var activeWithoutGateway = NewEntry(SiloStatus.Active, proxyPort: 0);
        var active1 = NewEntry(SiloStatus.Active, proxyPort: 30001);
        var active2 = NewEntry(SiloStatus.Active, proxyPort: 30002);
        var dead = NewEntry(SiloStatus.Dead);
        foreach (var entry in new[] { joining, activeWithoutGateway, active1, active2, dead })
        {
            Assert.True(await _table.InsertRow(entry, (await _table.ReadAll()).Version.Next()));
        }

        using var gateways = NewGatewayProvider(moto, TableName, _clusterId);
        await gateways.InitializeGatewayListProvider();
        var uris = (await gateways.GetGateways()).Select(u => u.ToString()).ToHashSet();

        var expected = new[] { active1, active2 }
            .Select(e => SiloAddress.New(e.SiloAddress.Endpoint.Address, e.ProxyPort, e.SiloAddress.Generation).ToGatewayUri().ToString())
            .ToHashSet();
        Assert.Equal(expected, uris);
    }

    [Fact]
    public async Task GetGateways_before_the_table_exists_is_empty()
    {
        using var gateways = NewGatewayProvider(moto, UniqueName("no-such-table"), _clusterId);
        await gateways.InitializeGatewayListProvider();

        Assert.Empty(await gateways.GetGateways());
    }

    [Fact]
    public async Task A_corrupt_row_is_skipped_by_reads_instead_of_breaking_membership()
    {
        var good = NewEntry(SiloStatus.Active);
        Assert.True(await _table.InsertRow(good, (await _table.ReadAll()).Version.Next()));
        var corrupt = SiloRow.ToItem(_clusterId, NewEntry(SiloStatus.Active), etag: 0, membershipVersion: 0);
        corrupt["Address"] = new AttributeValue { S = "not-an-ip" };
        using (var client = DynamoDBClientFactory.Create(moto.Options(TableName)))
        {
            await client.PutItemAsync(new PutItemRequest { TableName = TableName, Item = corrupt });
        }

        var member = Assert.Single((await _table.ReadAll()).Members);
        Assert.Equal(good.SiloAddress, member.Item1.SiloAddress);
        using var gateways = NewGatewayProvider(moto, TableName, _clusterId);
        await gateways.InitializeGatewayListProvider();
        Assert.Single(await gateways.GetGateways());
    }

    private static MembershipEntry Aged(MembershipEntry entry, DateTime when)
    {
        entry.StartTime = when;
        entry.IAmAliveTime = when;
        return entry;
    }
}
