using System.Globalization;
using System.Net;
using AutoMon.Grains.Placement;
using AutoMon.Grains.Runs;
using AutoMon.Grains.Hosting;
using AutoMon.Silos.Membership;
using AutoMon.Silos.Persistence;
using static AutoMon.Grains.Runs.SettingBinder;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// The silo host's own settings (the root of its configuration: <c>--silo-port</c>, <c>"SiloPort"</c> in
/// appsettings.json, <c>AUTOMON_SILOPORT</c>), each declared once; an experiment's are <see cref="RunSettings"/> and
/// <see cref="ExperimentRequest.Settings"/> under <c>Experiment</c>.
/// </summary>
public static class SiloSettings
{
    /// <summary>The role names.</summary>
    public static readonly EnumNames<SiloRole> Roles = new(
        (AutoMonSiloMetadata.CoordinatorRole, SiloRole.Coordinator), (AutoMonSiloMetadata.NodeRole, SiloRole.Node),
        (AutoMonSiloMetadata.AllInOneRole, SiloRole.AllInOne));

    /// <summary>The membership names.</summary>
    public static readonly EnumNames<MembershipKind> Memberships = new(("localhost", MembershipKind.Localhost), ("dynamodb", MembershipKind.DynamoDB));

    /// <summary>The grain storage names.</summary>
    public static readonly EnumNames<GrainStorageKind> GrainStorages = new(("memory", GrainStorageKind.Memory), ("dynamodb", GrainStorageKind.DynamoDB));

    /// <summary>The failure-detection profile names.</summary>
    public static readonly EnumNames<FailureDetectionProfile> FailureDetections = new(("default", FailureDetectionProfile.Default), ("fast", FailureDetectionProfile.Fast));

    /// <summary>The console log formats.</summary>
    public static readonly EnumNames<LogFormat> LogFormats = new(("simple", LogFormat.Simple), ("json", LogFormat.Json));

