using System.Globalization;
using System.Net;
using AutoMon.Grains.Placement;
using AutoMon.Silos.Membership;
using AutoMon.Silos.Persistence;

namespace AutoMon.Silos.Hosting;

/// <summary>What a silo does in an AutoMon deployment.</summary>
public enum SiloRole
{
    /// <summary>Hosts the experiments' coordinator grains (the paper's coordinator region).</summary>
    Coordinator,

    /// <summary>Hosts node grains (the paper's node region).</summary>
    Node,

    /// <summary>One silo hosting everything, for local runs.</summary>
    AllInOne,
}

/// <summary>How silos find each other.</summary>
public enum MembershipKind
{
    /// <summary>
    /// Orleans' localhost (development) clustering: the membership table lives in a primary silo on this machine; an all-in-one
    /// silo alone, or a loopback cluster whose other silos name the primary with <see cref="SiloHostOptions.PrimarySilo"/>.
    /// </summary>
    Localhost,

    /// <summary>Our DynamoDB membership table: a multi-silo cluster across processes and machines.</summary>
    DynamoDB,
}

/// <summary>Where grain state is persisted (the <see cref="AutoMon.Grains.Hosting.AutoMonGrainStorage.Name"/> provider).</summary>
public enum GrainStorageKind
{
    /// <summary>Orleans' in-memory storage: lost with the silo that holds it (local runs, tests).</summary>
    Memory,

    /// <summary>Our DynamoDB grain storage (<see cref="Persistence.DynamoDBGrainStorage"/>), in <see cref="SiloHostOptions.GrainStorageTable"/>.</summary>
    DynamoDB,
}

/// <summary>Failure-detection timing.</summary>
public enum FailureDetectionProfile
{
    /// <summary>Orleans' defaults (a dead silo is declared within tens of seconds).</summary>
    Default,

    /// <summary>Short probe and refresh periods for tests and loopback clusters (a dead silo is declared within seconds).</summary>
    Fast,
}

/// <summary>Names and parsing of the metadata every AutoMon silo publishes (read it with Orleans' ISiloMetadataCache).</summary>
public static class SiloMetadataKeys
{
    /// <summary>The silo's role: <c>coordinator</c>, <c>node</c> or <c>all-in-one</c> (what the grains' placement reads).</summary>
    public const string Role = AutoMonSiloMetadata.Role;

    /// <summary>The silo's region label, e.g. <c>us-west-2</c>.</summary>
    public const string Region = AutoMonSiloMetadata.Region;

    /// <summary>The command-line and metadata name of a role.</summary>
    public static string RoleName(SiloRole role) => role switch
    {
        SiloRole.Coordinator => AutoMonSiloMetadata.CoordinatorRole,
        SiloRole.Node => AutoMonSiloMetadata.NodeRole,
        SiloRole.AllInOne => AutoMonSiloMetadata.AllInOneRole,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown silo role"),
    };

    /// <summary>The role named <paramref name="name"/> (as written by <see cref="RoleName"/>).</summary>
    public static SiloRole ParseRole(string name) => name switch
    {
        "coordinator" => SiloRole.Coordinator,
        "node" => SiloRole.Node,
        "all-in-one" => SiloRole.AllInOne,
        _ => throw new ArgumentException($"unknown silo role '{name}' (expected coordinator, node or all-in-one)", nameof(name)),
    };
}

/// <summary>
/// Everything that configures one AutoMon silo. <see cref="SiloHostBuilder.Configure"/> applies it to an Orleans
/// silo builder; the command line of <c>AutoMon.Silos</c> fills it in.
/// </summary>
public sealed class SiloHostOptions
{
    public const string DefaultClusterId = "automon";
    public const string DefaultServiceId = "automon";
    public const string DefaultRegion = "us-west-2";

    private const string MissingKey =
        "--http-port serves the HTTP API, which requires an API key: give --api-key-file PATH (a file holding the key), " +
        "or --no-auth to serve it without authentication (local demos only)";

    public SiloRole Role { get; set; } = SiloRole.AllInOne;

    /// <summary>Region label published as silo metadata (placement and WAN-latency emulation use it).</summary>
    public string Region { get; set; } = DefaultRegion;

    public string ClusterId { get; set; } = DefaultClusterId;

    public string ServiceId { get; set; } = DefaultServiceId;

    /// <summary>Silo name; defaults to <c>role-siloPort</c>.</summary>
    public string? SiloName { get; set; }

