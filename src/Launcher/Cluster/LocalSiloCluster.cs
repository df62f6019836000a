using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using AutoMon.Grains.Hosting;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Local;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace AutoMon.Launcher.Cluster;

/// <summary>How the silos of a local cluster find each other.</summary>
internal enum LocalMembership
{
    /// <summary>Our DynamoDB membership table, on a moto server the launcher starts (as deployed, minus the cloud).</summary>
    DynamoDB,

    /// <summary>Orleans' localhost clustering: the coordinator silo is the primary and holds the membership table.</summary>
    Localhost,
}

/// <summary>A local multi-process cluster: how many silos, how they cluster, where their logs go.</summary>
internal sealed record LocalClusterOptions
{
    /// <summary>Silo processes: one coordinator silo and <c>Silos − 1</c> node silos (at least 2).</summary>
    public required int Silos { get; init; }

    public LocalMembership Membership { get; init; } = LocalMembership.DynamoDB;

    /// <summary>Folder for one log file per process (null: output kept in memory only, for error messages).</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Region label of the coordinator silo (the paper's coordinator ran in Oregon).</summary>
    public string CoordinatorRegion { get; init; } = "us-west-2";

    /// <summary>Region label of the node silos (the paper's nodes ran in Ohio).</summary>
    public string NodeRegion { get; init; } = "us-east-2";

    /// <summary>The Python that runs moto for DynamoDB membership.</summary>
    public string Python { get; init; } = Environment.GetEnvironmentVariable("AUTOMON_PYTHON") is { Length: > 0 } python ? python : "python3";

    /// <summary>Start a second coordinator silo that takes the coordinator grains over when the first dies.</summary>
    public bool CoordinatorStandby { get; init; }

    /// <summary>How fast the silos declare a dead silo dead (Orleans' defaults: tens of seconds; fast: seconds).</summary>
    public FailureDetectionProfile FailureDetection { get; init; } = FailureDetectionProfile.Default;

    /// <summary>
    /// Mutual TLS between the silos and the launcher's client, with a self-signed cluster certificate generated at start
    /// into <see cref="LogDirectory"/> (or a temporary folder, deleted at the end) and given to every silo.
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>How long the silos may take to start and join (several .NET processes share the machine's cores).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the command-line option.</summary>
    public void Validate()
    {
        if (Silos < 2)
        {
            throw new ArgumentException($"--silos {Silos}: a local cluster has a coordinator silo and at least one node silo (2 or more); 1 runs the embedded silo.");
        }

        if (!Enum.IsDefined(Membership))
        {
            throw new ArgumentException($"membership {(int)Membership} is not localhost or dynamodb.");
        }
    }
}

/// <summary>
/// The grains engine on a local multi-process cluster, laid out as the paper's deployment: one coordinator silo process
/// (region us-west-2) and node silo processes (us-east-2), each an <c>AutoMon.Silos</c> host started from the launcher's
/// folder, joined through DynamoDB membership on a local moto server (or localhost clustering around the coordinator
/// silo). The launcher connects as an Orleans client and drives the experiments through the gateways; node grains are
/// spread round-robin over the node silos by the grains' role placement. Every process watches the launcher (stdin, pid)
/// and stops when it goes; dispose stops them all.
/// </summary>
internal sealed class LocalSiloCluster : IGrainHost, ISiloFaults
{
    /// <summary>How long a grain call may take (client and silos): full syncs of the DNN take seconds, more on a busy machine.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromHours(2);

    // The silo host's log line that says it is up (after the time, level and category of its simple console format).
    private const string ReadyPrefix = "AutoMon silo started:";
    private const string MembershipTable = "automon-local-membership";
    private const string GrainStateTable = "automon-local-grains";

    /// <summary>The file name of the cluster certificate a <see cref="LocalClusterOptions.Tls"/> cluster generates.</summary>
    internal const string CertificateFile = "cluster.pfx";

    private readonly LocalClusterOptions _options;
    private readonly SemaphoreSlim _start = new(1, 1);
    private readonly List<ChildProcess> _silos = [];
    private readonly Dictionary<string, int> _siloPorts = new(StringComparer.Ordinal);
    private readonly List<SiloExit> _exits = [];
    private TaskCompletionSource _exitsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposing;
    private readonly string _clusterId = "automon-local-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
    private LocalDynamoDB? _dynamo;
    private IHost? _client;
    private X509Certificate2? _certificate;
    private string? _certificatePath;
    private string? _temporaryFolder;
    private string? _startFailure;

