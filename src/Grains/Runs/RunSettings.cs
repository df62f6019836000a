using AutoMon.Numerics.Functions;
using static AutoMon.Grains.Runs.SettingBinder;

namespace AutoMon.Grains.Runs;

/// <summary>
/// The settings of a <see cref="RunDefinition"/>, each declared once: the launcher, <c>simulate</c> and the silo host
/// (its command line, appsettings.json section <c>Experiment</c>, <c>AUTOMON_Experiment__*</c> variables) all bind
/// these, and the launcher writes a silo's command line with them.
/// </summary>
public static class RunSettings
{
    /// <summary>Every setting, in the order a generated command line lists them.</summary>
    public static IReadOnlyList<Setting<RunDefinition>> All { get; } =
    [
        new Setting<RunDefinition, string?>("function",
            $"The monitored function: {string.Join(", ", FunctionCatalog.Names)} (also the reference's names, e.g. rosenbrock, intrusion_detection), or a formula over x such as \"x[0]*x[1] - log(1 + sum(x^2))\" (docs/formulas.md).",
            r => r.Function, (r, v) => r with { Function = v }, ParseText, v => v!, "node-type", "experiment"),
        new Setting<RunDefinition, int?>("dim", "Vector length d (default: the function's).",
            r => r.Dimension, (r, v) => r with { Dimension = v }, Optional<int>(ParseInt), v => SettingText.Format(v!.Value)),
        new Setting<RunDefinition, int>("nodes", "Number of nodes n (default 10).",
            r => r.Nodes, (r, v) => r with { Nodes = v }, ParseInt, SettingText.Format),
        new Setting<RunDefinition, int>("iterations", "Monitored data points per node; dnn: rows in total (default 1020).",
            r => r.Iterations, (r, v) => r with { Iterations = v }, ParseInt, SettingText.Format),
        new Setting<RunDefinition, int>("window", "Sliding-window size W (default 20).",
            r => r.Window, (r, v) => r with { Window = v }, ParseInt, SettingText.Format),
        new Setting<RunDefinition, double>("error-bound", "Additive error bound ε (default 0.3).",
            r => r.ErrorBound, (r, v) => r with { ErrorBound = v }, ParseDouble, SettingText.Format),
        new Setting<RunDefinition, Protocol.SlackType>("slack", "Slack: drift (default) or none.",
            r => r.Slack, (r, v) => r with { Slack = v }, Enum(SettingText.Slack), SettingText.Slack.Format),
        new Setting<RunDefinition, Protocol.SyncType>("sync", "Sync: eager, lazy-lru (default) or lazy-random.",
            r => r.Sync, (r, v) => r with { Sync = v }, Enum(SettingText.Sync), SettingText.Sync.Format),
        new Setting<RunDefinition, double?>("neighborhood", "Initial ADCD-X neighbourhood size r (default: none).",
            r => r.Neighborhood, (r, v) => r with { Neighborhood = v }, Optional<double>(ParseDouble), v => SettingText.Format(v!.Value)),
        new Setting<RunDefinition, int>("tuning-iterations", "Data points per node of a neighbourhood-tuning prefix (default 0: none).",
            r => r.TuningIterations, (r, v) => r with { TuningIterations = v }, ParseInt, SettingText.Format),
        new Setting<RunDefinition, bool>("single-sample-rounds", "Close a round after every data point (the DNN experiment).",
            r => r.SingleSampleRounds, (r, v) => r with { SingleSampleRounds = v }, ParseBool, v => v ? "true" : "false"),
        new Setting<RunDefinition, bool>("adaptive",
            "Never send more messages or payload bytes than centralisation (+ n for one switch): switch to reporting every update when AutoMon would cost more (docs/design.md; simulation engine and simulate only).",
            r => r.Adaptive, (r, v) => r with { Adaptive = v }, ParseBool, v => v ? "true" : "false"),
        new Setting<RunDefinition, Protocol.MonitoringProtocol>("protocol",
            "The monitoring protocol: automon (default), or the paper's competitors gm (entropy, variance), cb (inner_product, cosine_similarity) or rlv (any function; no slack, eager sync). Simulation engine and simulate only.",
            r => r.Protocol, (r, v) => r with { Protocol = v }, Enum(SettingText.Protocol), SettingText.Protocol.Format),
        new Setting<RunDefinition, int>("seed", "Seed of the generated data and the function's parameters (default 0).",
            r => r.Seed, (r, v) => r with { Seed = v }, ParseInt, SettingText.Format),
        new Setting<RunDefinition, DomainBounds?>("domain", "Domain of every coordinate, \"LO,HI\", or \"none\" (default: the function's).",
            r => r.Domain, (r, v) => r with { Domain = v }, Optional<DomainBounds>(ParseDomain), v => FormatDomain(v!.Value)),
        new Setting<RunDefinition, double?>("min-f", "Known lower bound of f, or \"none\" (default: the function's).",
            r => r.MinF, (r, v) => r with { MinF = v }, Optional<double>(Bound(double.NegativeInfinity)), v => FormatBound(v!.Value)),
        new Setting<RunDefinition, double?>("max-f", "Known upper bound of f, or \"none\" (default: the function's).",
            r => r.MaxF, (r, v) => r with { MaxF = v }, Optional<double>(Bound(double.PositiveInfinity)), v => FormatBound(v!.Value)),
        new Setting<RunDefinition, string?>("data-dir",
            "The reference's datasets/ folder, or the workload's folder in it (inner_product/data_file.txt, quadratic/H_matrix.txt, air_quality/PRSA_Data_*.csv, intrusion_detection/corrected). Default: seeded generated data.",
            r => r.DataDirectory, (r, v) => r with { DataDirectory = v }, ParseText, v => v!),
        new Setting<RunDefinition, int>("skip-iterations", "Data files of kld and dnn: hours per station or rows per node skipped at the start (the reference's 300 and 500).",
            r => r.SkipIterations, (r, v) => r with { SkipIterations = v }, ParseInt, SettingText.Format),
        new Setting<RunDefinition, string?>("weights", "mlp/dnn: .npz with W0, b0, W1, b1, ... (default: initialised from --seed).",
            r => r.Weights, (r, v) => r with { Weights = v }, ParseText, v => v!),
        new Setting<RunDefinition, Experiments.Pacing>("pacing", "Grains: lockstep (rounds as in the simulation; equal results; default) or paced (every node grain on its own timer, like the paper's AWS runs).",
            r => r.Pacing, (r, v) => r with { Pacing = v }, Enum(SettingText.Pacing), SettingText.Pacing.Format),
        new Setting<RunDefinition, TimeSpan>("round-interval", "Paced: time between two data updates of a node, e.g. 1s (default 100ms).",
            r => r.RoundInterval, (r, v) => r with { RoundInterval = v }, ParseDuration, SettingText.FormatDuration),
        new Setting<RunDefinition, TimeSpan>("lazy-sync-latency", "Paced: time the coordinator takes before a lazy sync, e.g. 400ms (default 0).",
            r => r.LazySyncLatency, (r, v) => r with { LazySyncLatency = v }, ParseDuration, SettingText.FormatDuration),
        new Setting<RunDefinition, TimeSpan>("full-sync-latency", "Paced: time the coordinator takes before a full sync, e.g. 4s (default 0).",
            r => r.FullSyncLatency, (r, v) => r with { FullSyncLatency = v }, ParseDuration, SettingText.FormatDuration),
        new Setting<RunDefinition, TimeSpan>("wan-latency", "Grains: one-way delay of every message between the coordinator and a node, e.g. 35ms (default 0).",
            r => r.WanLatency, (r, v) => r with { WanLatency = v }, ParseDuration, SettingText.FormatDuration),
        new Setting<RunDefinition, double>("time-scale", "Paced: multiply the round interval and every latency by F, e.g. 0.05 to run the paper's 1-second pace 20 times faster with the same ratios (default 1).",
            r => r.TimeScale, (r, v) => r with { TimeScale = v }, ParseDouble, SettingText.Format),
    ];

