using AutoMon.Grains.Experiments;

namespace AutoMon.Grains.Tests.Experiments;

/// <summary>The paper's per-round error of a paced run, on hand-made sync histories.</summary>
public sealed class PacedRoundsTests
{
    private const int FillRows = 6;     // windows of 3 rows for 2 nodes
    private const int PointsPerRound = 2;

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 0)]
    [InlineData(6, 1)]
    [InlineData(7, 1)]
    [InlineData(8, 2)]
    public void A_row_belongs_to_round_0_while_windows_fill_then_to_its_round(long sequence, int round) =>
        Assert.Equal(round, PacedRounds.RoundOf(sequence, FillRows, PointsPerRound));

    [Fact]
    public void A_full_sync_is_in_force_from_the_earliest_round_a_node_applied_it_lazy_syncs_change_nothing()
    {
        double[] trueValues = [1, 2, 3, 4, 5];
        // Version 1 at round 0 on both nodes; a lazy sync (version 2) at round 1; version 3 reached node 1 in round 2
        // (row 9) and node 0 in round 3 (row 10).
        IReadOnlyList<IReadOnlyList<NodeSyncRecord>> histories =
        [
            [new(1, true, 1, 4, -1, 1), new(2, false, 2, 6, double.NaN, double.NaN), new(3, true, 4, 10, 2, 4)],
            [new(1, true, 1, 5, -1, 1), new(3, true, 3, 9, 2, 4)],
        ];

        var rounds = PacedRounds.Errors(trueValues, histories, FillRows, PointsPerRound);

        Assert.Equal([1, 1, 3, 3, 3], rounds.Select(r => r.Estimate));
        Assert.Equal([0, 1, 0, 1, 2], rounds.Select(r => r.Error));
        Assert.Equal([-1, -1, 2, 2, 2], rounds.Select(r => r.LowerThreshold));
        Assert.Equal([0, 1, 2, 3, 4], rounds.Select(r => r.Round));
    }
}
