using System.Globalization;
using AutoMon.Grains.Runs;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;

namespace AutoMon.Launcher.Experiments;

/// <summary>
/// One workload's experiment settings: the paper's for inner_product, quadratic, kld and dnn (reference
/// <c>aws_experiments/deploy_aws_experiment.py</c> and <c>distributed_*.py</c>, SPEC section m), sensible small ones for
/// the library's other functions.
/// </summary>
/// <param name="NodeType">The name on the command line (the reference's <c>--node_type</c>).</param>
/// <param name="Function">The catalog function monitored.</param>
/// <param name="Workload">The data generator (and the loader with <c>--data-dir</c>).</param>
/// <param name="Nodes">n.</param>
/// <param name="Dimension">d.</param>
/// <param name="Window">Sliding-window size W.</param>
/// <param name="PaperIterations">The paper's length: data points per node (dnn: rows in total).</param>
/// <param name="QuickIterations">The default length: the paper's where a sweep finishes in seconds, shorter for kld and
/// dnn so the whole default sweep finishes in minutes on 2 cores (<c>--iterations</c> or <c>--full</c> give the paper's).</param>
/// <param name="ErrorBounds">The error-bound sweep.</param>
/// <param name="HighlightErrorBound">The error bound whose function-value figure the sweep shows (the reference's default ε).</param>
/// <param name="Neighborhoods">ADCD-X neighbourhood size per error bound (empty: none, or tuned when <paramref name="TuningIterations"/> &gt; 0).</param>
/// <param name="SingleSampleRounds">Close a round after every data point (the DNN experiment).</param>
/// <param name="TuningIterations">A prefix of data points per node on which the neighbourhood size is tuned before
/// monitoring (reference <c>tune_neighborhood_size</c>); 0 = no tuning.</param>
/// <param name="SkippedDataIterations">Real data files (<c>--data-dir</c>): data points per station (kld) or rows per node
/// (dnn) the reference's distributed runs skip at the start (their tuning prefix, unused at run time).</param>
/// <param name="LazySyncLatency">Paced runs: a node's time between data updates (reference <c>LS_LATENCY</c>).</param>
/// <param name="FullSyncLatency">Paced runs: extra time after a full sync (reference <c>FS_LATENCY</c>).</param>
/// <param name="PeriodicPeriods">Periods of the periodic baseline curve in the figures (reference experiments' lists).</param>
internal sealed record ExperimentPreset(
    string NodeType,
    string Function,
    Workload Workload,
    int Nodes,
    int Dimension,
    int Window,
    int PaperIterations,
    int QuickIterations,
    IReadOnlyList<double> ErrorBounds,
    double HighlightErrorBound,
    IReadOnlyDictionary<double, double> Neighborhoods,
    bool SingleSampleRounds,
    int TuningIterations,
    int SkippedDataIterations,
    TimeSpan LazySyncLatency,
    TimeSpan FullSyncLatency,
    IReadOnlyList<int> PeriodicPeriods)
{
    /// <summary>
    /// The competitor the paper's max-error-vs-communication figure draws beside AutoMon for this workload (CB for the
    /// inner product; reference <c>experiments/test_max_error_vs_communication_*.py</c>), or AutoMon for none.
    /// </summary>
    public MonitoringProtocol PaperCompetitor { get; init; }

    /// <summary>
    /// <paramref name="run"/> with this workload's settings wherever <paramref name="given"/> does not name the setting:
    /// the function, n, d, W, the length (the paper's with <paramref name="full"/>, else the quick one), the tuning prefix,
    /// single-sample rounds and, for data files, the rows the reference skips. Error bound and neighbourhood are per
    /// experiment (<see cref="ErrorBounds"/>, <see cref="NeighborhoodFor"/>).
    /// </summary>
    public RunDefinition Apply(RunDefinition run, IReadOnlySet<string> given, bool full)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(given);
        return run with
        {
            Function = Function,
            Nodes = given.Contains("nodes") ? run.Nodes : Nodes,
            Dimension = run.Dimension ?? Dimension,
            Window = given.Contains("window") ? run.Window : Window,
            Iterations = given.Contains("iterations") ? run.Iterations : full ? PaperIterations : QuickIterations,
            TuningIterations = given.Contains("tuning-iterations") ? run.TuningIterations : TuningIterations,
            SingleSampleRounds = given.Contains("single-sample-rounds") ? run.SingleSampleRounds : SingleSampleRounds,
            SkipIterations = given.Contains("skip-iterations") || run.DataDirectory is null ? run.SkipIterations : SkippedDataIterations,
        };
    }

    /// <summary>True for the four workloads of the paper's distributed experiments.</summary>
    public bool IsPaperWorkload => ExperimentPresets.PaperNodeTypes.Contains(NodeType);

    /// <summary>
    /// The ADCD-X neighbourhood size for <paramref name="errorBound"/>: the listed size of that error bound, or of the
    /// nearest listed one (on a log scale) for a bound the reference did not list; null when the workload lists none.
    /// </summary>
    public double? NeighborhoodFor(double errorBound)
    {
        if (Neighborhoods.Count == 0)
        {
            return null;
        }

        if (Neighborhoods.TryGetValue(errorBound, out var exact))
        {
            return exact;
        }

        return Neighborhoods.MinBy(pair => Math.Abs(Math.Log(pair.Key) - Math.Log(errorBound))).Value;
    }
}

