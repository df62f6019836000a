using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Tests.Data;

public class PollutionBinsTests
{
    [Theory]
    // k = 10 (the paper's d = 20): numpy gives 9 edges i·500/9 and these indices for digitize(clip(c, 0, 500)) - 1.
    [InlineData(10, 0.0, 0)]
    [InlineData(10, 55.55555555555556, 1)]
    [InlineData(10, 55.5555555555555, 0)]
    [InlineData(10, 499.9, 8)]
    [InlineData(10, 500.0, 8)]
    [InlineData(10, 600.0, 8)]
    [InlineData(10, -3.0, 0)]
    [InlineData(26, 19.999, 0)]
    [InlineData(26, 20.0, 1)]
    [InlineData(26, 500.0, 24)]
    public void Concentration_goes_to_the_reference_bin(int classes, double concentration, int expected) =>
        Assert.Equal(expected, new PollutionBins(classes).IndexOf(concentration));

    [Theory]
    [InlineData(2, 1)]
    [InlineData(10, 9)]
    [InlineData(26, 25)]
    public void Edge_count_follows_numpy_arange(int classes, int edges) => Assert.Equal(edges, new PollutionBins(classes).EdgeCount);

    [Fact]
    public void NaN_concentration_is_refused() => Assert.Throws<ArgumentException>(() => new PollutionBins(10).IndexOf(double.NaN));
}

public class IntrusionDetectionSplitTests
{
    [Fact]
    public void Services_are_split_by_their_rank_among_the_distinct_codes()
    {
        // Distinct codes 1..52: rank 51 is code 52 (nodes 0-4), rank 21 is code 22 (nodes 5-6), rank 0 is code 1 (node 7).
        var codes = Enumerable.Range(1, 52).ToList();
        codes.AddRange([52, 52, 52, 52, 52, 52, 22, 22, 1, 30]);
        var nodes = IntrusionDetectionSplit.AssignNodesByService(codes.ToArray());
        Assert.Equal(8, nodes[1]);     // code 2
        Assert.Equal(5, nodes[21]);    // first code-22 record
        Assert.Equal(0, nodes[51]);    // first code-52 record
        Assert.Equal(7, nodes[0]);
        Assert.Equal([1, 2, 3, 4, 0, 1, 6, 5, 7, 8], nodes[52..]);
    }

    [Fact]
    public void Fewer_than_52_distinct_services_are_refused() =>
        Assert.Contains("52nd", Assert.Throws<ArgumentException>(() => IntrusionDetectionSplit.AssignNodesByService(Enumerable.Range(0, 51).ToArray())).Message, StringComparison.Ordinal);

    [Fact]
    public void Rows_are_scaled_to_unit_norm_and_zero_rows_stay_zero()
    {
        double[] features = [3, 4, 0, 0, 0, 0];
        IntrusionDetectionSplit.NormalizeRows(features, 3);
        Assert.Equal([0.6, 0.8, 0, 0, 0, 0], features);
    }

    [Fact]
    public void Start_is_trimmed_to_each_node_last_window_and_interleaved()
    {
        // Node 8 first gets 30 records (0-29), then nodes 0..7 take turns 22 times (records 30-205).
        // The latest 21st record is node 7's at 30 + 8·20 + 7 = 197: node 8 loses its first 10 records, nodes 0-6 their
        // first one, node 7 none; the first 180 rows are then each node's 20 records interleaved 0, 1, ..., 8.
        var nodes = new List<int>(Enumerable.Repeat(8, 30));
        for (var round = 0; round < 22; round++)
        {
            nodes.AddRange(Enumerable.Range(0, 8));
        }

        var features = new double[nodes.Count * 41];
        for (var i = 0; i < nodes.Count; i++)
        {
            features[i * 41] = i;   // the record index, so the test can see which records remain
        }

        var data = IntrusionDetectionSplit.BuildDataSet(nodes.ToArray(), features, 0, null);
        int Record(int row) => (int)data.Row(row)[0];
        Assert.Equal(Enumerable.Range(0, 180).Select(i => i % 9), data.NodeSchedule[..180].ToArray());
        for (var m = 0; m < 20; m++)
        {
            Assert.Equal(10 + m, Record(8 + (9 * m)));
            Assert.Equal(30 + (8 * (m + 1)), Record(9 * m));           // node 0 without its first record
            Assert.Equal(30 + (8 * m) + 7, Record(7 + (9 * m)));       // node 7 keeps all
        }

        Assert.Equal(197, Record(180));
        Assert.Equal(nodes.Count - 10 - 7, data.RowCount);
    }

    [Fact]
    public void Monitored_part_is_aligned_again_after_dropping_the_tuning_records()
    {
        var nodes = Enumerable.Range(0, 9 * 60).Select(i => i % 9).ToArray();
        var features = new double[nodes.Length * 41];
        for (var i = 0; i < nodes.Length; i++)
        {
            features[i * 41] = i;
        }

        // Round-robin records: node 8's 21st record comes last, so nodes 0-7 each lose their first record in both parts.
        var data = IntrusionDetectionSplit.BuildDataSet(nodes, features, tuningIterations: 10, monitoringRows: 100);
        Assert.Equal(90, data.TuningRowCount);
        Assert.Equal(9.0, data.Row(0)[0]);
        Assert.Equal(8.0, data.Row(8)[0]);
        Assert.Equal(90.0 + 9, data.Row(90)[0]);
        Assert.Equal(190, data.RowCount);
    }

    [Fact]
    public void A_node_without_a_full_window_is_refused()
    {
        var nodes = Enumerable.Range(0, 9 * 20).Select(i => i % 9).ToArray();
        Assert.Throws<ArgumentException>(() => IntrusionDetectionSplit.BuildDataSet(nodes, new double[nodes.Length * 41], 0, null));
    }

    [Fact]
    public void Asking_for_more_monitored_rows_than_exist_is_refused()
    {
        var nodes = Enumerable.Range(0, 9 * 30).Select(i => i % 9).ToArray();
        Assert.Throws<ArgumentException>(() => IntrusionDetectionSplit.BuildDataSet(nodes, new double[nodes.Length * 41], 0, 10_000));
    }
}
