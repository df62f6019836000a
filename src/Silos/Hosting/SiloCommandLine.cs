using System.CommandLine;
using System.Net;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using Microsoft.Extensions.Logging;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// The <c>AutoMon.Silos</c> command line:
/// <c>--role coordinator|node|all-in-one [--region us-west-2] [--cluster-id ID] [--silo-port P] [--gateway-port P]
/// [--membership localhost|dynamodb] [--dynamodb-table T] [--dynamodb-service-url URL] [--dynamodb-region R] ...</c>
/// </summary>
public static partial class SiloCommandLine
{
    private static readonly Option<string> RoleOption = new("--role")
    {
        Description = "What this silo hosts: coordinator, node or all-in-one.",
        Required = true,
    };

    private static readonly Option<string> RegionOption = new("--region")
    {
        Description = "Region label published as silo metadata.",
        DefaultValueFactory = _ => SiloHostOptions.DefaultRegion,
    };

    private static readonly Option<string> ClusterIdOption = new("--cluster-id")
    {
        Description = "Orleans cluster id (one membership partition per cluster id).",
        DefaultValueFactory = _ => SiloHostOptions.DefaultClusterId,
    };

    private static readonly Option<string> ServiceIdOption = new("--service-id")
    {
        Description = "Orleans service id.",
        DefaultValueFactory = _ => SiloHostOptions.DefaultServiceId,
    };

    private static readonly Option<string?> SiloNameOption = new("--silo-name")
    {
        Description = "Silo name (default: role-siloPort).",
    };

    private static readonly Option<string> AddressOption = new("--address")
    {
        Description = "IP address to listen on (and to advertise, unless --advertised-address says otherwise).",
        DefaultValueFactory = _ => IPAddress.Loopback.ToString(),
    };

    private static readonly Option<string?> AdvertisedAddressOption = new("--advertised-address")
    {
        // Across regions a cloud host is reached at its public IP, which is not on its network interface.
        Description = "IP address other silos and clients reach this silo at (default: AUTOMON_PUBLIC_IP when set, else --address).",
    };

    private static readonly Option<int> SiloPortOption = new("--silo-port")
    {
        Description = "Silo-to-silo port.",
        DefaultValueFactory = _ => 11111,
    };

    private static readonly Option<int> GatewayPortOption = new("--gateway-port")
    {
        Description = "Client gateway port.",
        DefaultValueFactory = _ => 30000,
    };

    private static readonly Option<string?> MembershipOption = new("--membership")
    {
        Description = "Clustering: localhost (all-in-one, or a loopback cluster around a --primary-silo) or dynamodb (default for coordinator and node).",
    };

    private static readonly Option<string?> PrimarySiloOption = new("--primary-silo")
    {
        Description = "Localhost membership across processes: the primary silo's address:port (silo port), e.g. 127.0.0.1:11111. Implies --membership localhost.",
    };

    private static readonly Option<string?> ResponseTimeoutOption = new("--response-timeout")
    {
        Description = "How long a grain call may take (e.g. 30s, 120m; default Orleans' 30s). Long ADCD-X full syncs need more.",
    };

    private static readonly Option<string> DynamoDBTableOption = new("--dynamodb-table")
    {
        Description = "DynamoDB membership table name.",
        DefaultValueFactory = _ => Membership.DynamoDBClusteringOptions.DefaultTableName,
    };

    private static readonly Option<string?> DynamoDBServiceUrlOption = new("--dynamodb-service-url")
    {
        Description = "DynamoDB endpoint URL, e.g. http://127.0.0.1:5000 for a local emulator.",
    };

    private static readonly Option<string?> DynamoDBRegionOption = new("--dynamodb-region")
    {
        Description = "AWS region of the membership table (required unless --dynamodb-service-url is given; not taken from --region, so silos of both regions share one table).",
    };

    private static readonly Option<string> FailureDetectionOption = new("--failure-detection")
    {
        Description = "Failure-detection timing: default, or fast (seconds; for tests and loopback clusters).",
        DefaultValueFactory = _ => "default",
    };

    private static readonly Option<bool> ExitWhenStdinClosesOption = new("--exit-when-stdin-closes")
    {
        Description = "Stop the silo when standard input is closed (for supervising processes).",
    };

    private static readonly Option<string?> NodeRangeOption = new("--node-range")
    {
        Description = "Node silos: the node indices this silo hosts, FIRST-LAST inclusive (e.g. 3-3); placement puts exactly those node grains here.",
    };

