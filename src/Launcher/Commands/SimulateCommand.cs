using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AutoMon.Grains.Results;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Results;
using AutoMon.Silos.Hosting;
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
    public static Command Create() => Create(out _);

    /// <summary>The request a <c>simulate</c> command line gives, parsed as the command parses it (for tests and tools).</summary>
    /// <exception cref="ArgumentException">A setting is malformed or does not apply to simulate (the message names it).</exception>
    internal static SimulateRequest Parse(params string[] args)
    {
        var root = new RootCommand { Create(out var bind) };
        var parseResult = root.Parse(["simulate", .. args]);
        return parseResult.Errors.Count > 0
            ? throw new ArgumentException(string.Join("; ", parseResult.Errors.Select(e => e.Message)))
            : bind(parseResult);
    }

    private static Command Create(out Func<ParseResult, SimulateRequest> bind)
    {
        // The run's settings are every command's (RunSettings); these are simulate's own: the reference's file formats, the
        // periodic baseline, timing repeats and the output folder.
        var run = new SettingOptions<RunDefinition>(RunSettings.All);
        var dataFile = new Option<string?>("--data-file") { Description = "np.savetxt data file, one data point per row, rows dealt round-robin (default: generated data)." };
        var schedule = new Option<string?>("--schedule-file") { Description = "Node schedule for --data-file: one node index per row (default: round-robin)." };
        var airQuality = new Option<string?>("--air-quality") { Description = "kld: folder with the Beijing PRSA_Data_*.csv station files (one node per station)." };
        var kdd = new Option<string?>("--kdd") { Description = "dnn: the KDD Cup 99 'corrected' file (9 nodes)." };
        var hMatrix = new Option<string?>("--h-matrix") { Description = "quadratic: H_matrix.txt (default: generated from --seed)." };
        var period = new Option<int?>("--period") { Description = "Periodic baseline period in rounds (default: the reference's equivalent of AutoMon's message count, max(1, floor(R·n / messages)))." };
        var repeat = new Option<int>("--repeat") { Description = "Run the simulation this many times and report the median and best data-loop time (a warm timing report).", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output") { Description = "Output folder (created if missing; other files in it are left alone).", Required = true };

        var command = new Command("simulate", "Simulate AutoMon in one process with the reference's round semantics; write summary.json, sync_history.csv and function_values.csv.");
        run.AddTo(command);
        foreach (var option in new Option[] { dataFile, schedule, airQuality, kdd, hMatrix, period, repeat, output })
        {
            command.Options.Add(option);
        }

        SimulateRequest Bind(ParseResult parseResult)
        {
            var problems = new List<string>();
            var given = new HashSet<string>(StringComparer.Ordinal);
            var definition = RunSettings.Bind(run.Lookup(parseResult), problems, given: given);
            Require(problems.Count == 0, string.Join("; ", problems) + ".");
            var pacing = RunSettings.PacingNames.Where(given.Contains).Select(name => "--" + name).ToList();
            Require(pacing.Count == 0,
                $"{string.Join(", ", pacing)}: simulate runs lockstep rounds in one process; pacing and latencies need the grains (the launcher's --engine grains).");
            var request = new SimulateRequest
            {
                Run = definition,
                DataFile = parseResult.GetValue(dataFile),
                ScheduleFile = parseResult.GetValue(schedule),
                AirQualityFolder = parseResult.GetValue(airQuality),
                KddFile = parseResult.GetValue(kdd),
                HMatrix = parseResult.GetValue(hMatrix),
                Period = parseResult.GetValue(period),
                Repeat = parseResult.GetValue(repeat),
                Output = parseResult.GetRequiredValue(output),
            };
            return request;
        }

        bind = Bind;
        command.SetAction(parseResult =>
        {
            var console = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                var request = Bind(parseResult);
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
        /// <summary>The run: function, n, W, ε, slack, sync, ... as every command binds them.</summary>
        public required RunDefinition Run { get; init; }

        public string Function => Run.Function ?? string.Empty;

        public int Nodes => Run.Nodes;

        public int Iterations => Run.Iterations;

        public int Window => Run.Window;

        public int? Dimension => Run.Dimension;

        public double ErrorBound => Run.ErrorBound;

        public double? Neighborhood => Run.Neighborhood;

        // What the protocol runs with (RLV: none and eager whatever was given).
        public string Slack => SettingText.Slack.Format(Run.Protocol.SlackAndSync(Run.Slack, Run.Sync).Slack);

        public string Sync => SettingText.Sync.Format(Run.Protocol.SlackAndSync(Run.Slack, Run.Sync).Sync);

        public string? Weights => Run.Weights;

        public int Seed => Run.Seed;

        public bool SingleSampleRounds => Run.SingleSampleRounds;

        public int TuningIterations => Run.TuningIterations;

        public string? DataFile { get; init; }

        public string? ScheduleFile { get; init; }

        public string? AirQualityFolder { get; init; }

        public string? KddFile { get; init; }

        public string? HMatrix { get; init; }

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
        var problems = request.Run.Validate();
        Require(problems.Count == 0, string.Join("; ", problems) + ".");
        Require(request.Run.DataDirectory is null || new[] { request.DataFile, request.AirQualityFolder, request.KddFile, request.HMatrix }.All(f => f is null),
            "Give --data-dir or the file options (--data-file, --air-quality, --kdd, --h-matrix), not both.");
        var (slack, sync) = request.Run.Protocol.SlackAndSync(request.Run.Slack, request.Run.Sync);
        Require(request.Period is null or >= 1, $"--period must be at least 1; got {request.Period}.");
        Require(request.Repeat >= 1, $"--repeat must be at least 1; got {request.Repeat}.");
        Require(Path.Exists(request.Output) is false || Directory.Exists(request.Output), $"--output {request.Output} exists and is not a folder.");
        // A formula has no generator: its data comes from --data-file, one point per row, averaged over the window.
        Require(!request.Run.IsFormula || request.DataFile is not null,
            $"--function '{request.Function}' is a formula: give its data with --data-file (one data point of {request.Run.EffectiveDimension} values per row).");
        Workload? workload = request.Run.IsFormula ? null : request.Run.Workload;
        var sources = new[] { request.DataFile, request.AirQualityFolder, request.KddFile }.Count(s => s is not null);
        Require(sources <= 1, "Give at most one of --data-file, --air-quality and --kdd.");
        Require(request.AirQualityFolder is null || workload == Workload.AirQualityKld, "--air-quality is the data of --function kld.");
        Require(request.KddFile is null || workload == Workload.IntrusionDetection, "--kdd is the data of --function dnn.");
        Require(request.ScheduleFile is null || request.DataFile is not null, "--schedule-file goes with --data-file.");

        var kind = workload is { } known ? Workloads.StreamKindOf(known) : StreamKind.WindowedAverage;
        MonitoredFunction function;
        DataSet data;
        string source;
        if (request.DataFile is null && request.AirQualityFolder is null && request.KddFile is null && request.HMatrix is null)
        {
            // Generated data or the reference's datasets/ folder: the loader every command shares.
            var inputs = RunInputs.Load(request.Run);
            (function, data, source) = (inputs.Function, inputs.Data, inputs.Source);
        }
        else
        {
            var d = request.Run.EffectiveDimension;
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
            var domain = request.Run.Domain;
            function = catalog with
            {
                Domain = domain is null ? catalog.Domain : domain.Value.IsNone ? null : (domain.Value.Low, domain.Value.High),
                MinValue = request.Run.MinF ?? catalog.MinValue,
                MaxValue = request.Run.MaxF ?? catalog.MaxValue,
            };
            Require(function.MinValue <= function.MaxValue, $"--min-f {ResultCsv.Format(function.MinValue)} is above --max-f {ResultCsv.Format(function.MaxValue)}.");
            data = LoadData(request, workload, kind, d);
            source = request.DataFile ?? request.AirQualityFolder ?? request.KddFile ?? $"generated (seed {request.Seed})";
        }

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
            Adaptive = request.Run.Adaptive,
            Protocol = request.Run.Protocol,
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

        ResultFiles.Write(request.Output, Summary(request, function, result, timing, source), result.Statistics.FullSyncs, result.Statistics.Rounds);
        return new SimulateOutcome(request, function, result, timing, Path.GetFullPath(request.Output));
    }

    private static DataSet LoadData(SimulateRequest request, Workload? workload, StreamKind kind, int d)
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

        return DataGenerators.Generate(workload ?? throw new ArgumentException($"--function '{request.Function}' has no data generator."), new GeneratorOptions(n, request.Iterations, d, request.Seed, request.TuningIterations));
    }

    // The first rows only, tuning prefix kept (the reference reads exactly num_iterations rows per node after it).
    private static DataSet Prefix(DataSet data, int rows)
    {
        var part = data.Slice(0, rows);
        return new DataSet(part.Values.ToArray(), part.PointLength, part.NodeSchedule.ToArray(), part.NodeCount, data.TuningRowCount);
    }

    private static string Summary(SimulateRequest request, MonitoredFunction function, SimulationResult result, Timing timing, string source) =>
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
            Adaptive = request.Run.Adaptive,
            Protocol = request.Run.Protocol,
            Data = source,
        }, timing.MedianSeconds, timing.Repeats, timing.BestSeconds);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
