using System.Globalization;
using System.Text.Json;
using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

/// <summary>
/// A paced run on a local cluster goes on after a <c>kill -9</c> of a silo: the node grains that died rejoin where the
/// others are and the protocol restarts with one full sync; a coordinator silo's loss costs no counts (the coordinator
/// continues, on the standby, from its stored state). Every node takes all its data, the bound holds again at every
/// settled checkpoint after the restart, and summary.json says for how long it was not guaranteed.
/// </summary>
[Collection(LocalClusterCollection.Name)]
public sealed class PacedSiloFaultTests : IDisposable
{
    private const int Iterations = 420;
    private const int FaultRound = 120;
    private const double ErrorBound = 0.3;
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-paced-faults-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("node-1", false)]
    [InlineData("coordinator", true)]
    public async Task A_paced_run_restarts_after_a_killed_silo_and_takes_all_its_data(string silo, bool standby)
    {
        var output = await Succeeds(["--node-type", "inner_product", "--error-bounds", ErrorBound.ToString(CultureInfo.InvariantCulture),
            "--iterations", Iterations.ToString(CultureInfo.InvariantCulture), "--pacing", "paced", "--round-interval", "20ms",
            "--silos", "3", "--failure-detection", "fast", .. standby ? ["--coordinator-standby"] : Array.Empty<string>(),
            "--inject-fault", $"{silo}@{FaultRound}", "--output", _directory]);

        Assert.Contains($"lost silo {silo} at round", output, StringComparison.Ordinal);
        Assert.Contains("no guarantee for", output, StringComparison.Ordinal);
        var folder = Path.Combine(_directory, ReadCsv(Path.Combine(_directory, "results.csv")).Single()["folder"]);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var root = summary.RootElement;
        var fault = Assert.Single(root.GetProperty("faults").EnumerateArray());
        Assert.Equal(silo, fault.GetProperty("silo").GetString());
        var lostAt = fault.GetProperty("round").GetInt32();
        Assert.InRange(lostAt, FaultRound, Iterations);
        Assert.True(fault.GetProperty("detection_seconds").GetDouble() > 0);
        Assert.True(fault.GetProperty("unguarded_seconds").GetDouble() >= fault.GetProperty("detection_seconds").GetDouble());
        Assert.True(fault.GetProperty("unguarded_rounds").GetInt32() >= 0);

        // Every node took every one of its rows (10 nodes, 400 monitored rows each, plus round 0's check).
        Assert.True(root.GetProperty("data_updates").GetInt64() >= 10 * (Iterations - 20 + 1), root.GetProperty("data_updates").ToString());
        Assert.Equal(1 + Iterations - 20, ReadCsv(Path.Combine(folder, "function_values.csv")).Count);

        // The restart's full sync reached every node: the first full sync after the loss that every node applied (syncs
        // during the outage reached only the survivors; a rejoined node's window may end in the round before theirs).
        var histories = Enumerable.Range(0, 10)
            .Select(i => ReadCsv(Path.Combine(folder, "nodes", $"node_{i}_sync_history.csv")).Where(r => r["kind"] == "sync").ToList())
            .ToList();
        static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
        var reachedAll = histories
            .Select(h => h.Select(r => Int(r["constraint_version"])).ToHashSet())
            .Aggregate((a, b) => [.. a.Intersect(b)])
            .Where(v => histories.Max(h => h.Where(r => Int(r["constraint_version"]) == v).Max(r => Int(r["round"]))) >= lostAt)
            .ToList();
        Assert.NotEmpty(reachedAll);
        var restartVersion = reachedAll.Min();

        // The last settled checkpoints, long after the restart, are within the bound again.
        var checkpoints = ReadCsv(Path.Combine(folder, "checkpoint_values.csv"));
        Assert.All(checkpoints.TakeLast(3), r => Assert.InRange(double.Parse(r["error"], CultureInfo.InvariantCulture), 0, ErrorBound));

        var versions = histories.SelectMany(h => h).Select(r => r["constraint_version"]).Distinct().Count();
        var fullSyncs = root.GetProperty("full_syncs").GetInt32();
        if (standby)
        {
            // The coordinator's counts survived its silo: its full syncs are those every node applied (one may have been in
            // flight, sent but not yet written, when the silo died).
            Assert.InRange(fullSyncs, versions - 1, versions);
        }
        else
        {
            // The rejoined nodes' histories start again at the restart; the survivors' hold every full sync.
            Assert.Contains(histories, h => Int(h[0]["constraint_version"]) == restartVersion && Int(h[0]["round"]) >= lostAt - 1);
            Assert.Equal(versions, fullSyncs);
        }
    }
}
