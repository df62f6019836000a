namespace AutoMon.Launcher.Aws;

/// <summary>
/// Before a run creates anything: the IAM roles its tasks run as and the EC2 coordinator's instance profile must exist
/// (ops/README.md, one-time setup step 2). A missing one is named with the step that creates it, instead of surfacing as
/// a failed RunTask or RunInstances after half the run has been provisioned.
/// </summary>
internal sealed class AwsSetupPreflight(AwsSession session)
{
    private const string SetupStep = "ops/README.md, \"One-time setup\", step 2 \"The silos' roles\"";

    /// <summary>Throws <see cref="InvalidOperationException"/> naming every missing role and instance profile.</summary>
    public async Task CheckAsync(AwsExperimentPlan plan, AwsSiloRoles roles, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var (arn, what) in new[]
                 {
                     (roles.ExecutionRoleArn, "the Fargate tasks' execution role: pulls the image, writes the logs"),
                     (roles.TaskRoleArn, "the Fargate silos' task role: membership table, results upload"),
                 })
        {
            var name = AwsSiloRoles.RoleName(arn);
            if (!await ExistsAsync("GetRole", "RoleName", name, cancellationToken).ConfigureAwait(false))
            {
                missing.Add($"IAM role '{name}' ({what})");
            }
        }
        if (plan.CoordinatorHost == AwsCoordinatorHost.Ec2 && plan.CoordinatorInstanceProfile is { } profile &&
            !await ExistsAsync("GetInstanceProfile", "InstanceProfileName", profile, cancellationToken).ConfigureAwait(false))
        {
            missing.Add($"IAM instance profile '{profile}' (the EC2 coordinator's: image pull, logs, membership table, results upload)");
        }
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The run needs {string.Join(" and ", missing)}, which {(missing.Count == 1 ? "does" : "do")} not exist in this " +
                $"account. Create {(missing.Count == 1 ? "it" : "them")} once as {SetupStep} shows; nothing was created.");
        }
    }

    private async Task<bool> ExistsAsync(string action, string parameter, string name, CancellationToken cancellationToken)
    {
        try
        {
            await session.Iam().CallAsync(action, [new KeyValuePair<string, string>(parameter, name)], cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return false;
        }
        catch (AwsServiceException e) when (e.ErrorCode is "AccessDenied" or "AccessDeniedException")
        {
            throw new InvalidOperationException(
                $"Cannot check that '{name}' exists: the launcher's identity may not call iam:{action} (add the " +
                $"\"CheckSiloRolesExist\" statement of ops/iam-policy.json to its policy). {e.Message}", e);
        }
    }
}
