namespace AutoMon.Launcher.Aws;

/// <summary>One of the paper's AWS workloads as the seed deploys it (aws_experiments/deploy_aws_experiment.py).</summary>
public sealed record AwsPaperWorkload(string NodeType, int NodeCount, IReadOnlyList<double> ErrorBounds,
    double LazySyncLatency, double FullSyncLatency);

/// <summary>
/// The four workloads of the paper's WAN experiment (Sec. 4) with the seed's node counts, error-bound sweeps and sync
/// latencies. KLD uses 8 bounds and DNN 6, as the seed does, to stay under the 100-tasks-per-region Fargate quota and cost.
/// </summary>
public static class AwsPaperWorkloads
{
    public static IReadOnlyList<AwsPaperWorkload> All { get; } =
    [
        new("inner_product", 10, [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 1.0, 4.0),
        new("quadratic", 10, [0.015, 0.02, 0.03, 0.04, 0.05, 0.08, 0.1, 1.0], 1.0, 4.0),
        new("kld", 12, [0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.14], 1.0, 4.0),
        new("dnn", 9, [0.002, 0.003, 0.005, 0.007, 0.016, 0.05], 0.4, 10.0),
    ];

    public static AwsPaperWorkload Get(string nodeType) =>
        All.FirstOrDefault(w => w.NodeType == nodeType) ??
        throw new ArgumentException(
            $"unknown node type '{nodeType}' for the AWS experiment; known: {string.Join(", ", All.Select(w => w.NodeType))}.",
            nameof(nodeType));
}
