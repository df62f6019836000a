using System.CommandLine;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// Where a run's AWS resources are: <c>--results-bucket</c>, <c>--node-region</c>, <c>--coordinator-region</c>, shared by
/// <c>--target aws</c> (where to create) and <c>cleanup</c> (where to look). Defaults are the paper's: the bucket
/// <c>automon-experiment-results</c>, nodes in us-east-2 and the coordinator in us-west-2.
/// </summary>
internal sealed class AwsLocationOptions
{
    public Option<string> ResultsBucket { get; } = new("--results-bucket")
    {
        Description = $"aws: the S3 bucket for results and uploaded data (made if missing, in the node region; default: {AwsNaming.DefaultResultsBucket}; see ops/README.md for its IAM policy).",
        DefaultValueFactory = _ => AwsNaming.DefaultResultsBucket,
    };

    public Option<string> NodeRegion { get; } = new("--node-region")
    {
        Description = $"aws: region of the node silos, the membership tables, the log groups and the results bucket (default: {AwsExperimentPlan.DefaultNodesRegion}).",
        DefaultValueFactory = _ => AwsExperimentPlan.DefaultNodesRegion,
    };

    public Option<string> CoordinatorRegion { get; } = new("--coordinator-region")
    {
        Description = $"aws: region of the coordinator silo (default: {AwsExperimentPlan.DefaultCoordinatorRegion}).",
        DefaultValueFactory = _ => AwsExperimentPlan.DefaultCoordinatorRegion,
    };

    public IEnumerable<Option> All => [ResultsBucket, NodeRegion, CoordinatorRegion];

    /// <summary>The values given, or the defaults (checked by <see cref="AwsLocation.Validate"/> where they are used).</summary>
    public AwsLocation Read(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return new AwsLocation(parseResult.GetRequiredValue(ResultsBucket).Trim(), parseResult.GetRequiredValue(NodeRegion).Trim(),
            parseResult.GetRequiredValue(CoordinatorRegion).Trim());
    }
}

/// <summary>The results bucket and the two regions of a run (<see cref="AwsLocationOptions"/>).</summary>
internal sealed record AwsLocation(string ResultsBucket, string NodeRegion, string CoordinatorRegion)
{
    public static AwsLocation Default { get; } =
        new(AwsNaming.DefaultResultsBucket, AwsExperimentPlan.DefaultNodesRegion, AwsExperimentPlan.DefaultCoordinatorRegion);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the option whose value is bad.</summary>
    public void Validate()
    {
        if (!AwsNaming.IsBucketName(ResultsBucket))
        {
            throw new ArgumentException(
                $"--results-bucket '{ResultsBucket}' is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit).");
        }
        foreach (var (option, region) in new[] { ("--node-region", NodeRegion), ("--coordinator-region", CoordinatorRegion) })
        {
            if (!AwsNaming.IsRegion(region))
            {
                throw new ArgumentException($"{option} '{region}' is not an AWS region name (like us-east-2).");
            }
        }
    }

    /// <summary>The plan, placed here: nodes (and with them tables, logs and results) in the node region.</summary>
    public AwsExperimentPlan Place(AwsExperimentPlan plan) =>
        plan with { ResultsBucket = ResultsBucket, NodesRegion = NodeRegion, CoordinatorRegion = CoordinatorRegion };

    /// <summary>The <c>cleanup</c> command that removes run <paramref name="runId"/>: with the options that differ from the defaults.</summary>
    public string CleanupCommandLine(string runId)
    {
        var command = $"automon cleanup --run-id {runId}";
        command += ResultsBucket == Default.ResultsBucket ? "" : $" --results-bucket {ResultsBucket}";
        command += NodeRegion == Default.NodeRegion ? "" : $" --node-region {NodeRegion}";
        return command + (CoordinatorRegion == Default.CoordinatorRegion ? "" : $" --coordinator-region {CoordinatorRegion}");
    }

    /// <summary>Cleanup looks in both regions and in the bucket, as <see cref="AwsCleanupRequest.ForPlan"/> does for a placed plan.</summary>
    public AwsCleanupRequest Place(AwsCleanupRequest request) =>
        request with
        {
            Regions = new[] { CoordinatorRegion, NodeRegion }.Distinct(StringComparer.Ordinal).ToList(),
            ResultsBucket = ResultsBucket,
            ResultsRegion = NodeRegion,
        };
}