    /// <summary>Every silo setting, in the order a generated command line lists them.</summary>
    public static IReadOnlyList<Setting<SiloHostOptions>> All { get; } =
    [
        Text<SiloRole>("role", "What this silo hosts: coordinator, node or all-in-one (required).", o => SiloSettings.Roles.Format(o.Role),
            (o, v) => o.Role = v, Enum(Roles)),
        Text<string?>("region", $"Region label published as silo metadata (default {SiloHostOptions.DefaultRegion}).", o => o.Region, (o, v) => o.Region = v!, ParseText),
        Text<string?>("cluster-id", "Orleans cluster id (one membership partition per cluster id).", o => o.ClusterId, (o, v) => o.ClusterId = v!, ParseText),
        Text<string?>("service-id", "Orleans service id.", o => o.ServiceId, (o, v) => o.ServiceId = v!, ParseText),
        Text<string?>("silo-name", "Silo name (default: role-siloPort).", o => o.SiloName, (o, v) => o.SiloName = v, ParseText),
        Text<IPAddress?>("address", "IP address to listen on (and to advertise, unless --advertised-address says otherwise; default 127.0.0.1).",
            o => o.Address.ToString(), (o, v) => o.Address = v!, ParseAddress),
        Text<IPAddress?>("advertised-address", "IP address other silos and clients reach this silo at (default: --address); the image's entrypoint sets AUTOMON_ADVERTISEDADDRESS to the public IP.",
            o => o.AdvertisedAddress?.ToString(), (o, v) => o.AdvertisedAddress = v, ParseAddress),
        Text<int>("silo-port", "Silo-to-silo port (default 11111).", o => SettingText.Format(o.SiloPort), (o, v) => o.SiloPort = v, ParseInt),
        Text<int>("gateway-port", "Client gateway port (default 30000).", o => SettingText.Format(o.GatewayPort), (o, v) => o.GatewayPort = v, ParseInt),
        Text<int?>("http-port", "Serve the monitoring service's HTTP API (docs/service.md) on this port of --address (default: no HTTP API).",
            o => o.HttpPort is { } p ? SettingText.Format(p) : null, (o, v) => o.HttpPort = v, Optional<int>(ParseInt)),
        Text<string?>("api-key-file", "With --http-port: the file holding the API key the HTTP API requires (Authorization: Bearer KEY; its trimmed content, at least 16 characters).",
            o => o.ApiKeyFile, (o, v) => o.ApiKeyFile = v, ParseText),
        Flag("no-auth", "With --http-port: serve the HTTP API without an API key (local demos only; anyone who reaches the port may create and push).",
            o => o.NoAuth, (o, v) => o.NoAuth = v),
        Text<MembershipKind?>("membership", "Clustering: localhost (all-in-one, or a loopback cluster around a --primary-silo) or dynamodb (default for coordinator and node).",
            o => o.Membership is { } m ? Memberships.Format(m) : null, (o, v) => o.Membership = v, Optional(Enum(Memberships))),
        Text<IPEndPoint?>("primary-silo", "Localhost membership across processes: the primary silo's address:port (silo port), e.g. 127.0.0.1:11111.",
            o => o.PrimarySilo?.ToString(), (o, v) => o.PrimarySilo = v, ParseEndPoint),
        Text<string?>("dynamodb-table", "DynamoDB membership table name.", o => o.DynamoDBTable, (o, v) => o.DynamoDBTable = v!, ParseText),
        Text<string?>("dynamodb-service-url", "DynamoDB endpoint URL, e.g. http://127.0.0.1:5000 for a local emulator.",
            o => o.DynamoDBServiceUrl, (o, v) => o.DynamoDBServiceUrl = v, ParseText),
        Text<string?>("dynamodb-region", "AWS region of the DynamoDB tables, membership and grain state (required unless --dynamodb-service-url is given; not taken from --region).",
            o => o.DynamoDBRegion, (o, v) => o.DynamoDBRegion = v, ParseText),
        Text<GrainStorageKind>("grain-storage", $"Where grain state is persisted (the '{AutoMonGrainStorage.Name}' storage provider): memory (default; lost with the silo) or dynamodb (--grain-storage-table, at --dynamodb-service-url / --dynamodb-region).",
            o => GrainStorages.Format(o.GrainStorage), (o, v) => o.GrainStorage = v, Enum(GrainStorages)),
        Text<string?>("grain-storage-table", $"With --grain-storage dynamodb: the DynamoDB table of grain state (default {DynamoDBGrainStorageOptions.DefaultTableName}; created on first use).",
            o => o.GrainStorageTable, (o, v) => o.GrainStorageTable = v!, ParseText),
        Text<TimeSpan?>("response-timeout", "How long a grain call may take (e.g. 30s, 120m; default Orleans' 30s). Long ADCD-X full syncs need more.",
            o => o.ResponseTimeout is { } t ? SettingText.FormatDuration(t) : null, (o, v) => o.ResponseTimeout = v, Optional<TimeSpan>(ParseDuration)),
        Text<string?>("tls-certificate", "Mutual TLS for silo-to-silo and client connections with this PKCS#12 (.pfx) certificate and key: only silos and clients holding the same certificate connect (default: plain TCP).",
            o => o.TlsCertificate, (o, v) => o.TlsCertificate = v, ParseText),
        Text<string?>("tls-certificate-password", "Password of --tls-certificate, if any (prefer the environment variable AUTOMON_TLSCERTIFICATEPASSWORD: a command line is visible to other users).",
            o => o.TlsCertificatePassword, (o, v) => o.TlsCertificatePassword = v, ParseText),
        Text<string?>("tls-certificate-s3-uri", "Download the one .pfx under s3://BUCKET/PREFIX/ at start and use it as --tls-certificate (the AWS deployment's per-experiment certificate).",
            o => o.TlsCertificateS3Uri, (o, v) => o.TlsCertificateS3Uri = v, ParseText),
        Text<string?>("tls-certificate-s3-region", "The AWS region of --tls-certificate-s3-uri's bucket.",
            o => o.TlsCertificateS3Region, (o, v) => o.TlsCertificateS3Region = v, ParseText),
        Text<string?>("tls-certificate-s3-service-url", "S3 endpoint URL for --tls-certificate-s3-uri, e.g. a local emulator.",
            o => o.TlsCertificateS3ServiceUrl, (o, v) => o.TlsCertificateS3ServiceUrl = v, ParseText),
        Text<LogFormat>("log-format", "Console log lines: simple (time, level, category, message; the default) or json (one object per line, for CloudWatch Logs).",
            o => LogFormats.Format(o.LogFormat), (o, v) => o.LogFormat = v, Enum(LogFormats)),
        Text<FailureDetectionProfile>("failure-detection", "Failure-detection timing: default, or fast (seconds; for tests and loopback clusters).",
            o => FailureDetections.Format(o.FailureDetection), (o, v) => o.FailureDetection = v, Enum(FailureDetections)),
        Flag("exit-when-stdin-closes", "Stop the silo when standard input is closed (for supervising processes).",
            o => o.ExitWhenStdinCloses, (o, v) => o.ExitWhenStdinCloses = v),
        Text<(int First, int Last)>("node-range", "Node silos: the node indices this silo hosts, FIRST-LAST inclusive (e.g. 3-3).",
            o => o.NodeRange is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r.First}-{r.Last}") : null, (o, v) => o.NodeRange = v, ParseNodeRange),
        Flag("stop-when-coordinator-leaves", "Node silos: stop once the coordinator silo has left the cluster (its experiment is done).",
            o => o.StopWhenCoordinatorLeaves, (o, v) => o.StopWhenCoordinatorLeaves = v),
        Text<TimeSpan>("coordinator-join-timeout", "With --stop-when-coordinator-leaves: stop also when no coordinator silo has joined within this long (default 30m).",
            o => SettingText.FormatDuration(o.CoordinatorJoinTimeout), (o, v) => o.CoordinatorJoinTimeout = v, ParseDuration),
        Text<TimeSpan?>("max-run-time", "Stop after this long whatever happens, e.g. 8h, 90m (default: no limit).",
            o => o.MaxRunTime is { } t ? SettingText.FormatDuration(t) : null, (o, v) => o.MaxRunTime = v, Optional<TimeSpan>(ParseDuration)),
    ];

