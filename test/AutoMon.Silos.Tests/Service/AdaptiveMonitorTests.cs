using AutoMon.Client;
using AutoMon.Grains.Monitors;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// Monitors run the adaptive fallback unless told not to (docs/design.md "Adaptive fallback"): at an error bound too tight
/// for AutoMon to pay off, a monitor never sends more than shipping every point would, beyond the first full sync's setup
/// and one switch message per node, and its estimate stays within ε of f(x̄) after every push; at a loose bound it is
/// the paper's protocol message for message.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class AdaptiveMonitorTests(ServiceFixture silo)
{
    private static readonly string[] Nodes = ["a", "b", "c", "d"];

    private AutoMonClient Client { get; } = new(silo.Grains);

    private static MonitorDefinition Definition(string id, double errorBound, bool? adaptive) => new()
    {
        Id = id, Function = "inner_product", Dimension = 4, ErrorBound = errorBound, Nodes = Nodes, Window = 4, Sync = "lazy-lru",
        Adaptive = adaptive,
    };

    // Pushes the walk round by round; after every round the estimate must be within ε of f(x̄) of the points sent so far.
    // Returns the monitor at the end and its messages after round 0 (the first full sync, once every node had a point).
    private async Task<(MonitorSnapshot Monitor, long Setup)> RunAsync(string id, List<double[][]> walk, double errorBound, bool adaptive)
    {
        await Client.CreateMonitorAsync(Definition(id, errorBound, adaptive));
        long setup = 0;
        for (var r = 0; r < walk.Count; r++)
        {
            for (var i = 0; i < Nodes.Length; i++)
            {
                Assert.Equal(1, await Client.Node(id, Nodes[i]).PushAsync([walk[r][i]]));
            }

            var monitor = (await Client.GetMonitorAsync(id))!;
            var truth = MonitorWalk.Truth(walk, r + 1, 4);
            Assert.True(Math.Abs(monitor.Estimate!.Value - truth) <= errorBound, $"round {r}: |{monitor.Estimate} - {truth}| > {errorBound}");
            setup = r == 0 ? monitor.Messages : setup;
        }

        return ((await Client.GetMonitorAsync(id))!, setup);
    }

    [Fact]
    public async Task At_a_tight_error_bound_a_monitor_switches_to_centralisation_and_never_sends_more_than_it()
    {
        var walk = MonitorWalk.Create(Nodes.Length, 120, seed: 3);
        var (adaptive, setup) = await RunAsync("adaptive-tight", walk, 0.002, adaptive: true);
        var (plain, _) = await RunAsync("plain-tight", walk, 0.002, adaptive: false);

        // The paper's protocol costs more than centralisation's one message per point here; the adaptive monitor switched.
        Assert.False(plain.Centralized);
        Assert.True(plain.Messages > plain.Updates, $"plain AutoMon sent {plain.Messages} messages for {plain.Updates} points");
        Assert.True(adaptive.Centralized);
        Assert.Equal(120 * Nodes.Length, adaptive.Updates);

        // Over one message per point, at most the first full sync's cost beyond centralisation's first point per node (the
        // setup every AutoMon monitor pays) and one switch message per node.
        var n = Nodes.Length;
        Assert.True(adaptive.Messages <= adaptive.Updates + (setup - n) + n, $"{adaptive.Messages} messages for {adaptive.Updates} points, setup {setup}");
        Assert.True(adaptive.Messages < plain.Messages);
    }

    [Fact]
    public async Task At_a_loose_error_bound_an_adaptive_monitor_is_the_papers_protocol_message_for_message()
    {
        var walk = MonitorWalk.Create(Nodes.Length, 80, seed: 4);
        var (adaptive, _) = await RunAsync("adaptive-loose", walk, 0.5, adaptive: true);
        var (plain, _) = await RunAsync("plain-loose", walk, 0.5, adaptive: false);

        Assert.False(adaptive.Centralized);
        Assert.True(plain.Violations > 0, "the walk must make the monitor work");
        Assert.Equal(
            (plain.Messages, plain.FullSyncs, plain.LazySyncs, plain.Violations, plain.Estimate),
            (adaptive.Messages, adaptive.FullSyncs, adaptive.LazySyncs, adaptive.Violations, adaptive.Estimate));
    }

    [Fact]
    public async Task A_monitor_is_adaptive_unless_its_definition_says_otherwise()
    {
        await Client.CreateMonitorAsync(Definition("adaptive-default", 0.1, adaptive: null));
        await Client.CreateMonitorAsync(Definition("adaptive-off", 0.1, adaptive: false));

        Assert.True((await silo.Grains.GetGrain<IMonitorGrain>("adaptive-default").GetConfig())!.Run.Adaptive);
        Assert.False((await silo.Grains.GetGrain<IMonitorGrain>("adaptive-off").GetConfig())!.Run.Adaptive);
    }
}