    /// <summary>The address the silo listens on and advertises to others; loopback unless deployed across machines.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The address published in the membership table, when it differs from <see cref="Address"/> (a cloud host's
    /// public IP, which is not on its interface); null advertises <see cref="Address"/>.</summary>
    public IPAddress? AdvertisedAddress { get; set; }

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The monitoring service's HTTP API port on <see cref="Address"/>; null: no HTTP API.</summary>
    public int? HttpPort { get; set; }

    /// <summary>
    /// The file holding the key the HTTP API requires (<c>Authorization: Bearer KEY</c>): its trimmed content, at least
    /// <see cref="ApiKeys.MinimumLength"/> visible ASCII characters. With <see cref="HttpPort"/>, one of this,
    /// <see cref="ApiKey"/> or <see cref="NoAuth"/> is required.
    /// </summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>
    /// The HTTP API's key itself, for a host that makes its own (<c>serve</c> generates one, tests set one); not a setting
    /// (never on a command line or in a file) and not written by <see cref="SiloSettings.ToArguments"/>. Wins over
    /// <see cref="ApiKeyFile"/>.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Serve the HTTP API without authentication (local demos): the explicit opt-out of the API key.</summary>
    public bool NoAuth { get; set; }

    /// <summary>
    /// Clustering; null means localhost for all-in-one silos and for silos given a <see cref="PrimarySilo"/>, DynamoDB
    /// otherwise (see <see cref="EffectiveMembership"/>).
    /// </summary>
    public MembershipKind? Membership { get; set; }

    /// <summary>
    /// Localhost clustering across processes: the silo endpoint of the primary silo, which holds the membership table; null
    /// when this silo is the primary (or alone).
    /// </summary>
    public IPEndPoint? PrimarySilo { get; set; }

    /// <summary>
    /// How long a grain call may take before it fails; null keeps Orleans' 30 s. A lockstep step that ends in an ADCD-X full
    /// sync of the DNN takes seconds at the coordinator, more on a busy machine.
    /// </summary>
    public TimeSpan? ResponseTimeout { get; set; }

    public string DynamoDBTable { get; set; } = DynamoDBClusteringOptions.DefaultTableName;

    /// <summary>DynamoDB endpoint URL (e.g. a local emulator); null for the AWS endpoint of <see cref="DynamoDBRegion"/>.</summary>
    public string? DynamoDBServiceUrl { get; set; }

    /// <summary>
    /// AWS region of the membership table (with a service URL: the signing region, default us-east-1). Deliberately not
    /// derived from <see cref="Region"/>: silos labelled with different regions must still share one table.
    /// </summary>
    public string? DynamoDBRegion { get; set; }

    /// <summary>Where grain state is persisted; DynamoDB reuses <see cref="DynamoDBServiceUrl"/> and <see cref="DynamoDBRegion"/>.</summary>
    public GrainStorageKind GrainStorage { get; set; } = GrainStorageKind.Memory;

    /// <summary>The DynamoDB table of grain state (with <see cref="GrainStorageKind.DynamoDB"/>).</summary>
    public string GrainStorageTable { get; set; } = DynamoDBGrainStorageOptions.DefaultTableName;

    /// <summary>True when this silo reaches DynamoDB (for membership, grain state or both).</summary>
    public bool UsesDynamoDB => EffectiveMembership == MembershipKind.DynamoDB || GrainStorage == GrainStorageKind.DynamoDB;

    public FailureDetectionProfile FailureDetection { get; set; } = FailureDetectionProfile.Default;

    /// <summary>Stop the silo when standard input reaches end of file (a supervising process died or closed the pipe).</summary>
    public bool ExitWhenStdinCloses { get; set; }

    /// <summary>
    /// Stop once a coordinator silo this silo has seen active has left the cluster: a node silo of a cloud experiment ends
    /// (and stops costing) when its coordinator is done.
    /// </summary>
    public bool StopWhenCoordinatorLeaves { get; set; }

    /// <summary>With <see cref="StopWhenCoordinatorLeaves"/>: stop also when no coordinator silo has joined within this long.</summary>
    public TimeSpan CoordinatorJoinTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Node silos: the node indices this silo is meant for (inclusive), published as silo metadata so node placement puts
    /// exactly those node grains here (a cloud task per node, as in the paper); null: whatever round-robin gives it.
    /// </summary>
    public (int First, int Last)? NodeRange { get; set; }

    /// <summary>Stop after this long whatever happens (a hung experiment must not run, and cost, forever); null: no limit.</summary>
    public TimeSpan? MaxRunTime { get; set; }

    /// <summary>
    /// The cluster's certificate with its private key (a PKCS#12 .pfx; <c>AutoMon.Grains.Hosting.ClusterCertificate</c>): when
    /// set, silo-to-silo and gateway connections are mutual TLS, and only peers presenting this same certificate are
    /// accepted; null: plain TCP.
    /// </summary>
    public string? TlsCertificate { get; set; }

