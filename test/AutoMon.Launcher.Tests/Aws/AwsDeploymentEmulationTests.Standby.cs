using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using AutoMon.Launcher.Aws;
using AutoMon.Launcher.Experiments;
using AutoMon.Silos.Local;
using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// <c>--coordinator-standby</c> on the emulated deployment: the active coordinator task is killed (<c>kill -9</c>) mid-run;
/// the standby task sees the membership declare it dead without results in S3, replays the lockstep run on fresh grains
/// and uploads the fault-free run's results with the fault in summary.json. Without a kill, the standby stands down.
/// </summary>
public sealed partial class AwsDeploymentEmulationTests
{
    // Long enough (at these sync latencies) that the kill lands mid-run; the simulation of the same run is the fault-free reference.
    private const int StandbyIterations = 400;

    private string[] StandbyExperiment => [
        "--node-type", "inner_product", "--target", "aws", "--error-bound", "0.3", "--nodes", "2", "--iterations", StandbyIterations.ToString(CultureInfo.InvariantCulture),
        "--pacing", "lockstep", "--lazy-sync-latency", "20ms", "--full-sync-latency", "40ms", "--coordinator-instance-type", "fargate", "--coordinator-standby",
        "--aws-endpoint", Endpoint, "--credentials-csv", CredentialsCsv];

    [Fact]
    public async Task A_killed_coordinator_task_leaves_the_standby_to_finish_the_lockstep_run_exactly()
    {
        var (active, standby, nodes) = await StartStandbyDeploymentAsync();

        // Kill -9 the active coordinator once its run is under way.
        var started = Stopwatch.StartNew();
        while (!ReadLog(active.Name).Contains("AutoMon experiment inner-product_0-3: inner_product, 2 nodes, Lockstep", StringComparison.Ordinal))
        {
            Assert.False(active.HasExited, active.Describe("exited before its run started"));
            Assert.True(started.Elapsed < TimeSpan.FromMinutes(3), active.Describe("did not start its run"));
            await Task.Delay(50);
        }

        await Task.Delay(300);
        Assert.False(ReadLog(active.Name).Contains("summary.json", StringComparison.Ordinal), "the run finished before the kill; make it longer");
        active.Kill();

        Assert.True(await ExitsAsync(standby, TimeSpan.FromMinutes(4)), standby.Describe("did not finish"));
        Assert.True(standby.ExitCode == 0, standby.Describe("failed"));
        var standbyLog = ReadLog(standby.Name);
        Assert.Contains("without results; taking over experiment inner-product_0-3", standbyLog, StringComparison.Ordinal);
        foreach (var node in nodes)
        {
            Assert.True(await ExitsAsync(node, TimeSpan.FromMinutes(2)), node.Describe("kept running after the coordinators left"));
        }

        // --block downloads what the standby uploaded; the simulation of the same run is the fault-free run (lockstep equals it).
        var results = Path.Combine(_folder, "results");
        await Succeeds([.. StandbyExperiment, "--block", "--output", results]);
        var reference = Path.Combine(_folder, "simulation");
        await Succeeds("--node-type", "inner_product", "--error-bounds", "0.3", "--nodes", "2", "--iterations", StandbyIterations.ToString(CultureInfo.InvariantCulture),
            "--engine", "simulation", "--parallel", "1", "--output", reference);
        var expected = ReadCsv(Path.Combine(reference, ExperimentSweep.ResultsCsv)).Single();
        var actual = ReadCsv(Path.Combine(results, ExperimentSweep.ResultsCsv)).Single();
        foreach (var column in new[] { "max_error", "messages", "payload_bytes", "rounds", "full_syncs", "lazy_syncs" })
        {
            Assert.True(expected[column] == actual[column], $"{column}: simulation {expected[column]}, standby {actual[column]}");
        }

        var summaryPath = Directory.GetFiles(results, "summary.json", SearchOption.AllDirectories).Single();
        var coordinatorFolder = Path.GetDirectoryName(summaryPath)!;
        foreach (var file in new[] { "sync_history.csv", "function_values.csv" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(reference, expected["folder"], file)), File.ReadAllText(Path.Combine(coordinatorFolder, file)));
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        Assert.Equal("lockstep", summary.RootElement.GetProperty("pacing").GetString());
        var fault = Assert.Single(summary.RootElement.GetProperty("faults").EnumerateArray());
        Assert.Equal("coordinator", fault.GetProperty("silo").GetString());
        Assert.Equal(JsonValueKind.Null, fault.GetProperty("round").ValueKind);
        Assert.InRange(fault.GetProperty("detection_seconds").GetDouble(), 0.1, 60);
        Assert.True(fault.GetProperty("recovery_seconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Without_a_kill_the_standby_stands_down_once_the_active_coordinator_uploaded_its_results()
    {
        var (active, standby, nodes) = await StartStandbyDeploymentAsync();

        Assert.True(await ExitsAsync(active, TimeSpan.FromMinutes(4)), active.Describe("did not finish"));
        Assert.True(active.ExitCode == 0, active.Describe("failed"));
        Assert.True(await ExitsAsync(standby, TimeSpan.FromMinutes(2)), standby.Describe("kept running after the active coordinator finished"));
        Assert.True(standby.ExitCode == 0, standby.Describe("failed"));
        Assert.Contains("summary.json is there; standing down", ReadLog(standby.Name), StringComparison.Ordinal);
        Assert.DoesNotContain("taking over", ReadLog(standby.Name), StringComparison.Ordinal);
        foreach (var node in nodes)
        {
            Assert.True(await ExitsAsync(node, TimeSpan.FromMinutes(2)), node.Describe("kept running after the coordinators left"));
        }

        var results = Path.Combine(_folder, "results");
        await Succeeds([.. StandbyExperiment, "--block", "--output", results]);
        using var summary = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(results, "summary.json", SearchOption.AllDirectories).Single()));
        Assert.False(summary.RootElement.TryGetProperty("faults", out _));
    }

    /// <summary>Provisions the standby run and starts its silos as ECS would: the node silos, the active coordinator, its standby.</summary>
    private async Task<(ChildProcess Active, ChildProcess Standby, IReadOnlyList<ChildProcess> Nodes)> StartStandbyDeploymentAsync()
    {
        using var session = AwsSession.Create(new AwsConnectionOptions { Endpoint = _aws.ServiceUrl }, new BasicAWSCredentials("testing", "testing"));
        var provisioned = await ProvisionsAsync(session, StandbyExperiment);
        Assert.Contains("started 2 node task(s) and the coordinator and its standby", provisioned, StringComparison.Ordinal);
        Assert.Contains("silo ports open to its 4 silo address(es) only", provisioned, StringComparison.Ordinal);

        var coordinators = (await MotoAws.ActiveTaskDefinitionsAsync(session, MotoAws.CoordinatorRegion)).ToDictionary(d => d.TaskDefinition.Family, StringComparer.Ordinal);
        Assert.Equal(2, coordinators.Count);
        var nodes = (await MotoAws.ActiveTaskDefinitionsAsync(session, MotoAws.NodesRegion)).Select(d => StartSilo(d.TaskDefinition, "node")).ToList();
        _silos.AddRange(nodes);
        var active = StartSilo(coordinators[AwsNaming.CoordinatorFamily("inner-product_0-3_us-west-2")].TaskDefinition, "coordinator");
        _silos.Add(active);
        var standby = StartSilo(coordinators[AwsNaming.StandbyCoordinatorFamily("inner-product_0-3_us-west-2")].TaskDefinition, "coordinator");
        _silos.Add(standby);
        return (active, standby, nodes);
    }
}