    public LocalSiloCluster(LocalClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"{_options.Silos + (_options.CoordinatorStandby ? 1 : 0)} local silo processes (1 coordinator{(_options.CoordinatorStandby ? " + 1 standby" : "")}, {_options.Silos - 1} node; " +
        $"{(_options.Membership == LocalMembership.DynamoDB ? "DynamoDB membership on moto" : "localhost membership")}{(_options.Tls ? ", mutual TLS" : "")})");

    /// <summary>The silo processes once started (coordinator first).</summary>
    internal IReadOnlyList<ChildProcess> Silos => _silos;

    public async Task<IGrainFactory> StartAsync(CancellationToken cancellationToken)
    {
        await _start.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_startFailure is not null)
            {
                // Parallel error bounds share the cluster: once it failed to start, each fails with the same reason.
                throw new InvalidOperationException(_startFailure);
            }

            if (_client is null)
            {
                try
                {
                    await StartClusterAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or OrleansException)
                {
                    _startFailure = "the local cluster did not start: " + (Diagnose() ?? e.Message);
                    throw new InvalidOperationException(_startFailure, e);
                }
            }

            return _client!.Services.GetRequiredService<IGrainFactory>();
        }
        finally
        {
            _start.Release();
        }
    }

    /// <summary>A silo (or the local DynamoDB) that has died, with its exit code and last output; null when all run.</summary>
    public string? Diagnose()
    {
        var dead = _silos.FirstOrDefault(s => s.HasExited);
        return dead?.Describe("has stopped");
    }

    private async Task StartClusterAsync(CancellationToken cancellationToken)
    {
        if (_options.Tls)
        {
            // One certificate for the whole cluster: every silo and the launcher's client hold it (ClusterCertificate's pin).
            var folder = _options.LogDirectory ?? (_temporaryFolder = Path.Combine(Path.GetTempPath(), "automon-cluster-" + Guid.NewGuid().ToString("N")));
            _certificatePath = Path.Combine(folder, CertificateFile);
            ClusterCertificate.CreateFile(_certificatePath);
            _certificate = ClusterCertificate.Load(_certificatePath, null, "--tls");
        }

        var dynamoUrl = (string?)null;
        if (_options.Membership == LocalMembership.DynamoDB)
        {
            _dynamo = await LocalDynamoDB.StartAsync(_options.Python, LogPath("dynamodb-moto"), cancellationToken).ConfigureAwait(false);
            dynamoUrl = _dynamo.ServiceUrl.ToString().TrimEnd('/');
        }

        // With localhost membership the coordinator silo is the primary the node silos join, so it starts first; with
        // DynamoDB membership every silo finds the others in the table, so the node silos boot beside it (on a 2-core
        // machine a silo's start-up is mostly JIT and waiting for the table).
        var localhost = _options.Membership == LocalMembership.Localhost;
        var coordinator = StartSilo("coordinator", "coordinator", _options.CoordinatorRegion, dynamoUrl, primarySiloPort: null);
        var coordinatorPort = coordinator.SiloPort;
        var nodes = new List<(ChildProcess Process, int SiloPort, int GatewayPort)>();
        void StartNodes()
        {
            for (var i = 1; i < _options.Silos; i++)
            {
                nodes.Add(StartSilo(string.Create(CultureInfo.InvariantCulture, $"node-{i}"), "node", _options.NodeRegion, dynamoUrl,
                    localhost ? coordinatorPort : null));
            }
        }

        if (!localhost)
        {
            StartNodes();
        }

        await coordinator.Process.WaitUntilReadyAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
        var gateways = new List<int> { coordinator.GatewayPort };
        if (_options.CoordinatorStandby)
        {
            // Started after the first: the coordinator grains go to the oldest coordinator silo, so this one stands by.
            var standby = StartSilo("coordinator-standby", "coordinator", _options.CoordinatorRegion, dynamoUrl,
                localhost ? coordinatorPort : null);
            await standby.Process.WaitUntilReadyAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
            gateways.Add(standby.GatewayPort);
        }

        if (localhost)
        {
            StartNodes();
        }

        gateways.AddRange(nodes.Select(n => n.GatewayPort));
        foreach (var node in nodes)
        {
            await node.Process.WaitUntilReadyAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }

        _client = await ConnectAsync(dynamoUrl, gateways, cancellationToken).ConfigureAwait(false);
        await WaitForActiveSilosAsync(_client.Services.GetRequiredService<IGrainFactory>(), cancellationToken).ConfigureAwait(false);
    }

    private (ChildProcess Process, int SiloPort, int GatewayPort) StartSilo(string name, string role, string region, string? dynamoUrl, int? primarySiloPort)
    {
        var siloPort = LocalDynamoDB.FreePort();
        var gatewayPort = LocalDynamoDB.FreePort();
        var (host, hostArguments) = SiloHostCommand();
        var start = new ProcessStartInfo(host);
        var silo = new SiloHostOptions
        {
            Role = SiloSettings.Roles.TryParse(role, out var parsed) ? parsed : throw new ArgumentException($"unknown silo role '{role}'", nameof(role)),
            Region = region,
            ClusterId = _clusterId,
            SiloName = name,
            SiloPort = siloPort,
            GatewayPort = gatewayPort,
            ExitWhenStdinCloses = true,
            ResponseTimeout = ResponseTimeout,
            FailureDetection = _options.FailureDetection,
            TlsCertificate = _certificatePath,
        };
        if (dynamoUrl is not null)
        {
            silo.Membership = MembershipKind.DynamoDB;
            silo.DynamoDBTable = MembershipTable;
            silo.DynamoDBServiceUrl = dynamoUrl;
            silo.DynamoDBRegion = LocalDynamoDB.Region;

            // Grain state on the same moto server: a paced run's coordinator continues from it on another silo.
            silo.GrainStorage = GrainStorageKind.DynamoDB;
            silo.GrainStorageTable = GrainStateTable;

            // Credentials for moto through the SDK's environment chain; never ask an instance-metadata service.
            start.Environment["AWS_ACCESS_KEY_ID"] = LocalDynamoDB.AccessKey;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = LocalDynamoDB.SecretKey;
            start.Environment.Remove("AWS_SESSION_TOKEN");
            start.Environment.Remove("AWS_PROFILE");
        }
        else
        {
            silo.Membership = MembershipKind.Localhost;
            silo.PrimarySilo = primarySiloPort is { } primary ? new IPEndPoint(IPAddress.Loopback, primary) : null;
        }

        // The silo host's command line, written by the type that parses it.
        var arguments = hostArguments.Concat(SiloCommandLine.ToArguments(silo)).ToList();
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        // Several silos share the machine's cores with the launcher: workstation GC keeps each light.
        start.Environment["DOTNET_gcServer"] = "0";
        // A local cluster's silos live for seconds: profile-guided tiering compiles hot methods a third time (instrumented,
        // then optimised), which cost about a third of a sweep's CPU on two cores (docs/performance.md, experiment sweeps).
        start.Environment["DOTNET_TieredPGO"] = "0";
        var process = ChildProcess.Start(name + " silo", start, LogPath(name), line => line.Contains(ReadyPrefix, StringComparison.Ordinal));
        _silos.Add(process);
        _siloPorts[name] = siloPort;
        _ = WatchExitAsync(process);
        return (process, siloPort, gatewayPort);
    }

    /// <summary>
    /// How to start <c>AutoMon.Silos</c>: the silo host is built next to the launcher (a project reference), and runs on the
    /// same dotnet as the launcher.
    /// </summary>
    internal static (string FileName, IReadOnlyList<string> Arguments) SiloHostCommand()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "AutoMon.Silos.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The silo host {dll} is missing; build the launcher (dotnet build src/Launcher) so AutoMon.Silos is copied next to it.");
        }

        return (DotnetHost(), [dll]);
    }

    private static string DotnetHost()
    {
        var executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } current && string.Equals(Path.GetFileName(current), executable, StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        // .../dotnet/shared/Microsoft.NETCore.App/<version>/ → .../dotnet/dotnet
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        var candidate = root is null ? null : Path.Combine(root, executable);
        return candidate is not null && File.Exists(candidate) ? candidate : executable;
    }

    private async Task<IHost> ConnectAsync(string? dynamoUrl, IReadOnlyList<int> gatewayPorts, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.None);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = _clusterId;
                cluster.ServiceId = SiloHostOptions.DefaultServiceId;
            });
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = ResponseTimeout);
            if (_certificate is { } certificate)
            {
                client.UseTls(certificate, tls => ClusterCertificate.Configure(tls, certificate));
            }

            if (dynamoUrl is not null)
            {
                client.UseDynamoDBClustering(options =>
                {
                    options.TableName = MembershipTable;
                    options.ServiceUrl = dynamoUrl;
                    options.Region = LocalDynamoDB.Region;
                    options.AccessKey = LocalDynamoDB.AccessKey;
                    options.SecretKey = LocalDynamoDB.SecretKey;
                });
            }
            else
            {
                client.UseStaticClustering([.. gatewayPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p))]);
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private async Task WaitForActiveSilosAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        while (true)
        {
            var active = (await management.GetHosts(onlyActive: true).ConfigureAwait(false)).Count;
            if (active >= _silos.Count)
            {
                return;
            }

            if (Diagnose() is { } broken)
            {
                throw new InvalidOperationException(broken);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"only {active} of {_silos.Count} silos joined the local cluster within {_options.StartTimeout.TotalSeconds:F0} s") +
                    (_options.LogDirectory is { } logs ? $"; silo logs: {logs}" : ""));
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<string> SiloNames => [.. _siloPorts.Keys];

    public int ExitCount
    {
        get
        {
            lock (_exits)
            {
                return _exits.Count;
            }
        }
    }

    public async Task<SiloExit> ExitAsync(int index, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_exits)
            {
                if (index < _exits.Count)
                {
                    return _exits[index];
                }

                changed = _exitsChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<TimeSpan> WaitUntilDeclaredDeadAsync(SiloExit exit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exit);
        if (exit.Silo == "coordinator" && _options.Membership == LocalMembership.Localhost)
        {
            throw new InvalidOperationException(
                "the coordinator silo died, and with --membership localhost it held the cluster's membership: use DynamoDB membership (the default) with --coordinator-standby to survive it.");
        }

        var port = _siloPorts[exit.Silo];
        var management = (_client ?? throw new InvalidOperationException("the local cluster is not running")).Services
            .GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // A call to a grain on the dead silo may never be answered to a client: ask again after a while.
                var hosts = await management.GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
                if (!hosts.Keys.Any(s => s.Endpoint.Port == port))
                {
                    return DateTime.UtcNow - exit.ExitedAt;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or SiloUnavailableException)
            {
                // The silo that answered the management call may be the dead one: ask again.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Kill(string silo)
    {
        var index = _siloPorts.Keys.ToList().IndexOf(silo);
        if (index < 0)
        {
            throw new ArgumentException($"--inject-fault names silo '{silo}'; this cluster's silos are {string.Join(", ", _siloPorts.Keys)}.");
        }

        _silos[index].Kill();
    }

    // Every silo exit while the cluster runs (not while it is being stopped) is a fault the runners recover from.
    private async Task WatchExitAsync(ChildProcess process)
    {
        var exitedAt = await process.Exited.ConfigureAwait(false);
        lock (_exits)
        {
            if (_disposing)
            {
                return;
            }

            _exits.Add(new SiloExit(process.Name.Replace(" silo", "", StringComparison.Ordinal), exitedAt));
            var changed = _exitsChanged;
            _exitsChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.SetResult();
        }
    }

    private string? LogPath(string name) => _options.LogDirectory is { } folder ? Path.Combine(folder, name + ".log") : null;

    public async ValueTask DisposeAsync()
    {
        lock (_exits)
        {
            _disposing = true;
        }

        if (_client is { } client)
        {
            _client = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await client.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The silos are stopped next either way.
            }

            client.Dispose();
        }

        // One at a time, last started first, so the coordinator silo (with localhost membership the primary, which holds the
        // table) stops last. Silos that leave at once contend for the membership table's version row, and Orleans backs a
        // loser off for at least 2 s: 3-4 s to stop three silos at once against 0.5-0.8 s each alone, and with localhost
        // membership a node silo could end before its leave was written, leaving the coordinator silo trying to reach it
        // until it was killed 15 s later (one sweep in ten took 31-35 s instead of 15-18).
        for (var i = _silos.Count - 1; i >= 0; i--)
        {
            await _silos[i].DisposeAsync().ConfigureAwait(false);
        }

        _silos.Clear();
        if (_dynamo is { } dynamo)
        {
            _dynamo = null;
            await dynamo.DisposeAsync().ConfigureAwait(false);
        }

        _certificate?.Dispose();
        if (_temporaryFolder is not null && Directory.Exists(_temporaryFolder))
        {
            Directory.Delete(_temporaryFolder, recursive: true);
        }

        _start.Dispose();
    }
}
