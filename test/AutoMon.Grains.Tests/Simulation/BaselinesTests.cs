using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Tests.Simulation;

public class BaselinesTests
{
    private static RoundValue[] Rounds(params double[] values) =>
        [.. values.Select((v, i) => new RoundValue(i, v, 0, 0, 0, 0))];

    [Fact]
    public void Periodic_estimates_hold_the_value_of_the_last_report_round()
    {
        // Reports at rounds 0 and 3: estimates 1, 1, 1, 4, 4.
        var result = Baselines.Periodic(Rounds(1, 2, 0.5, 4, 6), period: 3, nodeCount: 2, dimension: 3);

        Assert.Equal(2, result.MaxError);
        Assert.Equal((1 + 0.5 + 0 + 2) / 4, result.MeanError, 12);
        Assert.Equal(2 * 2, result.Messages);
        Assert.Equal(4 * (12 + 24), result.Bytes);
    }

    [Fact]
    public void Periodic_with_period_1_is_exact()
    {
        var result = Baselines.Periodic(Rounds(1, 2, 3), period: 1, nodeCount: 5, dimension: 1);

        Assert.Equal(0, result.MaxError);
        Assert.Equal(15, result.Messages);
    }

    [Theory]
    [InlineData(12, 10, 4, 3)]
    [InlineData(40, 10, 4, 1)]
    [InlineData(400, 10, 4, 1)]
    [InlineData(3, 10, 4, 13)]
    [InlineData(0, 10, 4, 9)]
    public void The_equivalent_period_is_rounds_times_nodes_over_AutoMons_messages(long messages, int rounds, int nodes, int expected) =>
        Assert.Equal(expected, Baselines.EquivalentPeriod(messages, rounds, nodes));

    [Fact]
    public void The_oracle_period_is_the_largest_that_keeps_every_round_within_the_bound()
    {
        // Period 2 errors: 0.1, 0.3 (rounds 1, 3); period 3 error at round 2 is 0.5 > 0.4.
        var rounds = Rounds(0, 0.1, 0.5, 0.2, 0.5, 0.6);

        Assert.Equal(2, Baselines.OraclePeriod(rounds, 0.4, 1, 1));
    }

    [Fact]
    public void Centralization_counts_messages_as_the_reference_figures_do()
    {
        var rounds = Rounds(1, 2, 3);

        Assert.Equal(4 * 10, Baselines.Centralization(rounds, 10, 2, singleSampleRounds: false).Messages);
        Assert.Equal(4, Baselines.Centralization(rounds, 10, 2, singleSampleRounds: true).Messages);
        Assert.Equal(40 * (12 + 16), Baselines.Centralization(rounds, 10, 2, singleSampleRounds: false).Bytes);
    }
}
