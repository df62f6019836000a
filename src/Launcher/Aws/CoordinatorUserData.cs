using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// The EC2 coordinator's user data: a shell script cloud-init runs once at boot. It installs Docker if missing, logs in to
/// ECR when the image lives there, runs the silo image with the coordinator's environment (host networking, so the silo
/// and gateway ports are the instance's; logs to CloudWatch), and powers the instance off when the silo exits or
/// <see cref="AwsExperimentPlan.MaxRunTime"/> passes. The instance is launched with shutdown behaviour "terminate", so
/// powering off terminates it: no dangling instance even if nobody runs cleanup. The seed did the same over SSH.
/// </summary>
public static partial class CoordinatorUserData
{
    /// <summary>The script of the coordinator's instance, or with <paramref name="standby"/> its standby's (<c>--coordinator-standby</c>).</summary>
    public static string Build(AwsExperimentPlan plan, AwsExperiment experiment, string image, string streamName, bool standby = false)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentException.ThrowIfNullOrEmpty(image);
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n");
        script.Append(standby ? "# AutoMon standby coordinator silo: run " : "# AutoMon coordinator silo: run ").Append(plan.RunId).Append(", experiment ").Append(experiment.Name)
            .Append('\n');
        script.Append("# Powers off (and so terminates: InstanceInitiatedShutdownBehavior=terminate) when the silo exits.\n");
        script.Append("set -uo pipefail\n");
        script.Append("exec > >(tee -a /var/log/automon-coordinator.log) 2>&1\n");
        script.Append("trap 'shutdown -h now' EXIT\n");
        script.Append("if ! command -v docker >/dev/null 2>&1; then\n");
        script.Append("  if command -v dnf >/dev/null 2>&1; then dnf install -y docker; else yum install -y docker; fi\n");
        script.Append("fi\n");
        script.Append("systemctl start docker\n");
        if (EcrImage().Match(image) is { Success: true } ecr)
        {
            var registry = ecr.Groups["registry"].Value;
            var region = ecr.Groups["region"].Value;
            script.Append("aws ecr get-login-password --region ").Append(region)
                .Append(" | docker login --username AWS --password-stdin ").Append(Quote(registry)).Append('\n');
        }
        script.Append("docker pull ").Append(Quote(image)).Append('\n');
        // IMDSv2 (tokens required at launch): the public address the silo advertises to the nodes in the other region.
        script.Append("TOKEN=$(curl -s -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')\n");
        script.Append("PUBLIC_IP=$(curl -s -H \"X-aws-ec2-metadata-token: $TOKEN\" http://169.254.169.254/latest/meta-data/public-ipv4)\n");
        var seconds = ((long)plan.MaxRunTime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        script.Append("timeout ").Append(seconds).Append(" docker run --rm --network host \\\n");
        script.Append("  --log-driver=awslogs --log-opt awslogs-region=").Append(plan.EffectiveLogsRegion)
            .Append(" --log-opt awslogs-group=").Append(Quote(experiment.LogGroup))
            .Append(" --log-opt awslogs-stream=").Append(Quote(streamName)).Append(" \\\n");
        script.Append("  -e ").Append(SiloEnvironment.AdvertisedAddress).Append("=\"$PUBLIC_IP\" \\\n");
        foreach (var (name, value) in SiloEnvironment.Environment(plan))
        {
            script.Append("  -e ").Append(Quote(name + "=" + value)).Append(" \\\n");
        }
        script.Append("  ").Append(Quote(image));
        var arguments = standby
            ? SiloEnvironment.StandbyCoordinatorArguments(plan, experiment, plan.CoordinatorRegion)
            : SiloEnvironment.CoordinatorArguments(plan, experiment, plan.CoordinatorRegion);
        foreach (var argument in arguments)
        {
            script.Append(' ').Append(Quote(argument));
        }
        script.Append('\n');
        script.Append("echo \"silo exited with status $?\"\n");
        return script.ToString();
    }

    /// <summary>Single-quoted for bash: nothing inside is expanded; a quote becomes '\''.</summary>
    internal static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^(?<registry>[0-9]{12}\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com)/")]
    private static partial Regex EcrImage();
}
