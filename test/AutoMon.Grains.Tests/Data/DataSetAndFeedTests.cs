using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Tests.Data;

public class DataSetTests
{
    [Fact]
    public void Rows_are_views_of_the_row_major_values()
    {
        var data = new DataSet([1, 2, 3, 4, 5, 6], 2, [0, 1, 0], 2);
        Assert.Equal(3, data.RowCount);
        Assert.Equal([5.0, 6.0], data.Row(2).ToArray());
    }

    [Fact]
    public void Round_robin_schedule_deals_row_k_to_node_k_mod_n() =>
        Assert.Equal([0, 1, 2, 0, 1, 2, 0], DataSet.RoundRobinSchedule(7, 3));

    [Fact]
    public void Tuning_and_monitoring_parts_split_at_the_tuning_prefix()
    {
        var data = new DataSet([1, 2, 3, 4, 5], 1, [0, 1, 0, 1, 0], 2, tuningRowCount: 2);
        Assert.Equal([1.0, 2.0], data.TuningPart().Values.ToArray());
        var monitoring = data.MonitoringPart();
        Assert.Equal([3.0, 4.0, 5.0], monitoring.Values.ToArray());
        Assert.Equal([0, 1, 0], monitoring.NodeSchedule.ToArray());
        Assert.Equal(0, monitoring.TuningRowCount);
    }

    [Fact]
    public void Schedule_entry_outside_the_nodes_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new DataSet([1, 2], 1, [0, 2], 2));
        Assert.Contains("Row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_that_do_not_fill_whole_rows_are_refused() =>
        Assert.Throws<ArgumentException>(() => new DataSet([1, 2, 3], 2, [0], 1));

    [Fact]
    public void NaN_value_is_refused_with_its_row() =>
        Assert.Contains("Row 1", Assert.Throws<ArgumentException>(() => new DataSet([1, 2, double.NaN, 4], 2, [0, 0], 1)).Message, StringComparison.Ordinal);
}

public class DataFeedTests
{
    [Fact]
    public void FillAllWindows_consumes_rows_until_every_window_is_full()
    {
        var data = new DataSet([1, 2, 3, 4, 5, 6], 1, DataSet.RoundRobinSchedule(6, 2), 2);
        var feed = new DataFeed(data, StreamKind.WindowedAverage, 1, 2);
        feed.FillAllWindows();
        Assert.Equal(4, feed.Position);
        Assert.Equal(2.0, feed.Streams[0].LocalVector[0]);
        Assert.Equal(3.0, feed.Streams[1].LocalVector[0]);
    }

    [Fact]
    public void Filling_slides_windows_that_are_already_full_as_the_reference_does()
    {
        var data = new DataSet([1, 3, 5, 10, 20], 1, [0, 0, 0, 1, 1], 2);
        var feed = new DataFeed(data, StreamKind.WindowedAverage, 1, 2);
        feed.FillAllWindows();
        Assert.Equal(4.0, feed.Streams[0].LocalVector[0]);
        Assert.Equal(15.0, feed.Streams[1].LocalVector[0]);
    }

    [Fact]
    public void Filling_fails_clearly_when_the_data_runs_out()
    {
        var data = new DataSet([1, 2, 3], 1, [0, 0, 1], 2);
        var feed = new DataFeed(data, StreamKind.WindowedAverage, 1, 2);
        Assert.Contains("ran out", Assert.Throws<InvalidOperationException>(feed.FillAllWindows).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryAdvance_feeds_the_next_row_to_its_node_and_stops_at_the_end()
    {
        var data = new DataSet([2, 4], 1, [1, 0], 2);
        var feed = new DataFeed(data, StreamKind.Frequency, 5, 3);
        Assert.True(feed.TryAdvance(out var node));
        Assert.Equal(1, node);
        Assert.Equal(1.0, feed.Streams[1].LocalVector[2]);
        Assert.True(feed.TryAdvance(out node));
        Assert.Equal(0, node);
        Assert.False(feed.TryAdvance(out node));
        Assert.Equal(0, feed.Remaining);
    }

    [Fact]
    public void Global_vector_is_the_mean_of_the_local_vectors()
    {
        var data = new DataSet([1, 2, 3, 6], 2, [0, 1], 2);
        var feed = new DataFeed(data, StreamKind.WindowedAverage, 2, 2);
        feed.TryAdvance(out _);
        feed.TryAdvance(out _);
        var global = new double[2];
        feed.CopyGlobalVector(global);
        Assert.Equal([2.0, 4.0], global);
    }

    [Theory]
    [InlineData(7, 2, 4)]
    [InlineData(50, 20, 6)]
    public void Windows_kept_as_views_give_the_copying_feeds_global_vectors_bit_for_bit(int nodes, int window, int d)
    {
        var data = DataGenerators.InnerProduct(new GeneratorOptions(nodes, 3 * window, d, Seed: 3));
        var copying = new DataFeed(data, StreamKind.WindowedAverage, d, window);
        var rows = new DataFeed(data, StreamKind.WindowedAverage, d, window, windowsInData: true);
        double[] expected = new double[d], actual = new double[d];
        while (copying.TryAdvance(out var node))
        {
            Assert.True(rows.TryAdvance(out var same));
            Assert.Equal(node, same);
            Assert.Equal(copying.Streams[node].IsWindowFull, rows.Streams[node].IsWindowFull);
            copying.CopyGlobalVector(expected);
            rows.CopyGlobalVector(actual);
            Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
        }

        Assert.False(rows.TryAdvance(out _));
    }

    [Fact]
    public void Windows_kept_as_views_hold_no_copies_of_the_points()
    {
        const int Nodes = 200, Window = 20, D = 40;
        var data = DataGenerators.InnerProduct(new GeneratorOptions(Nodes, Window, D, Seed: 1));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var feed = new DataFeed(data, StreamKind.WindowedAverage, D, Window, windowsInData: true);
        feed.FillAllWindows();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Copies would be Nodes × Window × D doubles (640 KB); views and local vectors are a fraction of that.
        Assert.True(allocated < Nodes * Window * D * sizeof(double) / 4, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Data_whose_rows_do_not_fit_the_stream_is_refused()
    {
        var data = new DataSet([1, 2, 3, 4], 2, [0, 1], 2);
        Assert.Throws<ArgumentException>(() => new DataFeed(data, StreamKind.Frequency, 4, 3));
    }
}
