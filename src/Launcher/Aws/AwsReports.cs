using System.Text;

namespace AutoMon.Launcher.Aws;

/// <summary>What <see cref="AwsExperimentProvisioner.ProvisionAsync"/> started for one experiment.</summary>
public sealed record AwsProvisionedExperiment(
    AwsExperiment Experiment,
    string NodesClusterArn,
    string? CoordinatorClusterArn,
    string? CoordinatorInstanceId,
    string? CoordinatorTaskArn,
    IReadOnlyList<string> NodeTaskArns,
    IReadOnlyList<string> TaskDefinitionArns)
{
    /// <summary>The standby coordinator's Fargate task (<c>--coordinator-standby</c>); null: none, or an EC2 standby.</summary>
    public string? StandbyCoordinatorTaskArn { get; init; }

    /// <summary>The standby coordinator's EC2 instance (<c>--coordinator-standby</c>); null: none, or a Fargate standby.</summary>
    public string? StandbyCoordinatorInstanceId { get; init; }

    /// <summary>The experiment's security group in each of its regions: region → group id.</summary>
    public IReadOnlyDictionary<string, string> SecurityGroups { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The public IPv4 of each of its silos, which those groups allow in (and nothing else from outside).</summary>
    public IReadOnlyList<string> SiloAddresses { get; init; } = [];
}

/// <summary>The outcome of provisioning a run.</summary>
public sealed record AwsProvisioningResult(
    string RunId,
    IReadOnlyList<AwsProvisionedExperiment> Started,
    IReadOnlyList<AwsExperiment> SkippedAlreadyInS3)
{
    /// <summary>Experiments left running from an earlier launch (<see cref="AwsProvisionOptions.LeaveRunningExperiments"/>): name → what runs.</summary>
    public IReadOnlyDictionary<string, string> StillRunning { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Something cleanup removed: kind (e.g. "ECS task"), region, and its id or name.</summary>
public sealed record AwsRemovedResource(string Kind, string Region, string Id);

/// <summary>What cleanup removed (in a dry run: would remove), and what it could not (with the reason).</summary>
public sealed record AwsCleanupReport(IReadOnlyList<AwsRemovedResource> Removed, IReadOnlyList<string> Failures)
{
    /// <summary>Nothing was removed: <see cref="Removed"/> is what cleanup would remove.</summary>
    public bool DryRun { get; init; }

    public const string EcsTask = "ECS task";
    public const string Ec2Instance = "EC2 instance";
    public const string TaskDefinition = "ECS task definition";
    public const string EcsCluster = "ECS cluster";
    public const string LogGroup = "CloudWatch log group";
    public const string MembershipTable = "DynamoDB table";
    public const string SecurityGroup = "EC2 security group";
    public const string ResultObject = "S3 object";
    public const string ResultsBucket = "S3 bucket";

    public bool Succeeded => Failures.Count == 0;

    public IReadOnlyList<AwsRemovedResource> Of(string kind) => Removed.Where(r => r.Kind == kind).ToList();

    /// <summary>
    /// One line per kind ("Removed 10 ECS task(s): ...", in a dry run "Would remove ..."), then the failures; "Nothing to
    /// remove." when empty.
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var group in Removed.GroupBy(r => r.Kind))
        {
            text.Append(DryRun ? "Would remove " : "Removed ").Append(group.Count()).Append(' ').Append(group.Key).Append("(s): ")
                .AppendJoin(", ", group.Select(r => $"{r.Id} ({r.Region})")).Append('\n');
        }
        foreach (var failure in Failures)
        {
            text.Append("Could not remove: ").Append(failure).Append('\n');
        }
        return text.Length == 0 ? "Nothing to remove.\n" : text.ToString();
    }
}

/// <summary>What cleanup removes: one run's resources (by <see cref="AwsNaming.RunTag"/>) or every run's.</summary>
public sealed record AwsCleanupRequest
{
    /// <summary>Null: everything carrying the <see cref="AwsNaming.RunTag"/> tag, whatever the run.</summary>
    public string? RunId { get; init; }

    public IReadOnlyList<string> Regions { get; init; } =
        [AwsExperimentPlan.DefaultCoordinatorRegion, AwsExperimentPlan.DefaultNodesRegion];

    /// <summary>Also empty and delete the results bucket (the seed's aws_cleanup.py does); off by default: results are kept.</summary>
    public bool DeleteResultsBucket { get; init; }

    /// <summary>Only list what would be removed (<c>cleanup --dry-run</c>): no removal is called.</summary>
    public bool DryRun { get; init; }

    public string ResultsBucket { get; init; } = AwsNaming.DefaultResultsBucket;
    public string ResultsRegion { get; init; } = AwsExperimentPlan.DefaultNodesRegion;

    /// <summary>How long to wait for tasks to stop, instances to terminate, and clusters and groups to become deletable.</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public static AwsCleanupRequest ForPlan(AwsExperimentPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new AwsCleanupRequest
        {
            RunId = plan.RunId,
            Regions = plan.Regions,
            ResultsBucket = plan.ResultsBucket,
            ResultsRegion = plan.EffectiveResultsRegion,
        };
    }
}