    private static readonly Option<bool> StopWhenCoordinatorLeavesOption = new("--stop-when-coordinator-leaves")
    {
        Description = "Node silos: stop once the coordinator silo has left the cluster (its experiment is done).",
    };

    private static readonly Option<string?> CoordinatorJoinTimeoutOption = new("--coordinator-join-timeout")
    {
        Description = "With --stop-when-coordinator-leaves: stop also when no coordinator silo has joined within this long (default 30m).",
    };

    private static readonly Option<LogFormat> LogFormatOption = new("--log-format")
    {
        Description = "Console log lines: simple (time, level, category, message) or json (one object per line, for CloudWatch Logs).",
        DefaultValueFactory = _ => LogFormat.Simple,
    };

    private static readonly Option<string?> MaxRunTimeOption = new("--max-run-time")
    {
        Description = "Stop after this long whatever happens, e.g. 8h, 90m (default: AUTOMON_MAX_RUN_SECONDS seconds when set, else no limit).",
    };

    // --- An experiment to run once the silo is up (grains on this cluster, driven through this silo's own client). ---
    private static readonly Option<string?> ExperimentOption = new("--experiment")
    {
        Description = "Run an experiment on the cluster after the silo starts, then stop: a workload (inner_product, quadratic, rozenbrock, variance, entropy, cosine_similarity, sine, mlp, quadratic_inverse, intrusion_detection, kld).",
    };

    private static readonly Option<int> NodesOption = new("--nodes") { Description = "Experiment: number of node grains.", DefaultValueFactory = _ => 10 };

    private static readonly Option<int> IterationsOption = new("--iterations") { Description = "Experiment: data points per node.", DefaultValueFactory = _ => 100 };

    private static readonly Option<int?> DimOption = new("--dim") { Description = "Experiment: dimension d (default: the function's)." };

    private static readonly Option<int> WindowOption = new("--window") { Description = "Experiment: sliding-window size.", DefaultValueFactory = _ => 20 };

    private static readonly Option<double> ErrorBoundOption = new("--error-bound") { Description = "Experiment: additive error bound.", DefaultValueFactory = _ => 0.3 };

    private static readonly Option<string> SlackOption = new("--slack") { Description = "Experiment: drift or none.", DefaultValueFactory = _ => "drift" };

    private static readonly Option<string> SyncOption = new("--sync") { Description = "Experiment: eager, lazy-lru or lazy-random.", DefaultValueFactory = _ => "lazy-lru" };

    private static readonly Option<double?> NeighborhoodOption = new("--neighborhood") { Description = "Experiment: initial ADCD-X neighbourhood size." };

    private static readonly Option<int> SeedOption = new("--seed") { Description = "Experiment: seed of the data and the function's parameters.", DefaultValueFactory = _ => 0 };

    private static readonly Option<int> TuningIterationsOption = new("--tuning-iterations") { Description = "Experiment: data points per node for neighbourhood tuning." };

    private static readonly Option<bool> SingleSampleRoundsOption = new("--single-sample-rounds") { Description = "Experiment: close a round after every data point." };

    private static readonly Option<string> PacingOption = new("--pacing") { Description = "Experiment: lockstep (equal to the simulation) or paced (nodes on their own timers).", DefaultValueFactory = _ => "lockstep" };

    private static readonly Option<string> RoundIntervalOption = new("--round-interval") { Description = "Experiment, paced: time between a node's updates (e.g. 100ms).", DefaultValueFactory = _ => "100ms" };

    private static readonly Option<string> LazySyncLatencyOption = new("--lazy-sync-latency") { Description = "Experiment, paced: extra coordinator time before a lazy sync (e.g. 5ms).", DefaultValueFactory = _ => "0ms" };

    private static readonly Option<string> FullSyncLatencyOption = new("--full-sync-latency") { Description = "Experiment, paced: extra coordinator time before a full sync (e.g. 20ms).", DefaultValueFactory = _ => "0ms" };

    private static readonly Option<string> WanLatencyOption = new("--wan-latency") { Description = "Experiment: emulated one-way delay between the coordinator and the nodes (e.g. 25ms).", DefaultValueFactory = _ => "0ms" };

    private static readonly Option<string?> ExperimentIdOption = new("--experiment-id") { Description = "Experiment id (default: workload and time)." };

    private static readonly Option<string?> OutputOption = new("--output") { Description = "Experiment: folder for summary.json, sync_history.csv and function_values.csv." };