    /// <summary>The password of <see cref="TlsCertificate"/>, if it has one (prefer <c>AUTOMON_TLSCERTIFICATEPASSWORD</c> to the command line).</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>
    /// Download the cluster's certificate from this S3 folder (<c>s3://bucket/prefix/</c>, holding one .pfx) before the host
    /// is built, and use it as <see cref="TlsCertificate"/>: how the AWS deployment hands every silo its experiment's key.
    /// </summary>
    public string? TlsCertificateS3Uri { get; set; }

    /// <summary>The AWS region of <see cref="TlsCertificateS3Uri"/>'s bucket.</summary>
    public string? TlsCertificateS3Region { get; set; }

    /// <summary>Another S3 endpoint for <see cref="TlsCertificateS3Uri"/> (e.g. a local emulator).</summary>
    public string? TlsCertificateS3ServiceUrl { get; set; }

    /// <summary>Where <see cref="TlsCertificateS3Uri"/> points; null when not set (or not an s3:// URI: see <see cref="Validate"/>).</summary>
    public S3Folder? TlsCertificateS3 =>
        TlsCertificateS3Uri is { } uri && S3Folder.TryParse(uri, out var folder, out _, "--tls-certificate-s3-uri")
            ? folder with { Region = TlsCertificateS3Region, ServiceUrl = TlsCertificateS3ServiceUrl }
            : null;

    /// <summary>How the silo writes its console log: simple lines (the default) or JSON lines (cloud log collectors).</summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Simple;

    /// <summary>An experiment to run on the cluster once this silo is up; the silo stops when it is done.</summary>
    public ExperimentRequest? Experiment { get; set; }

    /// <summary>
    /// The key the HTTP API requires: <see cref="ApiKey"/>, else the content of <see cref="ApiKeyFile"/>; null when
    /// there is no HTTP API or <see cref="NoAuth"/> turns authentication off. Throws <see cref="ArgumentException"/>
    /// naming the setting when the key is missing or unfit (what <see cref="Validate"/> reports).
    /// </summary>
    public string? ReadApiKey()
    {
        if (HttpPort is null || NoAuth)
        {
            return null;
        }

        if (ApiKey is not null)
        {
            return ApiKeys.Check(ApiKey, "the API key") is { } problem ? throw new ArgumentException(problem) : ApiKey;
        }

        if (ApiKeyFile is null)
        {
            throw new ArgumentException(MissingKey);
        }

        return ApiKeys.TryRead(ApiKeyFile, out var key, out var unreadable) ? key : throw new ArgumentException(unreadable);
    }

    public MembershipKind EffectiveMembership =>
        Membership ?? (Role == SiloRole.AllInOne || PrimarySilo is not null ? MembershipKind.Localhost : MembershipKind.DynamoDB);

    public string EffectiveSiloName => SiloName ?? string.Create(CultureInfo.InvariantCulture, $"{SiloMetadataKeys.RoleName(Role)}-{SiloPort}");

    /// <summary>The DynamoDB clustering options these settings imply (credentials come from the default AWS chain).</summary>
    public void ConfigureDynamoDB(DynamoDBClusteringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TableName = DynamoDBTable;
        options.ServiceUrl = DynamoDBServiceUrl;
        options.Region = DynamoDBRegion;
    }

    /// <summary>The DynamoDB grain storage options these settings imply (the membership table's endpoint and region).</summary>
    public void ConfigureGrainStorage(DynamoDBGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TableName = GrainStorageTable;
        options.ServiceUrl = DynamoDBServiceUrl;
        options.Region = DynamoDBRegion;
    }

