using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Tests.Data;

public class GeneratorTests
{
    public static TheoryData<Workload, GeneratorOptions> Cases => new()
    {
        { Workload.InnerProduct, new GeneratorOptions(10, 60, 40, 3, 5) },
        { Workload.Quadratic, new GeneratorOptions(10, 100, 8, 3) },
        { Workload.Rosenbrock, new GeneratorOptions(3, 50, 2, 3, 10) },
        { Workload.Variance, new GeneratorOptions(4, 50, 2, 3) },
        { Workload.Entropy, new GeneratorOptions(5, 120, 4, 3) },
        { Workload.CosineSimilarity, new GeneratorOptions(4, 50, 6, 3) },
        { Workload.Sine, new GeneratorOptions(5, 50, 3, 3) },
        { Workload.Mlp, new GeneratorOptions(10, 60, 2, 3, 30) },
        { Workload.QuadraticInverse, new GeneratorOptions(4, 150, 2, 3) },
        { Workload.IntrusionDetection, new GeneratorOptions(9, 1500, 41, 3, 20) },
        { Workload.AirQualityKld, new GeneratorOptions(12, 60, 20, 3, 10) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_seed_gives_the_same_data(Workload workload, GeneratorOptions options)
    {
        var a = DataGenerators.Generate(workload, options);
        var b = DataGenerators.Generate(workload, options);
        Assert.True(a.Values.SequenceEqual(b.Values));
        Assert.True(a.NodeSchedule.SequenceEqual(b.NodeSchedule));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Another_seed_gives_other_data(Workload workload, GeneratorOptions options)
    {
        var a = DataGenerators.Generate(workload, options);
        var b = DataGenerators.Generate(workload, options with { Seed = options.Seed + 1 });
        Assert.False(a.Values.SequenceEqual(b.Values));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_data_feeds_the_workload_stream_through_the_whole_run(Workload workload, GeneratorOptions options)
    {
        var data = DataGenerators.Generate(workload, options);
        var feed = new DataFeed(data.MonitoringPart(), Workloads.StreamKindOf(workload), options.Dimension, 20);
        feed.FillAllWindows();
        while (feed.TryAdvance(out _))
        {
        }

        Assert.All(feed.Streams, s => Assert.True(s.IsWindowFull));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rows_per_part_follow_nodes_times_iterations(Workload workload, GeneratorOptions options)
    {
        var data = DataGenerators.Generate(workload, options);
        var perNodeIterations = workload != Workload.IntrusionDetection;
        Assert.Equal(options.TuningIterations * options.NodeCount, data.TuningRowCount);
        Assert.Equal(perNodeIterations ? options.Iterations * options.NodeCount : options.Iterations, data.RowCount - data.TuningRowCount);
        Assert.Equal(options.NodeCount, data.NodeCount);
    }

    [Fact]
    public void Round_robin_workloads_deal_row_k_to_node_k_mod_n()
    {
        var data = DataGenerators.InnerProduct(new GeneratorOptions(7, 20, 4, 1));
        Assert.Equal(DataSet.RoundRobinSchedule(140, 7), data.NodeSchedule.ToArray());
    }

    [Fact]
    public void Inner_product_follows_the_five_phase_trajectory()
    {
        var data = DataGenerators.InnerProduct(new GeneratorOptions(10, 100, 4, 5));
        double Product(int row) => (data.Row(row)[0] * data.Row(row)[2]) + (data.Row(row)[1] * data.Row(row)[3]);
        Assert.InRange(data.Row(0)[0], 0.9, 1.1);
        Assert.InRange(Product(0), -0.1, 0.1);             // phase 1 starts at 0
        Assert.InRange(Product(199), 0.9, 1.1);            // and rises to 1
        Assert.InRange(Product(999), Product(800) + 0.8, Product(800) + 1.2); // phase 5 rises by 1
    }

    [Fact]
    public void Quadratic_node_zero_jumps_to_minus_ten_every_second_batch()
    {
        var data = DataGenerators.Quadratic(new GeneratorOptions(3, 200, 2, 5));
        Assert.InRange(data.Row(0)[0], -1, 1);
        Assert.InRange(data.Row(120)[0], -11, -9);   // batch 2 starts at row 40·3 = 120
        Assert.InRange(data.Row(121)[0], -1, 1);     // only node 0's first point
        Assert.InRange(data.Row(240)[0], -1, 1);     // batch 3 is even again
        Assert.InRange(data.Row(360)[1], -11, -9);
    }

    [Fact]
    public void Quadratic_H_matrix_survives_the_six_decimal_float32_round_trip_of_H_matrix_txt()
    {
        var h = DataGenerators.QuadraticHMatrix(6, 2);
        Assert.Equal(h, DataGenerators.QuadraticHMatrix(6, 2));
        foreach (var v in h)
        {
            Assert.Equal(v, (double)(float)v);
            var written = v.ToString("F6", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(v, (double)(float)double.Parse(written, System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(v, -6, 6);
        }
    }

    [Fact]
    public void Variance_scalars_are_standard_normal()
    {
        var data = DataGenerators.Variance(new GeneratorOptions(4, 5000, 2, 9));
        Assert.Equal(1, data.PointLength);
        var values = data.Values.ToArray();
        Assert.InRange(values.Average(), -0.05, 0.05);
        Assert.InRange(values.Select(v => v * v).Average(), 0.95, 1.05);
    }

    [Fact]
    public void Entropy_rows_are_class_indices_with_class_zero_sweeping_in_batches_of_fifty()
    {
        var data = DataGenerators.Entropy(new GeneratorOptions(5, 1000, 4, 9));
        Assert.All(data.Values.ToArray(), v => Assert.True(v is 0 or 1 or 2 or 3));
        double ShareOfZero(int batch) => data.Values.Slice(batch * 50, 50).ToArray().Count(v => v == 0) / 50.0;
        Assert.InRange(ShareOfZero(0), 0.15, 0.55);    // p_high = 0.35
        Assert.InRange(ShareOfZero(12), 0.8, 1.0);     // p_high = 0.95
    }

    [Fact]
    public void Cosine_similarity_halves_centre_on_two_and_four()
    {
        var data = DataGenerators.CosineSimilarity(new GeneratorOptions(4, 1000, 2, 9));
        var rows = Enumerable.Range(0, data.RowCount).Select(i => data.Row(i).ToArray()).ToArray();
        Assert.InRange(rows.Average(r => r[0]), 1.9, 2.1);
        Assert.InRange(rows.Average(r => r[1]), 3.9, 4.1);
    }

    [Fact]
    public void Sine_rows_repeat_one_draw_and_climb_to_eight_pi()
    {
        var data = DataGenerators.Sine(new GeneratorOptions(5, 100, 3, 9));
        Assert.All(Enumerable.Range(0, data.RowCount), i => Assert.True(data.Row(i)[0] == data.Row(i)[1] && data.Row(i)[1] == data.Row(i)[2]));
        Assert.InRange(data.Row(0)[0], -1, 1);
        Assert.InRange(data.Row(499)[0], (8 * Math.PI) - 1, (8 * Math.PI) + 1);
    }

    [Fact]
    public void Mlp_starts_near_minus_two_then_splits_even_and_odd_nodes()
    {
        var data = DataGenerators.Mlp(new GeneratorOptions(4, 100, 2, 9));
        Assert.InRange(data.Row(0)[0], -2.5, -1.5);
        Assert.InRange(data.Row(0)[1], -0.5, 0.5);
        Assert.InRange(data.Row(80)[1], 1.5, 2.5);     // first row after the 20-per-node warm-up: node 0
        Assert.InRange(data.Row(81)[1], -2.5, -1.5);   // node 1
        Assert.InRange(data.Row(399)[0], -2 + (0.008 * 39) - 0.5, -2 + (0.008 * 39) + 0.5);
    }

    [Fact]
    public void Quadratic_inverse_nodes_walk_their_trails()
    {
        var data = DataGenerators.QuadraticInverse(new GeneratorOptions(4, 300, 2, 9));
        Assert.Equal([0.0, 0.0], data.Row(2).ToArray());                 // first 20 points stay at the origin
        Assert.InRange(data.Row((4 * 299) + 0)[0], 0.95, 1.05);          // node 0 ends near (1, 1)
        Assert.InRange(data.Row((4 * 299) + 1)[1], -1.05, -0.95);        // node 1 near (1, -1)
        Assert.Equal(1.6, data.Row((4 * 299) + 2)[0]);                  // node 2 exactly on the x axis trail
        Assert.Equal(-1.6, data.Row((4 * 299) + 3)[0]);
        Assert.InRange(data.Row((4 * 200) + 0)[0], 0.15, 0.25);          // burst at 2/3: (0.2, 0.2)
    }

    [Fact]
    public void Quadratic_inverse_refuses_other_than_four_nodes_in_the_plane() =>
        Assert.Throws<ArgumentException>(() => DataGenerators.QuadraticInverse(new GeneratorOptions(5, 100, 2, 1)));

    [Fact]
    public void Intrusion_detection_rows_are_unit_vectors_dealt_by_the_reference_alignment()
    {
        var data = DataGenerators.IntrusionDetection(new GeneratorOptions(9, 3000, 41, 4));
        var monitoring = data.MonitoringPart();
        for (var i = 0; i < monitoring.RowCount; i++)
        {
            var row = monitoring.Row(i);
            Assert.All(row.ToArray(), v => Assert.True(v >= 0));
            Assert.Equal(1.0, Math.Sqrt(row.ToArray().Sum(v => v * v)), 1e-12);
        }

        Assert.Equal(Enumerable.Range(0, 180).Select(i => i % 9), monitoring.NodeSchedule[..180].ToArray());
        var share = Enumerable.Range(0, 9).Select(n => monitoring.NodeSchedule.ToArray().Count(s => s == n)).ToArray();
        Assert.All(share, count => Assert.True(count > 100));
    }

    [Fact]
    public void Intrusion_detection_needs_nine_nodes_and_41_features() =>
        Assert.Throws<ArgumentException>(() => DataGenerators.IntrusionDetection(new GeneratorOptions(10, 100, 41, 1)));

    [Fact]
    public void Air_quality_rows_are_pairs_of_pollution_classes_station_by_station()
    {
        var data = DataGenerators.AirQualityKld(new GeneratorOptions(12, 500, 20, 4));
        Assert.Equal(2, data.PointLength);
        var values = data.Values.ToArray();
        Assert.All(values, v => Assert.True(double.IsInteger(v) && v >= 0 && v <= 8));
        Assert.True(values.Distinct().Count() >= 4, "the classes should spread over several bins");
        Assert.Equal(DataSet.RoundRobinSchedule(6000, 12), data.NodeSchedule.ToArray());
    }

    [Theory]
    [InlineData(Workload.InnerProduct, 3)]
    [InlineData(Workload.Rosenbrock, 5)]
    [InlineData(Workload.CosineSimilarity, 1)]
    [InlineData(Workload.Variance, 3)]
    [InlineData(Workload.AirQualityKld, 7)]
    public void Dimension_that_does_not_fit_the_workload_is_refused(Workload workload, int dimension) =>
        Assert.Throws<ArgumentException>(() => DataGenerators.Generate(workload, new GeneratorOptions(4, 50, dimension, 1)));

    [Theory]
    [InlineData("inner_product", Workload.InnerProduct)]
    [InlineData("rozenbrock", Workload.Rosenbrock)]
    [InlineData("Rosenbrock", Workload.Rosenbrock)]
    [InlineData("kld", Workload.AirQualityKld)]
    [InlineData("dnn_intrusion_detection", Workload.IntrusionDetection)]
    public void Workload_names_follow_the_reference_spelling(string name, Workload expected)
    {
        Assert.True(Workloads.TryParse(name, out var workload));
        Assert.Equal(expected, workload);
    }

    [Fact]
    public void Unknown_workload_name_is_not_parsed() => Assert.False(Workloads.TryParse("cubic", out _));

    [Theory]
    [InlineData(Workload.Variance, StreamKind.FirstAndSecondMoments)]
    [InlineData(Workload.Entropy, StreamKind.Frequency)]
    [InlineData(Workload.AirQualityKld, StreamKind.ConcatenatedFrequencies)]
    [InlineData(Workload.Mlp, StreamKind.WindowedAverage)]
    public void Each_workload_has_the_reference_stream(Workload workload, StreamKind kind) =>
        Assert.Equal(kind, Workloads.StreamKindOf(workload));
}
