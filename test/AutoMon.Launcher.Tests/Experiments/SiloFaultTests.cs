using System.Text.Json;
using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

/// <summary>
/// A lockstep run on a local cluster survives a <c>kill -9</c> of any one silo (<c>--inject-fault</c> kills it while grain
/// calls are in flight): it replays on the silos left and ends with the fault-free run's results exactly; summary.json
/// records the fault.
/// </summary>
[Collection(LocalClusterCollection.Name)]
public sealed class SiloFaultTests : IDisposable
{
    private const int FaultRound = 300;
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-faults-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly string[] Sweep = ["--node-type", "inner_product", "--error-bounds", "0.3", "--parallel", "1"];

    [Theory]
    [InlineData("localhost", "node-1", false)]
    [InlineData("dynamodb", "node-2", false)]
    [InlineData("dynamodb", "coordinator", true)]
    [InlineData("dynamodb", "coordinator", false)]
    public async Task A_killed_silo_leaves_the_results_of_the_fault_free_run(string membership, string silo, bool standby)
    {
        var faulted = Path.Combine(_directory, "faulted");
        var reference = Path.Combine(_directory, "simulation");

        var output = await Succeeds([.. Sweep, "--silos", "3", "--failure-detection", "fast", "--membership", membership, .. standby ? ["--coordinator-standby"] : Array.Empty<string>(),
            "--inject-fault", $"{silo}@{FaultRound}", "--output", faulted]);
        // The grains' lockstep run equals the simulation exactly (LocalClusterTests): the simulation stands in for the fault-free run.
        await Succeeds([.. Sweep, "--engine", "simulation", "--output", reference]);

        Assert.Contains($"lost silo {silo} at round", output, StringComparison.Ordinal);
        var expected = ReadCsv(Path.Combine(reference, "results.csv")).Single();
        var actual = ReadCsv(Path.Combine(faulted, "results.csv")).Single();
        foreach (var column in new[] { "max_error", "messages", "payload_bytes", "rounds", "full_syncs", "lazy_syncs" })
        {
            Assert.Equal(expected[column], actual[column]);
        }

        var folder = actual["folder"];
        foreach (var file in new[] { "function_values.csv", "sync_history.csv" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(reference, folder, file)), File.ReadAllText(Path.Combine(faulted, folder, file)));
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(faulted, folder, "summary.json")));
        var fault = Assert.Single(summary.RootElement.GetProperty("faults").EnumerateArray());
        Assert.Equal(silo, fault.GetProperty("silo").GetString());
        Assert.InRange(fault.GetProperty("round").GetInt32(), FaultRound, 1020);
        Assert.True(fault.GetProperty("detection_seconds").GetDouble() > 0);
        Assert.True(fault.GetProperty("recovery_seconds").GetDouble() > 0);
    }

    [Fact]
    public async Task With_localhost_membership_a_killed_coordinator_silo_is_a_clear_error_not_a_hang()
    {
        var (exitCode, _, error) = await LauncherRun.Run([.. Sweep, "--silos", "2", "--failure-detection", "fast", "--membership", "localhost", "--inject-fault", $"coordinator@{FaultRound}",
            "--output", Path.Combine(_directory, "lost")]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("held the cluster's membership", error, StringComparison.Ordinal);
        Assert.Contains("--coordinator-standby", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--silos", "3", "--inject-fault", "node-7@10" }, "--inject-fault names silo 'node-7'; this cluster's silos are coordinator, node-1, node-2")]
    [InlineData(new[] { "--silos", "3", "--inject-fault", "node-1" }, "--inject-fault 'node-1' is not SILO@ROUND")]
    [InlineData(new[] { "--inject-fault", "node-1@10" }, "--inject-fault applies to a local cluster")]
    [InlineData(new[] { "--coordinator-standby" }, "--coordinator-standby applies to a local cluster")]
    public async Task Fault_options_that_do_not_fit_are_refused_before_anything_starts(string[] options, string expected)
    {
        var line = await FailsWithOneLine(["--node-type", "inner_product", "--output", Path.Combine(_directory, "refused"), .. options]);

        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
