using System.Diagnostics;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using Xunit.Abstractions;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>Paced experiments (every node on its own timer) and the emulated WAN between the coordinator and the nodes.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PacedTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Paced_nodes_on_their_own_timers_keep_the_error_bound_at_every_settled_checkpoint()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 4, iterations: 50, errorBound: 0.1);
        config = config with { Pacing = Pacing.Paced, RoundInterval = TimeSpan.FromMilliseconds(15) };
        var driver = new ExperimentDriver(fixture.Client, new ExperimentDriverOptions { CheckpointInterval = TimeSpan.FromMilliseconds(150) });

        var result = await driver.RunAsync(NewId("paced"), config, data);

        var checkpoints = Assert.IsType<PacedRecord>(result.Paced).Checkpoints;
        output.WriteLine(string.Join("\n", checkpoints.Select(r => $"checkpoint {r.Round}: f(x̄)={r.TrueValue:F5} f(x0)={r.Estimate:F5} error={r.Error:F5}")));
        Assert.True(checkpoints.Count >= 3, $"{checkpoints.Count} checkpoints");
        Assert.All(checkpoints, r => Assert.True(r.Error <= config.ErrorBound + 1e-12, $"checkpoint {r.Round}: error {r.Error}"));
        var simulated = Simulate(config, data);
        Assert.True(result.Summary.DataUpdates >= simulated.DataUpdates, "every data point is checked (and the current vector again after a sync that came late)");
        Assert.True(result.Statistics.TotalViolationMessages > 0 && result.Statistics.SyncMessages > config.NodeCount, "syncs happened after round 0");
        output.WriteLine($"paced messages {result.Statistics.TotalMessagesBroadcastDisabled}, simulation {simulated.Statistics.TotalMessagesBroadcastDisabled}");
    }

    /// <summary>
    /// The paper's AWS measure (reference <c>plot_aws_stats</c>): f(x̄_r) on every data round; the estimate in force is
    /// f(x̄) at the round the last full sync reached the nodes; max_error is the largest error over those rounds.
    /// </summary>
    [Fact]
    public async Task A_paced_runs_max_error_is_the_largest_error_over_every_data_round_from_the_nodes_sync_histories()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 4, iterations: 40, errorBound: 0.05);
        config = config with { Pacing = Pacing.Paced, RoundInterval = TimeSpan.FromMilliseconds(10) };

        var result = await new ExperimentDriver(fixture.Client).RunAsync(NewId("paced-rounds"), config, data);

        // As many rounds as the data makes, each with the data's true value (the lockstep simulation's, round for round).
        var simulated = Simulate(config with { Pacing = Pacing.Lockstep }, data).Statistics.Rounds;
        var rounds = result.Statistics.Rounds;
        Assert.Equal(simulated.Count, rounds.Count);
        Assert.Equal(simulated.Select(r => r.TrueValue), rounds.Select(r => r.TrueValue));

        // Every node recorded where it was when each sync reached it, the round-0 sync first.
        var paced = Assert.IsType<PacedRecord>(result.Paced);
        Assert.Equal(config.NodeCount, paced.NodeSyncHistories.Count);
        Assert.All(paced.NodeSyncHistories, history => Assert.True(history[0].Full && paced.RoundOf(history[0]) == 0, "the first full sync is round 0's"));
        var fullSyncs = paced.NodeSyncHistories.Max(h => h.Count(r => r.Full));
        Assert.True(fullSyncs > 1, "full syncs after round 0");

        // The estimate in force at round r: f(x̄) at the earliest round a node applied the last full sync up to r.
        var syncRounds = paced.NodeSyncHistories.SelectMany(h => h.Where(r => r.Full))
            .GroupBy(r => r.ConstraintVersion).OrderBy(g => g.Key).Select(g => g.Min(paced.RoundOf)).ToList();
        for (var r = 0; r < rounds.Count; r++)
        {
            var from = syncRounds.Where((_, k) => syncRounds.Take(k + 1).All(s => s <= r)).Last();
            Assert.Equal(simulated[from].TrueValue, rounds[r].Estimate);
            Assert.Equal(Math.Abs(simulated[from].TrueValue - simulated[r].TrueValue), rounds[r].Error);
        }

        Assert.Equal(rounds.Skip(1).Max(r => r.Error), result.Summary.MaxError);
    }

    [Fact]
    public async Task Wan_latency_delays_every_coordinator_node_message_and_leaves_lockstep_results_unchanged()
    {
        var (config, data) = InnerProduct(SyncType.Eager, nodes: 4, iterations: 20);
        var latency = TimeSpan.FromMilliseconds(40);
        var driver = new ExperimentDriver(fixture.Client);

        var clock = Stopwatch.StartNew();
        var run = await driver.StartLockstepAsync(NewId("wan"), config with { WanLatency = latency }, data);
        var roundZero = clock.Elapsed;
        await run.RunRoundsAsync(int.MaxValue);
        var result = await run.ResultAsync();

        // Round 0 is one exchange (every node reported; Sync to all): a request and a response each cross the WAN once.
        Assert.True(roundZero >= 2 * latency, $"round 0 took {roundZero.TotalMilliseconds} ms");
        var exchanges = result.Statistics.SyncBroadcastMessages + result.Statistics.GetLocalVectorBroadcastMessages;
        Assert.True(result.Summary.WallSeconds >= exchanges * 2 * latency.TotalSeconds * 0.95,
            $"{exchanges} exchanges in {result.Summary.WallSeconds} s");
        AssertSameAsSimulation(Simulate(config, data), result);
    }
}
