using System.Reflection;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.Logging.Abstractions;
using static AutoMon.Silos.Tests.MembershipTestData;

namespace AutoMon.Silos.Tests;

/// <summary>The membership table is created on first use, by exactly one of several silos starting together, and never altered.</summary>
[Collection(MotoCollection.Name)]
public sealed class TableProvisioningTests(MotoServer moto)
{
    [Fact]
    public async Task The_table_is_created_on_first_use_on_demand_with_cluster_and_silo_keys()
    {
        var tableName = UniqueName("created");
        using var table = NewTable(moto, tableName, "cluster");

        await table.InitializeMembershipTable(tryInitTableVersion: true);

        using var client = NewClient();
        var description = (await client.DescribeTableAsync(tableName)).Table;
        Assert.Equal(TableStatus.ACTIVE, description.TableStatus);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, description.BillingModeSummary?.BillingMode);
        Assert.Equal(
            new[] { ("ClusterId", "HASH"), ("SiloIdentity", "RANGE") },
            description.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        Assert.Equal(0, (await table.ReadAll()).Version.Version);
    }

    [Fact]
    public async Task Provisioned_mode_creates_the_table_with_the_configured_capacity()
    {
        var options = moto.Options(UniqueName("provisioned"));
        options.CapacityMode = DynamoDBCapacityMode.Provisioned;
        options.ReadCapacityUnits = 7;
        options.WriteCapacityUnits = 3;
        using var table = NewTable(options, "cluster");

        await table.InitializeMembershipTable(true);

        using var client = NewClient();
        var throughput = (await client.DescribeTableAsync(options.TableName)).Table.ProvisionedThroughput;
        Assert.Equal(7, throughput.ReadCapacityUnits);
        Assert.Equal(3, throughput.WriteCapacityUnits);
    }

    [Fact]
    public async Task An_existing_table_keeps_its_billing_mode_and_capacity()
    {
        var options = moto.Options(UniqueName("existing"));
        options.CapacityMode = DynamoDBCapacityMode.Provisioned;
        options.ReadCapacityUnits = 4;
        options.WriteCapacityUnits = 2;
        using (var creator = NewTable(options, "cluster"))
        {
            await creator.InitializeMembershipTable(true);
        }

        // A later silo configured differently (on-demand, other capacity) must not rewrite the owner's choice.
        var other = moto.Options(options.TableName);
        other.ReadCapacityUnits = 50;
        using var table = NewTable(other, "cluster");
        await table.InitializeMembershipTable(true);

        using var client = NewClient();
        var description = (await client.DescribeTableAsync(options.TableName)).Table;
        Assert.Equal(4, description.ProvisionedThroughput.ReadCapacityUnits);
        Assert.NotEqual(BillingMode.PAY_PER_REQUEST, description.BillingModeSummary?.BillingMode);
    }

    [Fact]
    public async Task Silos_starting_together_share_one_table_and_one_version_row()
    {
        var tableName = UniqueName("concurrent");
        var tables = Enumerable.Range(0, 6).Select(_ => NewTable(moto, tableName, "cluster")).ToList();
        try
        {
            await Task.WhenAll(tables.Select(t => t.InitializeMembershipTable(tryInitTableVersion: true)));

            // Each silo inserts itself through its own instance: one table, one version sequence.
            foreach (var table in tables)
            {
                Assert.True(await table.InsertRow(NewEntry(), (await table.ReadAll()).Version.Next()));
            }

            var data = await tables[0].ReadAll();
            Assert.Equal(6, data.Members.Count);
            Assert.Equal(6, data.Version.Version);
            using var client = NewClient();
            Assert.Contains(tableName, (await client.ListTablesAsync()).TableNames);
        }
        finally
        {
            tables.ForEach(t => t.Dispose());
        }
    }

