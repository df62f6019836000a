using System.Text.Json;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Commands;
using AutoMon.Protocol;

namespace AutoMon.Launcher.Tests.Experiments;

/// <summary>
/// Issue 14 part 2: --protocol gm|cb|rlv runs the paper's competitors on the simulation engine and in simulate, beside
/// AutoMon in a sweep's table, results and figures; a function the protocol has no safe zone for, and every engine or
/// target that runs silos, are refused in one line.
/// </summary>
public sealed class CompetitorProtocolTests
{
    [Fact]
    public void Protocol_is_one_run_setting_read_from_the_command_line_and_AutoMon_by_default()
    {
        var run = ExperimentCommand.Parse("--node-type", "variance", "--protocol", "gm").Run;

        Assert.Equal(MonitoringProtocol.Gm, run.Protocol);
        Assert.Contains("gm", RunSettings.ToArguments(run with { Function = "variance" }));
        Assert.Equal(MonitoringProtocol.AutoMon, RunDefinition.Defaults.Protocol);
        Assert.DoesNotContain("--protocol", RunSettings.ToArguments(RunDefinition.Defaults with { Function = "variance" }));
    }

    [Theory]
    [InlineData("gm", "inner_product", "--protocol gm supports entropy, variance; got inner_product")]
    [InlineData("cb", "quadratic", "--protocol cb supports inner_product, cosine_similarity; got quadratic")]
    public async Task A_function_the_protocol_has_no_safe_zone_for_is_refused_in_one_line_naming_the_supported_ones(
        string protocol, string function, string message)
    {
        var output = Path.Combine(Path.GetTempPath(), "automon-refused-" + protocol);

        var line = await LauncherRun.FailsWithOneLine("simulate", "--function", function, "--protocol", protocol, "--output", output);

        Assert.False(Directory.Exists(output));

        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--engine", "grains" }, "the grains engine runs AutoMon")]
    [InlineData(new[] { "--target", "aws", "--aws-endpoint", "http://127.0.0.1:1/" }, "AWS runs run AutoMon on silos")]
    public async Task The_launcher_refuses_a_competitor_where_silos_run_in_one_line_naming_the_option(string[] where, string why)
    {
        var line = await LauncherRun.FailsWithOneLine(["--node-type", "variance", "--error-bound", "0.5", "--protocol", "gm", .. where]);

        Assert.Contains("--protocol gm runs on --engine simulation", line, StringComparison.Ordinal);
        Assert.Contains(why, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_runs_GM_on_variance_within_the_bound_and_records_the_protocol()
    {
        var output = Directory.CreateTempSubdirectory("automon-gm-").FullName;
        try
        {
            await LauncherRun.Succeeds("simulate", "--function", "variance", "--error-bound", "0.5", "--protocol", "gm", "--output", output);

            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            var root = summary.RootElement;
            Assert.Equal("gm", root.GetProperty("config").GetProperty("protocol").GetString());
            Assert.True(root.GetProperty("max_error").GetDouble() <= 0.5);
            Assert.Equal(0, root.GetProperty("missed_violations").GetInt64());
            Assert.Equal("none", root.GetProperty("adcd").GetString());
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task Simulate_runs_RLV_without_slack_and_eagerly_and_says_so()
    {
        var output = Directory.CreateTempSubdirectory("automon-rlv-").FullName;
        try
        {
            var printed = await LauncherRun.Succeeds("simulate", "--function", "quadratic", "--error-bound", "0.5", "--protocol", "rlv",
                "--slack", "drift", "--sync", "lazy-lru", "--output", output);

            Assert.Contains("none/eager", printed, StringComparison.Ordinal);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            var config = summary.RootElement.GetProperty("config");
            Assert.Equal(("none", "eager"), (config.GetProperty("slack").GetString(), config.GetProperty("sync").GetString()));
            Assert.Equal(0, summary.RootElement.GetProperty("lazy_syncs").GetInt64());
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task A_CB_sweep_puts_each_CB_run_beside_AutoMons_in_the_table_results_and_figures()
    {
        var output = Directory.CreateTempSubdirectory("automon-cb-").FullName;
        try
        {
            var printed = await LauncherRun.Succeeds("--engine", "simulation", "--node-type", "inner_product", "--iterations", "120",
                "--error-bounds", "0.3,0.8", "--protocol", "cb", "--output", output);

            var rows = LauncherRun.ReadCsv(Path.Combine(output, "results.csv"));
            Assert.Equal(["error_bound_0.3", "error_bound_0.3_cb", "error_bound_0.8", "error_bound_0.8_cb"], rows.Select(r => r["folder"]));
            Assert.Equal(["automon", "cb", "automon", "cb"], rows.Select(r => r["protocol"]));
            Assert.Contains("CB", printed, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output, "max_error_vs_messages.png")));
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.3_cb", "summary.json")));
            Assert.Equal("cb", summary.RootElement.GetProperty("config").GetProperty("protocol").GetString());
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