    /// <summary>The command line of <paramref name="options"/>: its silo settings, then its experiment's (if any).</summary>
    public static List<string> ToArguments(SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Role, region and ports say where a silo stands (a task definition maps its ports): always written.
        string[] explicitNames = ["role", "region", "silo-port", "gateway-port"];
        var arguments = new List<string>
        {
            "--role", Roles.Format(options.Role), "--region", options.Region,
            "--silo-port", SettingText.Format(options.SiloPort), "--gateway-port", SettingText.Format(options.GatewayPort),
        };
        arguments.AddRange(SettingBinder.ToArguments(All.Where(s => !explicitNames.Contains(s.Name)), options, new SiloHostOptions()));
        if (options.Experiment is { } experiment)
        {
            arguments.AddRange(experiment.ToArguments());
        }

        return arguments;
    }

    /// <summary>Copies every setting of <paramref name="source"/> (and its experiment) into <paramref name="target"/>.</summary>
    public static void CopyTo(SiloHostOptions source, SiloHostOptions target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        foreach (var setting in All)
        {
            // Through the setting's own text: what differs from the target is parsed into it.
            if (setting.Format(source, target) is { } text && !setting.TryApply(ref target, text, out var problem))
            {
                throw new ArgumentException(problem, nameof(source));
            }
        }

        target.Experiment = source.Experiment;
        // Not a setting (a key is never written out), but the same options.
        target.ApiKey = source.ApiKey;
    }

    // A setting written as its text (what equals the default's text is left out).
    private static Setting<SiloHostOptions, string?> Text<T>(string name, string description, Func<SiloHostOptions, string?> format,
        Action<SiloHostOptions, T> set, ValueParser<T> parse) =>
        new(name, description, format, (o, text) =>
        {
            if (text is not null && parse(text, out var value, out _))
            {
                set(o, value);
            }

            return o;
        }, (string text, out string? value, out string? problem) =>
        {
            value = text;
            return parse(text, out _, out problem);
        }, v => v!);

    private static Setting<SiloHostOptions, bool> Flag(string name, string description, Func<SiloHostOptions, bool> get, Action<SiloHostOptions, bool> set) =>
        new(name, description, get, (o, v) =>
        {
            set(o, v);
            return o;
        }, ParseBool, v => v ? "true" : "false");

    private static ValueParser<T?> Optional<T>(ValueParser<T> parse)
        where T : struct =>
        (string text, out T? value, out string? problem) =>
        {
            var ok = parse(text, out var inner, out problem);
            value = ok ? inner : null;
            return ok;
        };

    private static bool ParseAddress(string text, out IPAddress? value, out string? problem)
    {
        problem = IPAddress.TryParse(text, out value) ? null : $"'{text}' is not an IP address";
        return problem is null;
    }

    private static bool ParseEndPoint(string text, out IPEndPoint? value, out string? problem)
    {
        problem = IPEndPoint.TryParse(text, out value) && value.Port != 0 ? null : $"'{text}' is not an address:port (e.g. 127.0.0.1:11111)";
        return problem is null;
    }

    private static bool ParseNodeRange(string text, out (int First, int Last) value, out string? problem)
    {
        var ok = AutoMonSiloMetadata.TryParseNodeRange(text, out var first, out var last);
        value = (first, last);
        problem = ok ? null : $"'{text}' is not FIRST-LAST with 0 <= FIRST <= LAST (e.g. 3-3)";
        return ok;
    }
}