/// <summary>The presets by node type.</summary>
internal static class ExperimentPresets
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    // The reference's periodic-baseline period lists (experiments/test_max_error_vs_communication_*.py; SPEC j).
    private static readonly int[] Periods = [1, 2, 3, 4, 5, 10, 15, 20];
    private static readonly int[] DnnPeriods = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 35, 40, 45, 50, 60, 80, 100, 200, 500];

    private static readonly Dictionary<double, double> None = [];

    /// <summary>The paper's four distributed workloads, in the paper's order.</summary>
    public static IReadOnlyList<string> PaperNodeTypes { get; } = ["inner_product", "quadratic", "kld", "dnn"];

    private static readonly Dictionary<string, ExperimentPreset> ByName = Build().ToDictionary(p => p.NodeType, StringComparer.Ordinal);

    /// <summary>Every node type the launcher accepts: the catalog's functions.</summary>
    public static IReadOnlyList<string> NodeTypes => FunctionCatalog.Names;

    /// <summary>The preset of <paramref name="nodeType"/> (the catalog's spellings; '-' and '_' alike, any case).</summary>
    /// <exception cref="ArgumentException">Unknown node type; the message lists the known ones.</exception>
    public static ExperimentPreset Get(string nodeType)
    {
        ArgumentNullException.ThrowIfNull(nodeType);
        return FunctionCatalog.TryResolve(nodeType, out var key) && ByName.TryGetValue(key, out var preset)
            ? preset
            : throw new ArgumentException($"Unknown --node-type '{nodeType}'. Known node types: {string.Join(", ", NodeTypes)}.");
    }

    private static IEnumerable<ExperimentPreset> Build()
    {
        // The paper's workloads (SPEC m): n, d, W, I, the AWS error-bound lists, the tuned neighbourhood sizes per ε.
        yield return Paper("inner_product", Workload.InnerProduct, nodes: 10, d: 40, window: 20, iterations: 1020, quick: 1020,
            [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], highlight: 0.3, None) with { PaperCompetitor = MonitoringProtocol.Cb };
        yield return Paper("quadratic", Workload.Quadratic, nodes: 10, d: 40, window: 20, iterations: 1020, quick: 1020,
            [0.015, 0.02, 0.03, 0.04, 0.05, 0.08, 0.1, 1.0], highlight: 0.03, None);

        // kld: 30000 hours x 12 stations is 360k updates per error bound with an ADCD-X search (a few ms) at each full
        // sync; the quick default keeps W = 200 and the sweep but monitors 10000 hours (about 14 months).
        yield return Paper("kld", Workload.AirQualityKld, nodes: 12, d: 20, window: 200, iterations: 30000, quick: 10000,
            [0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.14], highlight: 0.02,
            new Dictionary<double, double>
            {
                [0.003] = 0.059895833333333336, [0.004] = 0.0859375, [0.005] = 0.08854166666666667, [0.01] = 0.10069444444444445,
                [0.02] = 0.1527777777777778, [0.04] = 0.25, [0.06] = 0.2361111111111111, [0.08] = 0.2361111111111111,
                [0.1] = 0.2361111111111111, [0.12] = 0.2361111111111111, [0.14] = 0.2361111111111111,
            }) with { SkippedDataIterations = 300 };

        // dnn: 302973 single-sample rounds per error bound, and each full sync is an ADCD-X search over the network's
        // 41x41 Hessian (analytic eigenvalue gradients, 30-100 ms here; 2-5 s with the former finite differences); the
        // quick default monitors the first 2000 rows, which takes 10-40 full syncs per error bound.
        yield return Paper("dnn", Workload.IntrusionDetection, nodes: 9, d: 41, window: 20, iterations: 302973, quick: 2000,
            [0.002, 0.003, 0.005, 0.007, 0.016, 0.05], highlight: 0.005,
            new Dictionary<double, double>
            {
                [0.001] = 0.010416666666666666, [0.002] = 0.017361111111111112, [0.0027] = 0.027777777777777776,
                [0.003] = 0.027777777777777776, [0.005] = 0.03125, [0.007] = 0.03125, [0.01] = 0.041666666666666664,
                [0.016] = 0.041666666666666664, [0.025] = 0.041666666666666664, [0.05] = 0.041666666666666664,
            }) with
            {
                SingleSampleRounds = true,
                SkippedDataIterations = 500,
                LazySyncLatency = TimeSpan.FromSeconds(0.4),
                FullSyncLatency = TimeSpan.FromSeconds(10),
                PeriodicPeriods = DnnPeriods,
            };

        // The library's other functions: the reference's test sizes (n = 10, W = 20, 1020 iterations), the paper's d, and
        // a short sweep over the function's range. Non-constant Hessians without a domain tune their neighbourhood on a
        // 100-iteration prefix, as the reference's experiments do.
        yield return Other("entropy", Workload.Entropy, nodes: 10, [0.02, 0.05, 0.1, 0.2], tuning: 0);
        yield return Other("variance", Workload.Variance, nodes: 10, [0.01, 0.02, 0.05, 0.1], tuning: 0);
        yield return Other("cosine_similarity", Workload.CosineSimilarity, nodes: 10, [0.002, 0.005, 0.01, 0.02], tuning: 100);
        yield return Other("rozenbrock", Workload.Rosenbrock, nodes: 10, [0.05, 0.1, 0.2, 0.5], tuning: 100);
        yield return Other("sine", Workload.Sine, nodes: 10, [0.01, 0.02, 0.05, 0.1], tuning: 100);
        yield return Other("quadratic_inverse", Workload.QuadraticInverse, nodes: 4, [0.01, 0.02, 0.05, 0.1], tuning: 0) with
        {
            Neighborhoods = new Dictionary<double, double> { [0.02] = 3.0 },
        };
        yield return Other("mlp", Workload.Mlp, nodes: 10, [0.05, 0.1, 0.15, 0.3], tuning: 200);
    }

    private static ExperimentPreset Paper(string name, Workload workload, int nodes, int d, int window, int iterations, int quick,
        double[] errorBounds, double highlight, Dictionary<double, double> neighborhoods) =>
        new(name, name, workload, nodes, d, window, iterations, quick, errorBounds, highlight, neighborhoods,
            SingleSampleRounds: false, TuningIterations: 0, SkippedDataIterations: 0, LazySyncLatency: Second, FullSyncLatency: 4 * Second, Periods);

    private static ExperimentPreset Other(string name, Workload workload, int nodes, double[] errorBounds, int tuning) =>
        new(name, name, workload, nodes, FunctionCatalog.DefaultDimension(name), Window: 20, PaperIterations: 1020, QuickIterations: 1020,
            errorBounds, errorBounds[errorBounds.Length / 2], None, SingleSampleRounds: false, tuning, SkippedDataIterations: 0, Second, 4 * Second, Periods);

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
