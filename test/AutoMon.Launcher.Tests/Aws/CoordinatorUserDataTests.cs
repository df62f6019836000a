using System.Diagnostics;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

public sealed class CoordinatorUserDataTests
{
    private static readonly AwsExperimentPlan Plan = new()
    {
        RunId = "run-1",
        NodeType = "dnn",
        ErrorBounds = [0.002],
        ExtraEnvironment = new Dictionary<string, string> { ["RUN_NOTE"] = "it's $HOME `x` \"q\"" },
    };

    private static string Script(string image = "123456789012.dkr.ecr.us-east-2.amazonaws.com/automon:latest") =>
        CoordinatorUserData.Build(Plan, Plan.Experiments[0], image, "coordinator_dnn_0-002_us-west-2");

    private static (int ExitCode, string Output) Bash(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    [Fact]
    public void User_data_is_a_bash_script_without_syntax_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"user-data-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, Script());
        try
        {
            var (exitCode, output) = Bash("-n", path);

            Assert.True(exitCode == 0, output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("it's $HOME `x` \"q\" \\n")]
    [InlineData("")]
    public void Quoted_values_reach_the_command_unchanged(string value)
    {
        var (_, output) = Bash("-c", "printf %s " + CoordinatorUserData.Quote(value));

        Assert.Equal(value, output);
    }

    [Fact]
    public void Values_with_shell_characters_are_passed_quoted()
    {
        Assert.Contains(" -e 'RUN_NOTE=it'\\''s $HOME `x` \"q\"' ", Script(), StringComparison.Ordinal);
    }

    [Fact]
    public void Coordinator_command_line_has_the_seeds_dnn_pace_and_the_experiment()
    {
        var script = Script();

        Assert.Contains("'--round-interval' '400ms'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("--lazy-sync-latency", script, StringComparison.Ordinal);
        Assert.Contains("'--cluster-id' 'dnn_0-002'", script, StringComparison.Ordinal);
        Assert.Contains("'--function' 'dnn'", script, StringComparison.Ordinal);
        Assert.Contains("'--nodes' '9'", script, StringComparison.Ordinal);
        Assert.Contains("'--max-run-time' '28800s'", script, StringComparison.Ordinal);
        Assert.Contains("timeout 28800 docker run", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_outside_ECR_are_pulled_without_an_ECR_login()
    {
        var script = Script("ghcr.io/someone/automon:1");

        Assert.DoesNotContain("ecr get-login-password", script, StringComparison.Ordinal);
        Assert.Contains("docker pull 'ghcr.io/someone/automon:1'", script, StringComparison.Ordinal);
    }
}