    private static readonly Option<int> WaitForSilosOption = new("--wait-for-silos") { Description = "Experiment: wait until the cluster has this many active silos before starting." };

    private static readonly Option<string?> ResultsS3UriOption = new("--results-s3-uri")
    {
        Description = "Experiment: upload the result files to s3://BUCKET/PREFIX/ when done (summary.json last; error.txt if it fails).",
    };

    private static readonly Option<string?> ResultsS3RegionOption = new("--results-s3-region") { Description = "Experiment: the results bucket's AWS region." };

    private static readonly Option<string?> S3ServiceUrlOption = new("--s3-service-url") { Description = "Experiment: S3 endpoint URL, e.g. a local emulator." };

    private static readonly Option<string?> DataDirOption = new("--data-dir")
    {
        Description = "Experiment: read the reference's datasets/ folder (or the workload's folder in it) instead of generating data: data_file.txt (+ node_schedule_file.txt), quadratic's H_matrix.txt, air_quality/PRSA_Data_*.csv, intrusion_detection/corrected.",
    };

    private static readonly Option<string?> DataS3UriOption = new("--data-s3-uri")
    {
        Description = "Experiment: download s3://BUCKET/PREFIX/ (the launcher's upload of a datasets/ folder) into a temporary folder and use it as --data-dir.",
    };

    private static readonly Option<string?> DataS3RegionOption = new("--data-s3-region") { Description = "Experiment: the data bucket's AWS region." };

    private static readonly Option<int> SkipIterationsOption = new("--skip-iterations")
    {
        Description = "Experiment, data files of kld and dnn: hours per station (kld) or rows per node (dnn) to skip at the start (the reference's 300 and 500).",
    };

    private static readonly Option<string?> WeightsOption = new("--weights")
    {
        Description = "Experiment, mlp/dnn: the network's .npz (W0, b0, W1, b1, ...); sent to every silo with the experiment (default: initialised from --seed).",
    };

    private static readonly Option<string?> WeightsS3UriOption = new("--weights-s3-uri")
    {
        Description = "Experiment, mlp/dnn: download the one .npz under s3://BUCKET/PREFIX/ (the launcher's upload of --weights) and use it as --weights.",
    };

    private static readonly Option<string?> WeightsS3RegionOption = new("--weights-s3-region") { Description = "Experiment: the weights bucket's AWS region." };

    private static readonly Option<int> LookaheadOption = new("--lookahead") { Description = "Experiment, lockstep: rounds a step may look ahead (0: one round per step).", DefaultValueFactory = _ => 64 };

    static SiloCommandLine()
    {
        SlackOption.AcceptOnlyFromAmong("drift", "none");
        SyncOption.AcceptOnlyFromAmong("eager", "lazy-lru", "lazy-random");
        PacingOption.AcceptOnlyFromAmong("lockstep", "paced");
        RoleOption.AcceptOnlyFromAmong("coordinator", "node", "all-in-one");
        MembershipOption.AcceptOnlyFromAmong("localhost", "dynamodb");
        FailureDetectionOption.AcceptOnlyFromAmong("default", "fast");
    }

    /// <summary>The root command; <paramref name="run"/> receives the parsed, validated options.</summary>
    public static RootCommand Create(Func<SiloHostOptions, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var root = new RootCommand("AutoMon silo host: an Orleans silo with a coordinator, node or all-in-one role.")
        {
            RoleOption, RegionOption, ClusterIdOption, ServiceIdOption, SiloNameOption, AddressOption, AdvertisedAddressOption, SiloPortOption,
            GatewayPortOption, MembershipOption, PrimarySiloOption, ResponseTimeoutOption, DynamoDBTableOption, DynamoDBServiceUrlOption, DynamoDBRegionOption,
            FailureDetectionOption, ExitWhenStdinClosesOption, NodeRangeOption, StopWhenCoordinatorLeavesOption, CoordinatorJoinTimeoutOption, MaxRunTimeOption,
            ExperimentOption, NodesOption, IterationsOption, DimOption, WindowOption, ErrorBoundOption, SlackOption, SyncOption,
            NeighborhoodOption, SeedOption, TuningIterationsOption, SingleSampleRoundsOption, PacingOption, RoundIntervalOption,
            LazySyncLatencyOption, FullSyncLatencyOption, WanLatencyOption, ExperimentIdOption, OutputOption, WaitForSilosOption,
            LookaheadOption, ResultsS3UriOption, ResultsS3RegionOption, S3ServiceUrlOption, DataDirOption, DataS3UriOption, DataS3RegionOption,
            WeightsOption, WeightsS3UriOption, WeightsS3RegionOption,
            SkipIterationsOption, LogFormatOption,
        };
        root.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!TryGetOptions(parseResult, out var options, out var problems))
            {
                // Before any host: a logger of its own (disposing it writes the lines out).
                using var loggers = SiloLogging.CreateLoggerFactory(parseResult.GetValue(LogFormatOption));
                var log = loggers.CreateLogger(typeof(SiloCommandLine));
                foreach (var problem in problems)
                {
                    LogInvalidOption(log, problem);
                }

                return 2;
            }

