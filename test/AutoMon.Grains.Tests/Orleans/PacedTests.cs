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
    public async Task Paced_nodes_on_their_own_timers_keep_the_error_bound_at_every_checkpoint()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 4, iterations: 50, errorBound: 0.1);
        config = config with { Pacing = Pacing.Paced, RoundInterval = TimeSpan.FromMilliseconds(15) };
        var driver = new ExperimentDriver(fixture.Client, new ExperimentDriverOptions { CheckpointInterval = TimeSpan.FromMilliseconds(150) });

        var result = await driver.RunAsync(NewId("paced"), config, data);

        var rounds = result.Statistics.Rounds;
        output.WriteLine(string.Join("\n", rounds.Select(r => $"checkpoint {r.Round}: f(x̄)={r.TrueValue:F5} f(x0)={r.Estimate:F5} error={r.Error:F5}")));
        Assert.True(rounds.Count >= 3, $"{rounds.Count} checkpoints");
        Assert.All(rounds, r => Assert.True(r.Error <= config.ErrorBound + 1e-12, $"checkpoint {r.Round}: error {r.Error}"));
        var simulated = Simulate(config, data);
        Assert.True(result.Summary.DataUpdates >= simulated.DataUpdates, "every data point is checked (and the current vector again after a sync that came late)");
        Assert.True(result.Statistics.TotalViolationMessages > 0 && result.Statistics.SyncMessages > config.NodeCount, "syncs happened after round 0");
        output.WriteLine($"paced messages {result.Statistics.TotalMessagesBroadcastDisabled}, simulation {simulated.Statistics.TotalMessagesBroadcastDisabled}");
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