    [Fact]
    public async Task A_table_created_by_someone_else_after_our_look_is_waited_for_not_an_error()
    {
        var options = moto.Options(UniqueName("raced"));
        using var real = NewClient();
        // Someone else creates the table (still CREATING for them) while we believe it does not exist yet.
        var client = ScriptedDynamoDB.Wrap(real);
        ScriptedDynamoDB.Of(client).DescribeTable = async (request, cancellationToken, calls) =>
        {
            if (calls == 1)
            {
                await real.CreateTableAsync(MembershipTableRequest(request.TableName), cancellationToken);
                throw new ResourceNotFoundException("not yet");
            }

            var actual = await real.DescribeTableAsync(request, cancellationToken);
            if (calls == 2)
            {
                actual.Table.TableStatus = TableStatus.CREATING;
            }

            return actual;
        };

        await new MembershipTableProvisioner(client, options, NullLogger.Instance).EnsureTableAsync(CancellationToken.None);

        // Look (not found), create (ResourceInUse), then poll through CREATING until ACTIVE.
        Assert.Equal(3, ScriptedDynamoDB.Of(client).DescribeTableCalls);
    }

    [Fact]
    public async Task A_table_that_stays_creating_times_out_with_a_clear_error()
    {
        var options = moto.Options(UniqueName("stuck"));
        options.TableReadyTimeout = TimeSpan.FromSeconds(1);
        using var real = NewClient();
        await real.CreateTableAsync(MembershipTableRequest(options.TableName));
        var client = ScriptedDynamoDB.Wrap(real);
        ScriptedDynamoDB.Of(client).DescribeTable = async (request, cancellationToken, _) =>
        {
            var actual = await real.DescribeTableAsync(request, cancellationToken);
            actual.Table.TableStatus = TableStatus.CREATING;
            return actual;
        };

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => new MembershipTableProvisioner(client, options, NullLogger.Instance).EnsureTableAsync(CancellationToken.None));

        Assert.Contains(options.TableName, error.Message, StringComparison.Ordinal);
        Assert.Contains("CREATING", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_table_is_an_error_when_creation_is_disabled()
    {
        var options = moto.Options(UniqueName("missing"));
        options.CreateIfNotExists = false;
        using var table = NewTable(options, "cluster");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => table.InitializeMembershipTable(true));

        Assert.Contains(options.TableName, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_table_with_another_key_schema_is_rejected_naming_both_schemas()
    {
        var tableName = UniqueName("foreign");
        using var client = NewClient();
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = tableName,
            KeySchema = [new KeySchemaElement("Id", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("Id", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        using var table = NewTable(moto, tableName, "cluster");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => table.InitializeMembershipTable(true));

        Assert.Contains("Id (HASH)", error.Message, StringComparison.Ordinal);
        Assert.Contains("ClusterId (HASH)", error.Message, StringComparison.Ordinal);
    }

    private AmazonDynamoDBClient NewClient() => DynamoDBClientFactory.Create(moto.Options("unused"));

    private static CreateTableRequest MembershipTableRequest(string tableName) => new()
    {
        TableName = tableName,
        KeySchema = [new KeySchemaElement("ClusterId", KeyType.HASH), new KeySchemaElement("SiloIdentity", KeyType.RANGE)],
        AttributeDefinitions = [new AttributeDefinition("ClusterId", ScalarAttributeType.S), new AttributeDefinition("SiloIdentity", ScalarAttributeType.S)],
        BillingMode = BillingMode.PAY_PER_REQUEST,
    };
}

/// <summary>
/// A DynamoDB client that forwards every call to a real one, except DescribeTable, which a test scripts to stage
/// the timings moto cannot produce (a table appearing between two calls, a table that stays CREATING).
/// </summary>
public class ScriptedDynamoDB : DispatchProxy
{
    private IAmazonDynamoDB _target = null!;

    public Func<DescribeTableRequest, CancellationToken, int, Task<DescribeTableResponse>>? DescribeTable { get; set; }

    public int DescribeTableCalls { get; private set; }

    public static IAmazonDynamoDB Wrap(IAmazonDynamoDB target)
    {
        var proxy = Create<IAmazonDynamoDB, ScriptedDynamoDB>();
        Of(proxy)._target = target;
        return proxy;
    }

    public static ScriptedDynamoDB Of(IAmazonDynamoDB proxy) => (ScriptedDynamoDB)(object)proxy;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IAmazonDynamoDB.DescribeTableAsync)
            && args is [DescribeTableRequest request, CancellationToken cancellationToken]
            && DescribeTable is { } script)
        {
            return script(request, cancellationToken, ++DescribeTableCalls);
        }

        try
        {
            return targetMethod.Invoke(_target, args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }
}