    /// <summary>Every problem with these settings, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Role))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"role {(int)Role} is not a silo role"));
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            problems.Add("region is empty");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            problems.Add("cluster id is empty");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add("service id is empty");
        }

        CheckPort(problems, "silo port", SiloPort);
        CheckPort(problems, "gateway port", GatewayPort);
        if (HttpPort is { } http)
        {
            CheckPort(problems, "--http-port", http);
            if (http == SiloPort || http == GatewayPort)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"--http-port {http} is also the silo or gateway port"));
            }
        }

        if (HttpPort is null && (ApiKeyFile is not null || NoAuth))
        {
            problems.Add($"{(NoAuth ? "--no-auth" : "--api-key-file")} applies to the HTTP API: give --http-port too, or leave it out");
        }
        else if (NoAuth && (ApiKeyFile is not null || ApiKey is not null))
        {
            problems.Add("--no-auth turns the API key off, yet a key is given (--api-key-file): choose one");
        }
        else
        {
            try
            {
                _ = ReadApiKey();
            }
            catch (ArgumentException problem)
            {
                problems.Add(problem.Message);
            }
        }

        if (SiloPort == GatewayPort)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"silo port and gateway port are both {SiloPort}"));
        }

        if (Membership is { } kind && !Enum.IsDefined(kind))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"membership {(int)kind} is not a membership kind"));
        }
        else if (EffectiveMembership == MembershipKind.Localhost && Role == SiloRole.Node && PrimarySilo is null)
        {
            // A node silo is never alone: with localhost clustering it joins the primary silo's table (or use DynamoDB).
            problems.Add("role node with localhost membership needs --primary-silo (the primary silo's address:port), or use --membership dynamodb");
        }
        else if (EffectiveMembership == MembershipKind.DynamoDB && PrimarySilo is not null)
        {
            problems.Add("--primary-silo applies to localhost membership only (DynamoDB membership has no primary silo)");
        }
        else if (EffectiveMembership == MembershipKind.DynamoDB)
        {
            var dynamo = new DynamoDBClusteringOptions();
            ConfigureDynamoDB(dynamo);
            problems.AddRange(DynamoDBClusteringOptionsValidator.Validate(dynamo));
        }

        if (!Enum.IsDefined(GrainStorage))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"grain storage {(int)GrainStorage} is not a grain storage kind"));
        }
        else if (GrainStorage == GrainStorageKind.DynamoDB)
        {
            var storage = new DynamoDBGrainStorageOptions();
            ConfigureGrainStorage(storage);
            // Endpoint and region are checked once, with the membership table's, when both use DynamoDB.
            problems.AddRange(DynamoDBTableOptionsValidator.Validate(storage)
                .Where(p => EffectiveMembership != MembershipKind.DynamoDB || p.StartsWith(nameof(storage.TableName), StringComparison.Ordinal))
                .Select(p => "--grain-storage-table: " + p));
            if (EffectiveMembership == MembershipKind.DynamoDB && string.Equals(GrainStorageTable, DynamoDBTable, StringComparison.Ordinal))
            {
                problems.Add($"--grain-storage-table and --dynamodb-table are both '{DynamoDBTable}': grain state needs a table of its own");
            }
        }

        if (PrimarySilo is { } primary && primary.Port == SiloPort && (primary.Address.Equals(Address) || (IPAddress.IsLoopback(primary.Address) && IPAddress.IsLoopback(Address))))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--primary-silo {primary} is this silo itself; leave it out on the primary silo"));
        }

        if (MaxRunTime is { } limit && limit <= TimeSpan.Zero)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--max-run-time {limit} is not positive"));
        }

        if (NodeRange is { } range && (range.First < 0 || range.Last < range.First))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--node-range {range.First}-{range.Last} is not FIRST-LAST with 0 <= FIRST <= LAST"));
        }

        if (NodeRange is not null && Role != SiloRole.Node)
        {
            problems.Add("--node-range is for node silos (the nodes they host)");
        }

        if (CoordinatorJoinTimeout <= TimeSpan.Zero)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--coordinator-join-timeout {CoordinatorJoinTimeout} is not positive"));
        }

        if (StopWhenCoordinatorLeaves && Role == SiloRole.Coordinator)
        {
            problems.Add("--stop-when-coordinator-leaves is for node silos; a coordinator silo stops when its experiment is done");
        }

        if (TlsCertificatePassword is not null && TlsCertificate is null && TlsCertificateS3Uri is null)
        {
            problems.Add("--tls-certificate-password needs --tls-certificate (the .pfx it opens)");
        }

        if (TlsCertificate is not null && TlsCertificateS3Uri is not null)
        {
            problems.Add("give --tls-certificate or --tls-certificate-s3-uri, not both");
        }

        if (TlsCertificateS3Uri is { } certificateUri && !S3Folder.TryParse(certificateUri, out _, out var uriProblem, "--tls-certificate-s3-uri"))
        {
            problems.Add(uriProblem!);
        }

        if ((TlsCertificateS3Region is not null || TlsCertificateS3ServiceUrl is not null) && TlsCertificateS3Uri is null)
        {
            problems.Add("--tls-certificate-s3-region and --tls-certificate-s3-service-url go with --tls-certificate-s3-uri");
        }

        if (ResponseTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--response-timeout {timeout} is not positive"));
        }

        return problems;
    }

    private static void CheckPort(List<string> problems, string name, int port)
    {
        if (port is < 1 or > 65535)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {port} is not in 1..65535"));
        }
    }
}
