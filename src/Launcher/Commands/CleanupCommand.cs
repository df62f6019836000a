using System.CommandLine;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon cleanup</c>: removes what <c>--target aws</c> created (resources carrying the launcher's run tag): tasks,
/// instances, clusters, task definitions, log groups, membership tables, security groups; says what it removed and exits
/// non-zero when anything could not be removed (it may still be costing money). Without <c>--run-id</c> it removes every
/// run's resources, so it asks first (or takes <c>--yes</c>); <c>--dry-run</c> only lists what it would remove.
/// </summary>
internal static class CleanupCommand
{
    public static Command Create(UserInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var runId = new Option<string?>("--run-id") { Description = "Remove only this run's resources (printed when it started); default: every run's, after a confirmation." };
        var yes = new Option<bool>("--yes") { Description = "Remove every run's resources without asking (cleanup without --run-id asks first, and refuses when it cannot ask)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list what would be removed; remove nothing." };
        var deleteBucket = new Option<bool>("--delete-results-bucket") { Description = "Also empty and delete the results bucket (default: results are kept)." };
        var credentialsCsv = new Option<string?>("--credentials-csv") { Description = "IAM access-key file (new_user_credentials.csv); default: the standard AWS credential chain." };
        var awsEndpoint = new Option<string?>("--aws-endpoint") { Description = "Send every AWS call to this endpoint (e.g. a moto server)." };
        var location = new AwsLocationOptions();
        var command = new Command("cleanup", "Remove everything `--target aws` created (tagged): tasks, instances, clusters, task definitions, log groups, tables.")
        {
            runId, yes, dryRun, deleteBucket, credentialsCsv, awsEndpoint, location.ResultsBucket, location.NodeRegion, location.CoordinatorRegion,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return AwsTarget.GuardAsync(error, cancellationToken, async () =>
            {
                var where = location.Read(parseResult);
                where.Validate();
                var request = where.Place(new AwsCleanupRequest
                {
                    RunId = parseResult.GetValue(runId),
                    DeleteResultsBucket = parseResult.GetValue(deleteBucket),
                    DryRun = parseResult.GetValue(dryRun),
                });
                if (request.RunId is { } id)
                {
                    AwsNaming.ValidateRunId(id);
                }

                var mustConfirm = request.RunId is null && !request.DryRun && !parseResult.GetValue(yes);
                if (mustConfirm && !input.IsTerminal)
                {
                    error.WriteLine("error: cleanup without --run-id removes the resources of every AutoMon run, and standard input is not a terminal to ask on: " +
                                    "pass --yes to confirm, --run-id <id> for one run, or --dry-run to list what it would remove.");
                    return 1;
                }

                using var session = AwsSession.Open(AwsTarget.Connection(parseResult.GetValue(awsEndpoint), parseResult.GetValue(credentialsCsv)));
                var cleanup = new AwsCleanup(session, output);
                if (mustConfirm)
                {
                    // Show what would go, then ask.
                    var preview = await cleanup.CleanupAsync(request with { DryRun = true }, cancellationToken).ConfigureAwait(false);
                    if (preview.Removed.Count == 0)
                    {
                        return 0;
                    }

                    if (!input.Confirm(output, $"Remove these {preview.Removed.Count} resource(s) of every AutoMon run?"))
                    {
                        output.WriteLine("Nothing was removed.");
                        return 1;
                    }
                }

                var report = await cleanup.CleanupAsync(request, cancellationToken).ConfigureAwait(false);
                if (!report.Succeeded)
                {
                    error.WriteLine($"error: cleanup could not remove {report.Failures.Count} resource(s); see above, and check the AWS console: they may still cost money.");
                    return 1;
                }

                if (report.DryRun)
                {
                    output.WriteLine("Dry run: nothing was removed.");
                }

                return 0;
            });
        });
        return command;
    }
}
