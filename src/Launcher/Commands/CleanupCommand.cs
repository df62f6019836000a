using System.CommandLine;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon cleanup</c>: removes what <c>--target aws</c> created (resources carrying the launcher's run tag): tasks,
/// instances, clusters, task definitions, log groups, membership tables, security groups; says what it removed and exits
/// non-zero when anything could not be removed (it may still be costing money).
/// </summary>
internal static class CleanupCommand
{
    public static Command Create()
    {
        var runId = new Option<string?>("--run-id") { Description = "Remove only this run's resources (printed when it started); default: every run's." };
        var deleteBucket = new Option<bool>("--delete-results-bucket") { Description = "Also empty and delete the results bucket (default: results are kept)." };
        var credentialsCsv = new Option<string?>("--credentials-csv") { Description = "IAM access-key file (new_user_credentials.csv); default: the standard AWS credential chain." };
        var awsEndpoint = new Option<string?>("--aws-endpoint") { Description = "Send every AWS call to this endpoint (e.g. a moto server)." };
        var command = new Command("cleanup", "Remove everything `--target aws` created (tagged): tasks, instances, clusters, task definitions, log groups, tables.")
        {
            runId, deleteBucket, credentialsCsv, awsEndpoint,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            return AwsTarget.GuardAsync(error, cancellationToken, async () =>
            {
                var request = new AwsCleanupRequest
                {
                    RunId = parseResult.GetValue(runId),
                    DeleteResultsBucket = parseResult.GetValue(deleteBucket),
                };
                if (request.RunId is { } id)
                {
                    AwsNaming.ValidateRunId(id);
                }

                using var session = AwsSession.Open(AwsTarget.Connection(parseResult.GetValue(awsEndpoint), parseResult.GetValue(credentialsCsv)));
                var report = await new AwsExperimentProvisioner(session, output).CleanupAsync(request, cancellationToken).ConfigureAwait(false);
                output.Write(report.Describe());
                if (!report.Succeeded)
                {
                    error.WriteLine($"error: cleanup could not remove {report.Failures.Count} resource(s); see above, and check the AWS console: they may still cost money.");
                    return 1;
                }

                return 0;
            });
        });
        return command;
    }
}
