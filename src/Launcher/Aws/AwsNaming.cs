using System.Globalization;
using System.Text.RegularExpressions;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Names of everything the launcher creates, following the seed's scheme (aws_experiments/deploy_aws_experiment.py):
/// an experiment is one workload at one error bound, named <c>inner-product_0-02</c> (node type with '-' for '_', then
/// the error bound as Python prints it with '-' for '.'); its ECS cluster in a region is <c>inner-product_0-02_us-east-2</c>;
/// task definition families are <c>coordinator_&lt;cluster&gt;</c> and <c>node-&lt;i&gt;_&lt;cluster&gt;</c>; its log group is the
/// experiment name; results go under <c>max_error_vs_comm_&lt;node_type&gt;_aws/error_bound_&lt;e&gt;/</c> in S3.
/// </summary>
public static partial class AwsNaming
{
    public const string DefaultResultsBucket = "automon-experiment-results";
    public const string CentralizationLabel = "centralization";

    /// <summary>Tag on every resource a launcher run creates; cleanup finds resources by it.</summary>
    public const string RunTag = "automon:run";

    /// <summary>Tag naming the experiment (workload and error bound) a resource belongs to.</summary>
    public const string ExperimentTag = "automon:experiment";

    /// <summary>Tag naming the silo role (coordinator, node) of tasks, task definitions and instances.</summary>
    public const string RoleTag = "automon:role";

    /// <summary>The coordinator uploads its results, then this file last; its presence means the experiment is done.</summary>
    public const string CompletionMarkerFile = AutoMon.Grains.Results.ResultFiles.Summary;

    /// <summary>Instead of its results, a coordinator whose experiment failed uploads this file, saying why.</summary>
    public const string ErrorMarkerFile = "error.txt";

    /// <summary>The folder under an experiment's results prefix that the coordinator silo uploads to.</summary>
    public const string CoordinatorResultsFolder = "coordinator";

    /// <summary>The error bound as Python's <c>str(float)</c> prints it (0.02 → "0.02", 1.0 → "1.0", 1e-05 → "1e-05").</summary>
    public static string PythonFloat(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "error bound must be finite");
        }
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            // .NET "1E-05" / "1.5E+20" → Python "1e-05" / "1.5e+20": lower-case e, signed exponent of at least two digits.
            var mantissa = text[..e];
            var exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            var sign = exponent < 0 ? "-" : "+";
            return $"{mantissa}e{sign}{Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture)}";
        }
        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }

    /// <summary>"0.02" for an error bound, "centralization" for the centralisation baseline (null).</summary>
    public static string ErrorBoundLabel(double? errorBound) =>
        errorBound is { } e ? PythonFloat(e) : CentralizationLabel;

    /// <summary>The seed's experiment name, e.g. <c>inner-product_0-02</c>; also the log group name and Orleans cluster id.</summary>
    public static string ExperimentName(string nodeType, double? errorBound) =>
        nodeType.Replace('_', '-') + "_" + ErrorBoundLabel(errorBound).Replace('.', '-');

    public static string ClusterName(string experimentName, string region) => experimentName + "_" + region;

    public static string CoordinatorFamily(string clusterName) => "coordinator_" + clusterName;

    /// <summary><c>coordinator-standby_&lt;cluster&gt;</c>: the standby coordinator's family (<c>--coordinator-standby</c>).</summary>
    public static string StandbyCoordinatorFamily(string clusterName) => "coordinator-standby_" + clusterName;

    /// <summary><c>node-3_&lt;cluster&gt;</c> for a silo hosting node 3 (the seed's name), <c>nodes-0-4_&lt;cluster&gt;</c> for nodes 0..4.</summary>
    public static string NodeFamily(string clusterName, int firstNode, int endNode) =>
        endNode - firstNode == 1
            ? $"node-{firstNode.ToString(CultureInfo.InvariantCulture)}_{clusterName}"
            : $"nodes-{firstNode.ToString(CultureInfo.InvariantCulture)}-{(endNode - 1).ToString(CultureInfo.InvariantCulture)}_{clusterName}";

    public static string LogGroupName(string experimentName) => experimentName;

    public static string MembershipTableName(string experimentName) => experimentName + "_membership";

    /// <summary>The S3 folder the coordinator uploads an experiment's results to (ends with '/').</summary>
    public static string ResultsPrefix(string nodeType, double? errorBound) =>
        errorBound is { } e
            ? $"max_error_vs_comm_{nodeType}_aws/error_bound_{PythonFloat(e)}/"
            : $"max_error_vs_comm_centralization_{nodeType}_aws/";

    public static string CompletionMarkerKey(string resultsPrefix) =>
        resultsPrefix + CoordinatorResultsFolder + "/" + CompletionMarkerFile;

    public static string ErrorMarkerKey(string resultsPrefix) => resultsPrefix + CoordinatorResultsFolder + "/" + ErrorMarkerFile;

    /// <summary>One group per experiment and region: its rules name that experiment's silo addresses only.</summary>
    public static string SecurityGroupName(string runId, string experimentName) => $"automon-silos_{runId}_{experimentName}";

    /// <summary>A run id from the workload and the start time, e.g. <c>quadratic-20250601-101500</c>.</summary>
    public static string NewRunId(string nodeType, DateTimeOffset utcNow) =>
        nodeType.Replace('_', '-') + "-" + utcNow.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>Whether a name could be one of our experiments (or their clusters): cleanup only looks up tags of those.</summary>
    public static bool LooksLikeExperimentResource(string name) => ExperimentResourcePattern().IsMatch(name);

    /// <summary>Whether a task definition family could be one of ours.</summary>
    public static bool LooksLikeFamily(string family) => FamilyPattern().IsMatch(family);

    public static void ValidateRegion(string region)
    {
        if (!IsRegion(region))
        {
            throw new ArgumentException($"'{region}' is not an AWS region name (like us-east-2).", nameof(region));
        }
    }

    /// <summary>Whether <paramref name="name"/> is an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'.</summary>
    public static bool IsBucketName(string name) => !string.IsNullOrEmpty(name) && BucketPattern().IsMatch(name);

    /// <summary>Whether <paramref name="region"/> has the form of an AWS region name (like us-east-2).</summary>
    public static bool IsRegion(string region) => !string.IsNullOrEmpty(region) && RegionPattern().IsMatch(region);

    /// <summary>Whether <paramref name="text"/> has the form of a run id.</summary>
    public static bool IsRunId(string text) => !string.IsNullOrEmpty(text) && RunIdPattern().IsMatch(text);

    public static void ValidateRunId(string runId)
    {
        if (!IsRunId(runId))
        {
            throw new ArgumentException(
                $"run id '{runId}' must be 1-64 characters of lower-case letters, digits and '-', starting with a letter or digit.",
                nameof(runId));
        }
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex RunIdPattern();

    [GeneratedRegex("^[a-z0-9-]+_[a-z0-9e+-]+(_[a-z]{2}(-[a-z]+)+-[0-9])?(_membership)?$")]
    private static partial Regex ExperimentResourcePattern();

    [GeneratedRegex("^(coordinator|coordinator-standby|node-[0-9]+|nodes-[0-9]+-[0-9]+)_[a-z0-9-]+_[a-z0-9e+-]+_[a-z]{2}(-[a-z]+)+-[0-9]$")]
    private static partial Regex FamilyPattern();
}
