using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Runs;

/// <summary>
/// f's domain, every coordinate in [<see cref="Low"/>, <see cref="High"/>]; <see cref="None"/> (both infinite) means no
/// domain at all.
/// </summary>
public readonly record struct DomainBounds(double Low, double High)
{
    /// <summary>No domain: every coordinate unbounded.</summary>
    public static DomainBounds None { get; } = new(double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>True for <see cref="None"/>.</summary>
    public bool IsNone => double.IsNegativeInfinity(Low) && double.IsPositiveInfinity(High);
}

/// <summary>
/// One run of AutoMon, whoever starts it — the launcher's experiments, <c>simulate</c>, a silo's <c>--function</c> run,
/// the service's monitors: the monitored function with its parameters, the nodes and their data, the protocol's settings
/// and how the grains are paced. Every command and the silo host bind it through <see cref="RunSettings"/> (one name, one
/// default, one parser per setting) and check it with <see cref="Validate"/>.
/// </summary>
public sealed record RunDefinition
{
    /// <summary>The defaults: what a setting is when nobody sets it.</summary>
    public static RunDefinition Defaults { get; } = new();

    /// <summary>The function catalog's name (any spelling <see cref="FunctionCatalog.TryResolve"/> accepts).</summary>
    public string? Function { get; init; }

    /// <summary>d; null: the function's default.</summary>
    public int? Dimension { get; init; }

    /// <summary>n.</summary>
    public int Nodes { get; init; } = 10;

    /// <summary>Monitored data points per node (dnn: rows in total).</summary>
    public int Iterations { get; init; } = 1020;

    /// <summary>Sliding-window size W.</summary>
    public int Window { get; init; } = 20;

    /// <summary>Additive error bound ε.</summary>
    public double ErrorBound { get; init; } = 0.3;

    /// <summary>Slack type.</summary>
    public SlackType Slack { get; init; } = SlackType.Drift;

    /// <summary>Sync type.</summary>
    public SyncType Sync { get; init; } = SyncType.LazyLRU;

    /// <summary>Initial ADCD-X neighbourhood size r (null: none).</summary>
    public double? Neighborhood { get; init; }

    /// <summary>Data points per node of a neighbourhood-tuning prefix before monitoring (0: none).</summary>
    public int TuningIterations { get; init; }

    /// <summary>Close a round after every data point (the reference's DNN experiment).</summary>
    public bool SingleSampleRounds { get; init; }

    /// <summary>The adaptive fallback: never costlier than centralisation (simulation engine and <c>simulate</c> only).</summary>
    public bool Adaptive { get; init; }

    /// <summary>AutoMon or one of the paper's competitors (simulation engine and <c>simulate</c> only).</summary>
    public MonitoringProtocol Protocol { get; init; }

    /// <summary>Seed of the generated data and of the function's parameters.</summary>
    public int Seed { get; init; }

    /// <summary>Overrides the function's domain (null: the function's).</summary>
    public DomainBounds? Domain { get; init; }

    /// <summary>Overrides the function's known lower bound (null: the function's; −∞: none).</summary>
    public double? MinF { get; init; }

    /// <summary>Overrides the function's known upper bound (null: the function's; +∞: none).</summary>
    public double? MaxF { get; init; }

    /// <summary>The reference's <c>datasets/</c> folder, or the workload's folder in it (null: generated data).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Data files of kld and dnn: hours per station or rows per node skipped at the start.</summary>
    public int SkipIterations { get; init; }

    /// <summary>mlp/dnn: the network's .npz (null: initialised from <see cref="Seed"/>).</summary>
    public string? Weights { get; init; }

    /// <summary>Lockstep (equal to the simulation) or paced (every node grain on its own timer).</summary>
    public Pacing Pacing { get; init; } = Pacing.Lockstep;

    /// <summary>Paced: time between two data updates of a node.</summary>
    public TimeSpan RoundInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Paced: extra time the coordinator takes before a lazy sync.</summary>
    public TimeSpan LazySyncLatency { get; init; }

    /// <summary>Paced: extra time the coordinator takes before a full sync.</summary>
    public TimeSpan FullSyncLatency { get; init; }

    /// <summary>Emulated one-way delay between the coordinator and a node.</summary>
    public TimeSpan WanLatency { get; init; }

    /// <summary>
    /// Paced: a factor on the round interval and every latency together (0.1 runs the same schedule ten times faster);
    /// <see cref="Scaled"/> applies it.
    /// </summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>
    /// This run with <see cref="TimeScale"/> applied: the round interval and the lazy-sync, full-sync and WAN latencies
    /// multiplied by it (to the tick), the scale then 1. What it preserves: every ratio between the pacing's durations
    /// (the schedule of updates, syncs and messages). What it cannot: CPU time (ADCD-X searches, the grains' own work),
    /// which does not shrink, so at small scales computation weighs more against the emulated latencies than on AWS.
    /// </summary>
    public RunDefinition Scaled()
    {
        if (TimeScale == 1)
        {
            return this;
        }

        TimeSpan Scale(TimeSpan duration) => TimeSpan.FromTicks((long)Math.Round(duration.Ticks * TimeScale));
        return this with
        {
            RoundInterval = Scale(RoundInterval),
            LazySyncLatency = Scale(LazySyncLatency),
            FullSyncLatency = Scale(FullSyncLatency),
            WanLatency = Scale(WanLatency),
            TimeScale = 1,
        };
    }

    /// <summary>The function's catalog name, or the formula (<see cref="IsFormula"/>); null when missing or unknown.</summary>
    public string? FunctionName => FunctionCatalog.TryResolve(Function, out var name) ? name : IsFormula ? Function!.Trim() : null;

    /// <summary>f is a formula over x (docs/formulas.md) rather than a catalog name.</summary>
    public bool IsFormula => FunctionCatalog.IsFormula(Function);

    /// <summary>d: the given one or the function's default.</summary>
    public int EffectiveDimension => Dimension ?? FunctionCatalog.DefaultDimension(FunctionName ?? throw UnknownFunction());

    /// <summary>The workload (data generator and stream) of the function.</summary>
    public Workload Workload => Workloads.TryParse(FunctionName ?? string.Empty, out var workload) ? workload
        : IsFormula ? throw new ArgumentException($"--function '{Function}' is a formula: it has no data generator; give its data (simulate --data-file).")
        : throw UnknownFunction();

    /// <summary>True when the pacing settings are the defaults (what the in-process simulation does).</summary>
    public bool HasDefaultPacing =>
        Pacing == Defaults.Pacing && RoundInterval == Defaults.RoundInterval && LazySyncLatency == Defaults.LazySyncLatency
        && FullSyncLatency == Defaults.FullSyncLatency && WanLatency == Defaults.WanLatency && TimeScale == Defaults.TimeScale;

    /// <summary>Every problem, each naming its setting as the command line does; empty when the run is valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        var inv = CultureInfo.InvariantCulture;
        if (Function is null)
        {
            problems.Add($"--function is required: one of {string.Join(", ", FunctionCatalog.Names)}");
        }
        else if (FunctionName is null)
        {
            problems.Add($"--function '{Function}' is unknown; known functions: {string.Join(", ", FunctionCatalog.Names)}, or a formula over x (e.g. \"x[0]*x[1]\")");
        }
        else if (IsFormula)
        {
            // Parsed here, so a syntax error is named (with its position) before anything runs.
            try
            {
                _ = FunctionCatalog.Create(Function, new FunctionOptions { Dimension = Dimension });
            }
            catch (ArgumentException e)
            {
                problems.Add($"--function '{Function}': {e.Message}");
            }
        }

        Check(Dimension is null or > 0, string.Create(inv, $"--dim must be positive; got {Dimension}"));
        if (Dimension is { } dimension && RunLimits.DimensionProblem(dimension, "--dim") is { } tooLarge)
        {
            problems.Add(tooLarge);
        }

        Check(Nodes >= 1, string.Create(inv, $"--nodes must be at least 1; got {Nodes}"));
        Check(Window >= 1, string.Create(inv, $"--window must be at least 1; got {Window}"));
        var minimum = SingleSampleRounds ? (Window * Nodes) + 1 : Window + 1;
        Check(Iterations >= minimum || Nodes < 1 || Window < 1, string.Create(inv,
            $"--iterations must be at least {minimum} (every --window of {Window} must fill before monitoring starts{(SingleSampleRounds ? ", one node a round" : string.Empty)}); got {Iterations}"));
        Check(ErrorBound > 0 && double.IsFinite(ErrorBound), $"--error-bound must be a positive number; got {SettingText.Format(ErrorBound)}");
        Check(Neighborhood is null || (Neighborhood > 0 && double.IsFinite(Neighborhood.Value)),
            $"--neighborhood must be a positive number; got {SettingText.Format(Neighborhood ?? double.NaN)}");
        Check(TuningIterations >= 0, string.Create(inv, $"--tuning-iterations must not be negative; got {TuningIterations}"));
        Check(SkipIterations >= 0, string.Create(inv, $"--skip-iterations must not be negative; got {SkipIterations}"));
        Check(SkipIterations == 0 || DataDirectory is not null, "--skip-iterations applies to data files (--data-dir); generated data has nothing to skip");
        Check(Slack != SlackType.NoSlack || !Sync.IsLazy(),
            $"--slack none works only with --sync eager (lazy sync moves slack between nodes); got --sync {SettingText.Sync.Format(Sync)}");
        if (FunctionName is { } monitored && Protocol.Refusal(monitored) is { } refusal)
        {
            problems.Add(refusal);
        }

        Check(!Adaptive || Protocol == MonitoringProtocol.AutoMon, $"--adaptive is AutoMon's fallback; --protocol {Protocol.Name()} runs without it");
        Check(Domain is not { } domain || domain.IsNone || domain.Low < domain.High,
            $"--domain needs LO < HI; got {SettingText.Format(Domain?.Low ?? 0)},{SettingText.Format(Domain?.High ?? 0)}");
        Check(MinF is not { } low || MaxF is not { } high || low <= high,
            $"--min-f {SettingText.Format(MinF ?? 0)} is above --max-f {SettingText.Format(MaxF ?? 0)}");
        Check(RoundInterval >= TimeSpan.Zero && LazySyncLatency >= TimeSpan.Zero && FullSyncLatency >= TimeSpan.Zero && WanLatency >= TimeSpan.Zero,
            "--round-interval and the latencies cannot be negative");
        Check(Pacing != Pacing.Paced || RoundInterval > TimeSpan.Zero, "--pacing paced needs a positive --round-interval");
        Check(TimeScale > 0 && double.IsFinite(TimeScale), $"--time-scale must be a positive number; got {SettingText.Format(TimeScale)}");
        Check(TimeScale == 1 || Pacing == Pacing.Paced, "--time-scale scales a paced run's interval and latencies: give it with --pacing paced");
        Check(TimeScale == 1 || Pacing != Pacing.Paced || Scaled().RoundInterval > TimeSpan.Zero,
            $"--time-scale {SettingText.Format(TimeScale)} makes the round interval zero");
        if (FunctionName is { } function && Workloads.TryParse(function, out var workload))
        {
            // The data is made for these node counts.
            Check(workload != Workload.IntrusionDetection || Nodes == IntrusionDetectionSplit.NodeCount,
                string.Create(inv, $"dnn splits the connection records over {IntrusionDetectionSplit.NodeCount} nodes by service; --nodes is {Nodes}"));
            Check(workload != Workload.QuadraticInverse || Nodes == 4,
                string.Create(inv, $"quadratic_inverse's data is made for 4 nodes; --nodes is {Nodes}"));
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem of <see cref="Validate"/>.</summary>
    public RunDefinition ThrowIfInvalid()
    {
        var problems = Validate();
        return problems.Count == 0 ? this : throw new ArgumentException(string.Join("; ", problems) + ".");
    }

    private ArgumentException UnknownFunction() =>
        new($"--function '{Function}' is unknown; known functions: {string.Join(", ", FunctionCatalog.Names)}.");
}