    /// <summary>The settings that pace grains; the in-process simulation takes none of them.</summary>
    public static IReadOnlySet<string> PacingNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "pacing", "round-interval", "lazy-sync-latency", "full-sync-latency", "wan-latency", "time-scale",
    };

    /// <summary>The setting called <paramref name="name"/> (without dashes).</summary>
    public static Setting<RunDefinition> Named(string name) => All.Single(s => s.Name == name);

    /// <summary>Binds a run from key/value text (configuration keys, e.g. <c>ErrorBound</c>) over <paramref name="start"/>.</summary>
    public static RunDefinition Bind(Func<string, string?> lookup, ICollection<string> problems, RunDefinition? start = null, ISet<string>? given = null) =>
        SettingBinder.Bind(All, start ?? RunDefinition.Defaults, lookup, problems, given);

    /// <summary>The command line that binds back to <paramref name="run"/> (settings at their defaults left out).</summary>
    public static List<string> ToArguments(RunDefinition run) => SettingBinder.ToArguments(All, run, RunDefinition.Defaults);

    private static bool ParseDomain(string text, out DomainBounds value, out string? problem)
    {
        value = default;
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            value = DomainBounds.None;
            problem = null;
            return true;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !ParseDouble(parts[0], out var low, out _) || !ParseDouble(parts[1], out var high, out _))
        {
            problem = $"'{text}' is not \"LO,HI\" (or \"none\")";
            return false;
        }

        value = new DomainBounds(low, high);
        problem = null;
        return true;
    }

    private static string FormatDomain(DomainBounds domain) =>
        domain.IsNone ? "none" : SettingText.Format(domain.Low) + "," + SettingText.Format(domain.High);

    private static ValueParser<double> Bound(double none) => (string text, out double value, out string? problem) =>
    {
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            value = none;
            problem = null;
            return true;
        }

        return ParseDouble(text, out value, out problem);
    };

    private static string FormatBound(double value) => double.IsInfinity(value) ? "none" : SettingText.Format(value);
}
