using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Tests.Simulation;

public class SimulatorTests
{
    private static SimulationOptions Options(SmallCase c, SyncType sync = SyncType.Eager, bool singleSampleRounds = false) => new()
    {
        Function = c.MonitoredFunction,
        StreamKind = c.StreamKind,
        WindowSize = c.Window,
        ErrorBound = c.ErrorBound,
        SyncType = sync,
        SingleSampleRounds = singleSampleRounds,
    };

    [Fact]
    public void A_run_has_one_round_per_iteration_after_the_window_fills_plus_round_0()
    {
        var c = SmallCases.InnerProduct();

        var result = Simulator.Run(Options(c), c.Data);

        Assert.Equal(c.Iterations - c.Window + 1, result.Rounds);
        Assert.Equal(Enumerable.Range(0, result.Rounds), result.Statistics.Rounds.Select(r => r.Round));
    }

    [Fact]
    public void Every_node_checks_its_vector_in_round_0_then_one_update_per_data_point()
    {
        var c = SmallCases.InnerProduct();

        var result = Simulator.Run(Options(c), c.Data);

        Assert.Equal(c.Nodes + ((c.Iterations - c.Window) * c.Nodes), result.DataUpdates);
    }

    [Fact]
    public void The_first_full_sync_happens_in_round_0()
    {
        var c = SmallCases.Variance();

        var result = Simulator.Run(Options(c, SyncType.LazyLRU), c.Data);

        Assert.Equal(0, result.Statistics.FullSyncs[0].Iteration);
        Assert.Equal(0, result.Statistics.Rounds[0].Error, 12);
    }

    [Fact]
    public void Single_sample_rounds_close_a_round_after_every_data_point()
    {
        var c = SmallCases.InnerProduct();

        var result = Simulator.Run(Options(c, singleSampleRounds: true), c.Data);

        Assert.Equal(1 + ((c.Iterations - c.Window) * c.Nodes), result.Rounds);
        Assert.True(result.MaxError <= c.ErrorBound);
    }

    [Theory]
    [InlineData(SyncType.Eager)]
    [InlineData(SyncType.LazyLRU)]
    [InlineData(SyncType.LazyRandom)]
    public void Every_round_keeps_the_error_bound(SyncType sync)
    {
        var c = SmallCases.Quadratic();

        var result = Simulator.Run(Options(c, sync), c.Data);

        Assert.All(result.Statistics.Rounds, r => Assert.True(r.Error <= c.ErrorBound, $"round {r.Round}: error {r.Error}"));
        Assert.Equal(0, result.Statistics.MissedViolations);
    }

    [Fact]
    public void Data_that_never_fills_every_window_is_an_error()
    {
        var c = SmallCases.InnerProduct();
        var tooShort = new DataSet(c.Values[..(4 * c.Nodes * (c.Window - 1))], 4, DataSet.RoundRobinSchedule(c.Nodes * (c.Window - 1), c.Nodes), c.Nodes);

        Assert.Throws<InvalidOperationException>(() => Simulator.Run(Options(c), tooShort));
    }

    [Fact]
    public void The_centralization_baseline_has_no_error()
    {
        var c = SmallCases.InnerProduct();

        var result = Simulator.Run(Options(c), c.Data);

        Assert.Equal((result.Rounds + 1) * c.Nodes, result.Centralization.Messages);
        Assert.Equal(0, result.Centralization.MaxError);
    }

    [Fact]
    public void The_default_periodic_baseline_is_the_reference_equivalent_of_AutoMons_messages()
    {
        var c = SmallCases.InnerProduct();

        var result = Simulator.Run(Options(c, SyncType.LazyLRU), c.Data);

        Assert.Equal(Math.Max(1, result.Rounds * c.Nodes / result.Statistics.TotalMessagesBroadcastDisabled), result.Periodic.Period);
    }

    [Fact]
    public void The_periodic_oracle_keeps_the_error_bound()
    {
        var c = SmallCases.InnerProduct();

        var result = Simulator.Run(Options(c, SyncType.LazyLRU), c.Data);

        Assert.True(result.PeriodicOracle.MaxError <= c.ErrorBound || result.PeriodicOracle.Period == 1);
    }
}
