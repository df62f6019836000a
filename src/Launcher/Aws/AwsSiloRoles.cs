namespace AutoMon.Launcher.Aws;

/// <summary>
/// The image the silos run and the IAM roles they run as, for one account: the plan's, or the names ops/README.md's
/// one-time setup creates (<c>ecsTaskExecutionRole</c>, <c>AutoMonSiloTaskRole</c>; the EC2 coordinator's instance profile
/// is the plan's <see cref="AwsExperimentPlan.CoordinatorInstanceProfile"/>).
/// </summary>
internal sealed record AwsSiloRoles(string Image, string ExecutionRoleArn, string TaskRoleArn)
{
    public const string DefaultExecutionRole = "ecsTaskExecutionRole";
    public const string DefaultTaskRole = "AutoMonSiloTaskRole";

    public static AwsSiloRoles Resolve(AwsExperimentPlan plan, string account) => new(
        plan.ContainerImage ?? $"{account}.dkr.ecr.{plan.NodesRegion}.amazonaws.com/automon:latest",
        plan.TaskExecutionRoleArn ?? $"arn:aws:iam::{account}:role/{DefaultExecutionRole}",
        plan.TaskRoleArn ?? $"arn:aws:iam::{account}:role/{DefaultTaskRole}");

    /// <summary>The role name of a role ARN (<c>arn:aws:iam::1:role/path/Name</c> → <c>Name</c>).</summary>
    public static string RoleName(string roleArn) => roleArn[(roleArn.LastIndexOf('/') + 1)..];
}
