using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AutoMon.Grains.Results;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon simulate</c>: n nodes and a coordinator in one process with the reference's round semantics, on generated
/// data or the reference's data files; writes summary.json, sync_history.csv and function_values.csv.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var function = new Option<string>("--function") { Description = $"Function: {string.Join(", ", FunctionCatalog.Names)}.", Required = true };
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes n.", Required = true };
        var iterations = new Option<int>("--iterations") { Description = "Data points per node in the monitored part (intrusion detection: rows in total).", Required = true };
        var window = new Option<int>("--window") { Description = "Sliding-window size W.", Required = true };
        var dimension = new Option<int?>("--dim") { Description = "Local vector length d (default: the function's)." };
        var errorBound = new Option<double>("--error-bound") { Description = "Additive error bound ε.", Required = true };
        var domain = new Option<string?>("--domain") { Description = "Domain of every coordinate, \"LO,HI\", or \"none\" (default: the function's)." };
        var neighborhood = new Option<double?>("--neighborhood") { Description = "Initial ADCD-X neighbourhood size r (default: none)." };
        var slack = new Option<string>("--slack") { Description = "Slack: drift or none.", DefaultValueFactory = _ => "drift" };
        var sync = new Option<string>("--sync") { Description = "Sync: eager, lazy-lru or lazy-random.", DefaultValueFactory = _ => "lazy-lru" };
        var minF = new Option<string?>("--min-f") { Description = "Known lower bound of f, or \"none\" (default: the function's)." };
        var maxF = new Option<string?>("--max-f") { Description = "Known upper bound of f, or \"none\" (default: the function's)." };
        var dataFile = new Option<string?>("--data-file") { Description = "np.savetxt data file, one data point per row, rows dealt round-robin (default: generated data)." };
        var schedule = new Option<string?>("--schedule-file") { Description = "Node schedule for --data-file: one node index per row (default: round-robin)." };
        var airQuality = new Option<string?>("--air-quality") { Description = "kld: folder with the Beijing PRSA_Data_*.csv station files (one node per station)." };
        var kdd = new Option<string?>("--kdd") { Description = "dnn: the KDD Cup 99 'corrected' file (9 nodes)." };
        var hMatrix = new Option<string?>("--h-matrix") { Description = "quadratic: H_matrix.txt (default: generated from --seed)." };
        var weights = new Option<string?>("--weights") { Description = "mlp/dnn: .npz with W0, b0, W1, b1, ... (default: initialised from --seed)." };
        var seed = new Option<int>("--seed") { Description = "Seed of generated data and parameters.", DefaultValueFactory = _ => 0 };
        var singleSample = new Option<bool>("--single-sample-rounds") { Description = "Close a round after every data point (the DNN experiment)." };
        var tuning = new Option<int>("--tuning-iterations") { Description = "Data points per node in a neighbourhood-tuning prefix (used when the Hessian is not constant).", DefaultValueFactory = _ => 0 };
        var period = new Option<int?>("--period") { Description = "Periodic baseline period in rounds (default: the reference's equivalent of AutoMon's message count, max(1, floor(R·n / messages)))." };
        var repeat = new Option<int>("--repeat") { Description = "Run the simulation this many times and report the median and best data-loop time (a warm timing report).", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output") { Description = "Output folder (created if missing; other files in it are left alone).", Required = true };

        var command = new Command("simulate", "Simulate AutoMon in one process with the reference's round semantics; write summary.json, sync_history.csv and function_values.csv.");
        foreach (var option in new Option[]
                 {
                     function, nodes, iterations, window, dimension, errorBound, domain, neighborhood, slack, sync, minF, maxF, dataFile, schedule,
                     airQuality, kdd, hMatrix, weights, seed, singleSample, tuning, period, repeat, output,
                 })
        {
            command.Options.Add(option);
        }

        command.SetAction(parseResult =>
        {
            var console = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                var request = new SimulateRequest
                {
                    Function = parseResult.GetRequiredValue(function),
                    Nodes = parseResult.GetValue(nodes),
                    Iterations = parseResult.GetValue(iterations),
                    Window = parseResult.GetValue(window),
                    Dimension = parseResult.GetValue(dimension),
                    ErrorBound = parseResult.GetValue(errorBound),
                    Domain = parseResult.GetValue(domain),
                    Neighborhood = parseResult.GetValue(neighborhood),
                    Slack = parseResult.GetRequiredValue(slack),
                    Sync = parseResult.GetRequiredValue(sync),
                    MinF = parseResult.GetValue(minF),
                    MaxF = parseResult.GetValue(maxF),
                    DataFile = parseResult.GetValue(dataFile),
                    ScheduleFile = parseResult.GetValue(schedule),
                    AirQualityFolder = parseResult.GetValue(airQuality),
                    KddFile = parseResult.GetValue(kdd),
                    HMatrix = parseResult.GetValue(hMatrix),
                    Weights = parseResult.GetValue(weights),
                    Seed = parseResult.GetValue(seed),
                    SingleSampleRounds = parseResult.GetValue(singleSample),
                    TuningIterations = parseResult.GetValue(tuning),
                    Period = parseResult.GetValue(period),
                    Repeat = parseResult.GetValue(repeat),
                    Output = parseResult.GetRequiredValue(output),
                };
                var outcome = Run(request);
                console.WriteLine(outcome.Describe());
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidDataException
                                          or UnauthorizedAccessException or DataFormatException or InvalidOperationException)
            {
                error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The simulate command's arguments.</summary>
    internal sealed record SimulateRequest
    {
        public required string Function { get; init; }

        public required int Nodes { get; init; }

        public required int Iterations { get; init; }

        public required int Window { get; init; }

        public int? Dimension { get; init; }

        public required double ErrorBound { get; init; }

        public string? Domain { get; init; }

        public double? Neighborhood { get; init; }

        public string Slack { get; init; } = "drift";

        public string Sync { get; init; } = "lazy-lru";

        public string? MinF { get; init; }

        public string? MaxF { get; init; }

        public string? DataFile { get; init; }

        public string? ScheduleFile { get; init; }

        public string? AirQualityFolder { get; init; }

        public string? KddFile { get; init; }

        public string? HMatrix { get; init; }

        public string? Weights { get; init; }

        public int Seed { get; init; }

        public bool SingleSampleRounds { get; init; }

        public int TuningIterations { get; init; }

        public int? Period { get; init; }

        public int Repeat { get; init; } = 1;

        public required string Output { get; init; }
    }

    /// <summary>A finished simulation and where its files went.</summary>
    internal sealed record SimulateOutcome(SimulateRequest Request, MonitoredFunction Function, SimulationResult Result, Timing Timing, string OutputFolder)
    {
        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"simulate {Function.Name} n={Result.NodeCount} d={Result.Dimension} {Request.Slack}/{Request.Sync}: {Result.Rounds} rounds, " +
            $"{Result.Statistics.FullSyncs.Count} full syncs, {Result.Statistics.TotalMessagesBroadcastDisabled} messages, " +
            $"max error {Result.MaxError:G6} (bound {Request.ErrorBound:G6}); {Result.DataUpdates} updates in {Timing.MedianSeconds:F4} s " +
            $"({Result.DataUpdates / Timing.MedianSeconds:F0}/s{(Timing.Repeats > 1 ? $", median of {Timing.Repeats}; best {Result.DataUpdates / Timing.BestSeconds:F0}/s" : string.Empty)}) -> {OutputFolder}");
    }

    /// <summary>Data-loop wall times over the repeats of one configuration.</summary>
    internal sealed record Timing(int Repeats, double MedianSeconds, double BestSeconds);

    /// <summary>Validates, loads or generates the data, runs the simulation and writes the three output files.</summary>
    internal static SimulateOutcome Run(SimulateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (slack, sync) = ParseVariant(request.Slack, request.Sync);
        Require(request.Nodes >= 1, $"--nodes must be at least 1; got {request.Nodes}.");
        Require(request.Window >= 2, $"--window must be at least 2; got {request.Window}.");
        Require(request.Iterations >= request.Window, $"--iterations ({request.Iterations}) must be at least --window ({request.Window}): every window must fill.");
        Require(request.ErrorBound > 0 && double.IsFinite(request.ErrorBound), $"--error-bound must be a positive number; got {ResultCsv.Format(request.ErrorBound)}.");
        Require(request.TuningIterations >= 0, $"--tuning-iterations must not be negative; got {request.TuningIterations}.");
        Require(request.Neighborhood is null || (request.Neighborhood > 0 && double.IsFinite(request.Neighborhood.Value)),
            $"--neighborhood must be a positive number; got {ResultCsv.Format(request.Neighborhood ?? double.NaN)}.");
        Require(request.Period is null or >= 1, $"--period must be at least 1; got {request.Period}.");
        Require(request.Repeat >= 1, $"--repeat must be at least 1; got {request.Repeat}.");
        Require(Path.Exists(request.Output) is false || Directory.Exists(request.Output), $"--output {request.Output} exists and is not a folder.");
        var workload = WorkloadOf(request.Function);
        var sources = new[] { request.DataFile, request.AirQualityFolder, request.KddFile }.Count(s => s is not null);
        Require(sources <= 1, "Give at most one of --data-file, --air-quality and --kdd.");
        Require(request.AirQualityFolder is null || workload == Workload.AirQualityKld, "--air-quality is the data of --function kld.");
        Require(request.KddFile is null || workload == Workload.IntrusionDetection, "--kdd is the data of --function dnn.");
        Require(request.ScheduleFile is null || request.DataFile is not null, "--schedule-file goes with --data-file.");

        var d = request.Dimension ?? FunctionCatalog.DefaultDimension(request.Function);
        double[,]? h = null;
        if (workload == Workload.Quadratic)
        {
            h = request.HMatrix is not null ? NumpyTextFile.ReadHMatrix(request.HMatrix, d) : DataGenerators.QuadraticHMatrix(d, request.Seed);
        }
        else
        {
            Require(request.HMatrix is null, "--h-matrix is only for --function quadratic.");
        }

        var catalog = FunctionCatalog.Create(request.Function, new FunctionOptions
        {
            Dimension = d,
            HMatrix = h,
            WeightsPath = request.Weights,
            Seed = request.Seed,
        });
        var function = catalog with
        {
            Domain = request.Domain is null ? catalog.Domain : ParseDomain(request.Domain),
            MinValue = request.MinF is null ? catalog.MinValue : ParseBound(request.MinF, "--min-f", double.NegativeInfinity),
            MaxValue = request.MaxF is null ? catalog.MaxValue : ParseBound(request.MaxF, "--max-f", double.PositiveInfinity),
        };
        Require(function.MinValue <= function.MaxValue, $"--min-f {ResultCsv.Format(function.MinValue)} is above --max-f {ResultCsv.Format(function.MaxValue)}.");

        var kind = Workloads.StreamKindOf(workload);
        var data = LoadData(request, workload, kind, d);
        var options = new SimulationOptions
        {
            Function = function,
            StreamKind = kind,
            WindowSize = request.Window,
            ErrorBound = request.ErrorBound,
            SlackType = slack,
            SyncType = sync,
            NeighborhoodSize = request.Neighborhood,
            SingleSampleRounds = request.SingleSampleRounds,
            PeriodicBaselinePeriod = request.Period,
        };
        // Every repeat is the same deterministic run; the repeats only time it warm.
        var walls = new double[request.Repeat];
        SimulationResult result = null!;
        for (var i = 0; i < walls.Length; i++)
        {
            result = Simulator.Run(options, data);
            walls[i] = result.WallSeconds;
        }

        Array.Sort(walls);
        var timing = new Timing(walls.Length, walls[walls.Length / 2], walls[0]);

        ResultFiles.Write(request.Output, Summary(request, function, result, timing), result.Statistics.FullSyncs, result.Statistics.Rounds);
        return new SimulateOutcome(request, function, result, timing, Path.GetFullPath(request.Output));
    }

    private static DataSet LoadData(SimulateRequest request, Workload workload, StreamKind kind, int d)
    {
        var n = request.Nodes;
        var pointLength = kind switch
        {
            StreamKind.WindowedAverage => d,
            StreamKind.ConcatenatedFrequencies => 2,
            _ => 1,
        };

        if (request.DataFile is { } path)
        {
            var file = NumpyTextFile.ReadDataSet(path, n, request.TuningIterations, request.ScheduleFile, pointLength);
            var needed = (long)(request.TuningIterations + request.Iterations) * n;
            if (file.RowCount < needed)
            {
                throw new DataFormatException(path, null,
                    $"{file.RowCount} rows; {request.TuningIterations} tuning + {request.Iterations} monitored iterations × {n} nodes need {needed}.");
            }

            return file.RowCount == needed ? file : Prefix(file, (int)needed);
        }

        if (request.AirQualityFolder is { } folder)
        {
            var stations = AirQualityLoader.Load(folder, d, request.Iterations, request.TuningIterations);
            Require(stations.NodeCount == n, $"{folder} has {stations.NodeCount} stations (one node each), but --nodes is {n}.");
            return stations;
        }

        if (request.KddFile is { } kdd)
        {
            Require(n == IntrusionDetectionSplit.NodeCount, $"Intrusion detection splits the records over {IntrusionDetectionSplit.NodeCount} nodes; --nodes is {n}.");
            return Kdd99Loader.LoadIntrusionDetection(kdd, request.TuningIterations, request.Iterations);
        }

        return DataGenerators.Generate(workload, new GeneratorOptions(n, request.Iterations, d, request.Seed, request.TuningIterations));
    }

    // The first rows only, tuning prefix kept (the reference reads exactly num_iterations rows per node after it).
    private static DataSet Prefix(DataSet data, int rows)
    {
        var part = data.Slice(0, rows);
        return new DataSet(part.Values.ToArray(), part.PointLength, part.NodeSchedule.ToArray(), part.NodeCount, data.TuningRowCount);
    }

    private static (SlackType Slack, SyncType Sync) ParseVariant(string slack, string sync)
    {
        var slackType = slack.Trim().ToLowerInvariant() switch
        {
            "drift" => SlackType.Drift,
            "none" or "noslack" or "no-slack" => SlackType.NoSlack,
            _ => throw new ArgumentException($"Unknown --slack '{slack}'; use drift or none."),
        };
        var syncType = sync.Trim().ToLowerInvariant() switch
        {
            "eager" => SyncType.Eager,
            "lazy-lru" or "lru" => SyncType.LazyLRU,
            "lazy-random" or "random" => SyncType.LazyRandom,
            _ => throw new ArgumentException($"Unknown --sync '{sync}'; use eager, lazy-lru or lazy-random."),
        };
        if (slackType == SlackType.NoSlack && syncType.IsLazy())
        {
            throw new ArgumentException($"--slack none works only with --sync eager (lazy sync moves slack between nodes); got --sync {sync}.");
        }

        return (slackType, syncType);
    }

    private static Workload WorkloadOf(string function)
    {
        var key = function.Trim().ToLowerInvariant().Replace('-', '_');
        if (key == "dnn")
        {
            return Workload.IntrusionDetection;
        }

        if (Workloads.TryParse(key, out var workload))
        {
            return workload;
        }

        // The catalog's own message lists the known names.
        _ = FunctionCatalog.DefaultDimension(function);
        throw new ArgumentException($"Function '{function}' has no data generator.");
    }

    private static (double Low, double High)? ParseDomain(string text)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var low)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var high))
        {
            throw new FormatException($"--domain '{text}' is not \"LO,HI\" (or \"none\").");
        }

        if (!(low < high) || double.IsNaN(low) || double.IsNaN(high))
        {
            throw new ArgumentException($"--domain needs LO < HI; got {ResultCsv.Format(low)},{ResultCsv.Format(high)}.");
        }

        return (low, high);
    }

    private static double ParseBound(string text, string option, double none)
    {
        var trimmed = text.Trim();
        if (trimmed.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return none;
        }

        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            throw new FormatException($"{option} '{text}' is not a number (or \"none\").");
        }

        return value;
    }

    private static string Summary(SimulateRequest request, MonitoredFunction function, SimulationResult result, Timing timing) =>
        SummaryJson.ForSimulation(result, new RunConfig
        {
            Function = function,
            Nodes = result.NodeCount,
            Iterations = request.Iterations,
            TuningIterations = request.TuningIterations,
            Window = request.Window,
            Dimension = result.Dimension,
            ErrorBound = request.ErrorBound,
            NeighborhoodSize = request.Neighborhood,
            Slack = request.Slack,
            Sync = request.Sync,
            SingleSampleRounds = request.SingleSampleRounds,
            Data = request.DataFile ?? request.AirQualityFolder ?? request.KddFile ?? $"generated (seed {request.Seed})",
        }, timing.MedianSeconds, timing.Repeats, timing.BestSeconds);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