/// <summary>Knobs of <see cref="AwsExperimentProvisioner.ProvisionAsync"/>.</summary>
public sealed record AwsProvisionOptions
{
    /// <summary>The <c>--block</c> rule: experiments whose completion marker is already in S3 are not started again.</summary>
    public bool SkipExperimentsWithResults { get; init; }

    /// <summary>
    /// The other <c>--block</c> rule: experiments still running from an earlier launch are waited for, not started again
    /// (without it they are refused, since a second set of silos would join their clusters).
    /// </summary>
    public bool LeaveRunningExperiments { get; init; }

    /// <summary>When provisioning fails part-way, remove what this run created (so nothing is left running and billing).</summary>
    public bool CleanupOnFailure { get; init; } = true;

    /// <summary>How long to wait for a new DynamoDB table to become ACTIVE.</summary>
    public TimeSpan TableActiveTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long to wait for each started silo's public IPv4 (a Fargate task's network interface is attached within
    /// seconds to a minute), which the experiment's security groups must allow before its peers can reach it.
    /// </summary>
    public TimeSpan SiloAddressTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts of a RunTask that Fargate could not place (no capacity right now).</summary>
    public int RunTaskAttempts { get; init; } = 5;

    /// <summary>Pause before the k-th retry of such a RunTask is k times this.</summary>
    public TimeSpan RunTaskRetryDelay { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Knobs of <see cref="AwsExperimentProvisioner.WaitForResultsAsync"/>.</summary>
public sealed record AwsWaitOptions
{
    /// <summary>How often to look in S3 (the seed polled every 5 minutes).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Give up after this long; null: wait until cancelled.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Stop waiting (with an error naming them) when experiments without results no longer have a running coordinator:
    /// they crashed and will never finish. Off only for waiting on results that other means produce.
    /// </summary>
    public bool FailWhenCoordinatorGone { get; init; } = true;

    /// <summary>Called after each look with the experiments done so far and the total.</summary>
    public IProgress<AwsResultsProgress>? Progress { get; init; }
}

/// <summary>How far the --block wait is: experiments finished (with results, or failed) of all, which failed, which are pending.</summary>
public sealed record AwsResultsProgress(int Completed, int Total, IReadOnlyList<string> Pending, int Failed = 0)
{
    /// <summary>"3/8 experiments finished" and, when some failed, how many.</summary>
    public string Describe() => Failed == 0
        ? $"{Completed}/{Total} experiments finished"
        : $"{Completed}/{Total} experiments finished ({Failed} failed)";
}

/// <summary>Downloaded results: the local folder of each experiment (e.g. <c>dir/error_bound_0.02</c>) and its files.</summary>
public sealed record AwsDownloadedResults(IReadOnlyDictionary<string, string> FolderByExperiment,
    IReadOnlyList<string> Files)
{
    /// <summary>Experiments whose coordinator reported a failure (its error.txt) instead of results: name → its text.</summary>
    public IReadOnlyDictionary<string, string> Failed { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
