using AutoMon.Silos.Local;
using AutoMon.Silos.Membership;

namespace AutoMon.Silos.Tests;

/// <summary>
/// A moto server (DynamoDB and S3 APIs) on a free 127.0.0.1 port for the collection: the same local server the launcher
/// starts for a local cluster (<see cref="LocalDynamoDB"/>: requests serialised so transactions are atomic, gone when
/// this test process is).
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    /// <summary>The signing region every test client and test silo uses: moto keeps one backend per region.</summary>
    public const string Region = LocalDynamoDB.Region;

    /// <summary>Dummy credentials: moto accepts any.</summary>
    public const string AccessKey = "testing";

    public const string SecretKey = "testing";

    private LocalDynamoDB? _server;

    public int Port => Server.ServiceUrl.Port;

    public string ServiceUrl => Server.ServiceUrl.ToString().TrimEnd('/');

    /// <summary>What moto printed last (for failure messages).</summary>
    public string Output => Server.Output;

    private LocalDynamoDB Server => _server ?? throw new InvalidOperationException("the moto server is not started");

    /// <summary>Clustering options pointing at this server.</summary>
    public DynamoDBClusteringOptions Options(string tableName) => new()
    {
        TableName = tableName,
        ServiceUrl = ServiceUrl,
        Region = Region,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
    };

    public void Configure(DynamoDBClusteringOptions options, string tableName)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TableName = tableName;
        options.ServiceUrl = ServiceUrl;
        options.Region = Region;
        options.AccessKey = AccessKey;
        options.SecretKey = SecretKey;
    }

    public async Task InitializeAsync() => _server = await LocalDynamoDB.StartAsync("python3", logPath: null, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }

    /// <summary>A port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort() => LocalDynamoDB.FreePort();
}

/// <summary>
/// The tests that start moto or silo processes: one collection that runs alone (two cores shared with parallel test
/// classes would starve the silos, whose failure detection is two seconds).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}
