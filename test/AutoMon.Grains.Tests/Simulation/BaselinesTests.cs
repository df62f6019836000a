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
    [InlineData(12, 10, 4, 4)]
    [InlineData(40, 10, 4, 1)]
    [InlineData(3, 10, 4, 10)]
    public void PeriodMatching_is_the_smallest_period_within_the_message_budget(long messages, int rounds, int nodes, int expected) =>
        Assert.Equal(expected, Baselines.PeriodMatching(messages, rounds, nodes));
}