            return await run(options, cancellationToken).ConfigureAwait(false);
        });
        return root;
    }

    /// <summary>Parses and validates <paramref name="args"/>; on failure <paramref name="problems"/> says what is wrong.</summary>
    public static bool TryParse(string[] args, out SiloHostOptions options, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parseResult = Create((_, _) => Task.FromResult(0)).Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            options = new SiloHostOptions();
            problems = parseResult.Errors.Select(e => e.Message).ToList();
            return false;
        }

        return TryGetOptions(parseResult, out options, out problems);
    }

    private static ExperimentRequest? ParseExperiment(ParseResult parseResult, List<string> problems)
    {
        if (parseResult.GetValue(ExperimentOption) is not { } workload)
        {
            foreach (var option in new Option[] { ResultsS3UriOption, ResultsS3RegionOption, S3ServiceUrlOption })
            {
                if (parseResult.GetResult(option) is not null)
                {
                    problems.Add($"{option.Name} applies to an --experiment (its results are what is uploaded)");
                }
            }

            foreach (var option in new Option[] { DataDirOption, DataS3UriOption, DataS3RegionOption, SkipIterationsOption, WeightsOption, WeightsS3UriOption, WeightsS3RegionOption })
            {
                if (parseResult.GetResult(option) is not null)
                {
                    problems.Add($"{option.Name} applies to an --experiment (it is that experiment's data)");
                }
            }

            return null;
        }

        var serviceUrl = parseResult.GetValue(S3ServiceUrlOption);
        if (serviceUrl is not null && !System.Uri.TryCreate(serviceUrl, UriKind.Absolute, out _))
        {
            problems.Add($"--s3-service-url '{serviceUrl}' is not an absolute URL");
        }

        var s3 = ParseS3Folder(parseResult, ResultsS3UriOption, ResultsS3RegionOption, serviceUrl, problems);
        var dataS3 = ParseS3Folder(parseResult, DataS3UriOption, DataS3RegionOption, serviceUrl, problems);
        var weightsS3 = ParseS3Folder(parseResult, WeightsS3UriOption, WeightsS3RegionOption, serviceUrl, problems);
        if (serviceUrl is not null && s3 is null && dataS3 is null && weightsS3 is null)
        {
            problems.Add("--s3-service-url goes with --results-s3-uri, --data-s3-uri or --weights-s3-uri");
        }

        var weights = parseResult.GetValue(WeightsOption);
        if (weights is not null && weightsS3 is not null)
        {
            problems.Add("give --weights or --weights-s3-uri, not both");
        }

        var dataDir = parseResult.GetValue(DataDirOption);
        if (dataDir is not null && dataS3 is not null)
        {
            problems.Add("give --data-dir or --data-s3-uri, not both");
        }

        var skip = parseResult.GetValue(SkipIterationsOption);
        if (skip < 0)
        {
            problems.Add($"--skip-iterations must be at least 0; got {skip}");
        }
        else if (parseResult.GetResult(SkipIterationsOption) is not null && dataDir is null && dataS3 is null)
        {
            problems.Add("--skip-iterations applies to data files (--data-dir or --data-s3-uri); generated data has nothing to skip");
        }

        TimeSpan Duration(Option<string> option)
        {
            var text = parseResult.GetValue(option)!;
            if (!ExperimentRequest.TryParseDuration(text, out var duration))
            {
                problems.Add($"{option.Name} '{text}' is not a duration (e.g. 25ms, 1.5s)");
            }

            return duration;
        }

        return new ExperimentRequest
        {
            Workload = workload,
            Nodes = parseResult.GetValue(NodesOption),
            Iterations = parseResult.GetValue(IterationsOption),
            Dimension = parseResult.GetValue(DimOption),
            Window = parseResult.GetValue(WindowOption),
            ErrorBound = parseResult.GetValue(ErrorBoundOption),
            Slack = parseResult.GetValue(SlackOption) == "none" ? SlackType.NoSlack : SlackType.Drift,
            Sync = parseResult.GetValue(SyncOption) switch
            {
                "eager" => SyncType.Eager,
                "lazy-random" => SyncType.LazyRandom,
                _ => SyncType.LazyLRU,
            },
            Neighborhood = parseResult.GetValue(NeighborhoodOption),
            Seed = parseResult.GetValue(SeedOption),
            TuningIterations = parseResult.GetValue(TuningIterationsOption),
            SingleSampleRounds = parseResult.GetValue(SingleSampleRoundsOption),
            Pacing = parseResult.GetValue(PacingOption) == "paced" ? Pacing.Paced : Pacing.Lockstep,
            RoundInterval = Duration(RoundIntervalOption),
            LazySyncLatency = Duration(LazySyncLatencyOption),
            FullSyncLatency = Duration(FullSyncLatencyOption),
            WanLatency = Duration(WanLatencyOption),
            ExperimentId = parseResult.GetValue(ExperimentIdOption),
            OutputDirectory = parseResult.GetValue(OutputOption),
            WaitForSilos = parseResult.GetValue(WaitForSilosOption),
            Lookahead = parseResult.GetValue(LookaheadOption),
            ResultsS3 = s3,
            DataDirectory = dataDir,
            DataS3 = dataS3,
            WeightsPath = weights,
            WeightsS3 = weightsS3,
            SkipIterations = skip,
        };
    }

    // An s3:// folder option and its region option (the region may be left out for an emulator's --s3-service-url).
    private static S3Folder? ParseS3Folder(
        ParseResult parseResult, Option<string?> uriOption, Option<string?> regionOption, string? serviceUrl, List<string> problems)
    {
        var region = parseResult.GetValue(regionOption);
        if (parseResult.GetValue(uriOption) is not { } uri)
        {
            if (region is not null)
            {
                problems.Add($"{regionOption.Name} goes with {uriOption.Name}");
            }

            return null;
        }

        if (!S3Folder.TryParse(uri, out var location, out var problem, uriOption.Name))
        {
            problems.Add(problem!);
            return null;
        }

        if (region is null && serviceUrl is null)
        {
            problems.Add($"{uriOption.Name} needs {regionOption.Name} (the bucket's region)");
        }

        return location with { Region = region, ServiceUrl = serviceUrl };
    }

    private static bool TryGetOptions(ParseResult parseResult, out SiloHostOptions options, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        var addressText = parseResult.GetValue(AddressOption)!;
        if (!IPAddress.TryParse(addressText, out var address))
        {
            found.Add($"--address '{addressText}' is not an IP address");
        }

        IPAddress? advertised = null;
        var advertisedText = parseResult.GetValue(AdvertisedAddressOption);
        if (string.IsNullOrWhiteSpace(advertisedText))
        {
            advertisedText = Environment.GetEnvironmentVariable("AUTOMON_PUBLIC_IP");
        }

        if (!string.IsNullOrWhiteSpace(advertisedText) && !IPAddress.TryParse(advertisedText, out advertised))
        {
            found.Add($"--advertised-address '{advertisedText}' is not an IP address");
        }

        IPEndPoint? primary = null;
        var primaryText = parseResult.GetValue(PrimarySiloOption);
        if (primaryText is not null && !IPEndPoint.TryParse(primaryText, out primary))
        {
            found.Add($"--primary-silo '{primaryText}' is not an address:port (e.g. 127.0.0.1:11111)");
        }
        else if (primary is { Port: 0 })
        {
            found.Add($"--primary-silo '{primaryText}' has no port (e.g. 127.0.0.1:11111)");
            primary = null;
        }

        TimeSpan? responseTimeout = null;
        var timeoutText = parseResult.GetValue(ResponseTimeoutOption);
        if (timeoutText is not null)
        {
            if (ExperimentRequest.TryParseDuration(timeoutText, out var timeout) && timeout > TimeSpan.Zero)
            {
                responseTimeout = timeout;
            }
            else
            {
                found.Add($"--response-timeout '{timeoutText}' is not a positive duration (e.g. 30s, 120m)");
            }
        }

        TimeSpan? maxRunTime = null;
        var maxRunText = parseResult.GetValue(MaxRunTimeOption);
        if (maxRunText is not null)
        {
            if (TryParseLongDuration(maxRunText, out var limit) && limit > TimeSpan.Zero)
            {
                maxRunTime = limit;
            }
            else
            {
                found.Add($"--max-run-time '{maxRunText}' is not a positive duration (e.g. 8h, 90m, 3600s)");
            }
        }
        else if (Environment.GetEnvironmentVariable("AUTOMON_MAX_RUN_SECONDS") is { Length: > 0 } seconds)
        {
            // The launcher's cloud tasks carry the limit in their environment.
            if (double.TryParse(seconds, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                && value > 0 && double.IsFinite(value))
            {
                maxRunTime = TimeSpan.FromSeconds(value);
            }
            else
            {
                found.Add($"AUTOMON_MAX_RUN_SECONDS '{seconds}' is not a positive number of seconds");
            }
        }

        var joinTimeout = new SiloHostOptions().CoordinatorJoinTimeout;
        if (parseResult.GetValue(CoordinatorJoinTimeoutOption) is { } joinText)
        {
            if (!parseResult.GetValue(StopWhenCoordinatorLeavesOption))
            {
                found.Add("--coordinator-join-timeout goes with --stop-when-coordinator-leaves");
            }
            else if (TryParseLongDuration(joinText, out var join) && join > TimeSpan.Zero)
            {
                joinTimeout = join;
            }
            else
            {
                found.Add($"--coordinator-join-timeout '{joinText}' is not a positive duration (e.g. 30m)");
            }
        }

        (int, int)? nodeRange = null;
        if (parseResult.GetValue(NodeRangeOption) is { } rangeText)
        {
            if (Grains.Placement.AutoMonSiloMetadata.TryParseNodeRange(rangeText, out var first, out var last))
            {
                nodeRange = (first, last);
            }
            else
            {
                found.Add($"--node-range '{rangeText}' is not FIRST-LAST with 0 <= FIRST <= LAST (e.g. 3-3)");
            }
        }

        options = new SiloHostOptions
        {
            Role = SiloMetadataKeys.ParseRole(parseResult.GetValue(RoleOption)!),
            Region = parseResult.GetValue(RegionOption)!,
            ClusterId = parseResult.GetValue(ClusterIdOption)!,
            ServiceId = parseResult.GetValue(ServiceIdOption)!,
            SiloName = parseResult.GetValue(SiloNameOption),
            Address = address ?? IPAddress.Loopback,
            AdvertisedAddress = advertised,
            SiloPort = parseResult.GetValue(SiloPortOption),
            GatewayPort = parseResult.GetValue(GatewayPortOption),
            Membership = parseResult.GetValue(MembershipOption) switch
            {
                "localhost" => MembershipKind.Localhost,
                "dynamodb" => MembershipKind.DynamoDB,
                _ => null,
            },
            PrimarySilo = primary,
            ResponseTimeout = responseTimeout,
            DynamoDBTable = parseResult.GetValue(DynamoDBTableOption)!,
            DynamoDBServiceUrl = parseResult.GetValue(DynamoDBServiceUrlOption),
            DynamoDBRegion = parseResult.GetValue(DynamoDBRegionOption),
            FailureDetection = parseResult.GetValue(FailureDetectionOption) == "fast" ? FailureDetectionProfile.Fast : FailureDetectionProfile.Default,
            ExitWhenStdinCloses = parseResult.GetValue(ExitWhenStdinClosesOption),
            StopWhenCoordinatorLeaves = parseResult.GetValue(StopWhenCoordinatorLeavesOption),
            NodeRange = nodeRange,
            CoordinatorJoinTimeout = joinTimeout,
            MaxRunTime = maxRunTime,
            LogFormat = parseResult.GetValue(LogFormatOption),
        };

        options.Experiment = ParseExperiment(parseResult, found);
        found.AddRange(options.Validate());
        problems = found;
        return found.Count == 0;
    }

    /// <summary>A duration in ms, s, m (as the experiment options) or h.</summary>
    private static bool TryParseLongDuration(string text, out TimeSpan duration)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith('h')
            && double.TryParse(trimmed[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var hours)
            && hours >= 0 && double.IsFinite(hours))
        {
            duration = TimeSpan.FromHours(hours);
            return true;
        }

        return ExperimentRequest.TryParseDuration(trimmed, out duration);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon.Silos: {Problem}")]
    private static partial void LogInvalidOption(ILogger logger, string problem);
}
