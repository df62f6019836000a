using System.Runtime.InteropServices;
using AutoMon.Protocol.Data;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Grains.Tests.Data;

public class WindowedAverageStreamTests
{
    [Fact]
    public void Average_of_a_filling_window_is_the_mean_of_the_points_so_far()
    {
        var stream = new WindowedAverageStream(2, 3);
        stream.Update([1, 10]);
        Assert.Equal([1.0, 10.0], stream.LocalVector.ToArray());
        stream.Update([3, 20]);
        Assert.Equal([2.0, 15.0], stream.LocalVector.ToArray());
        Assert.False(stream.IsWindowFull);
        Assert.Equal(2, stream.Count);
    }

    [Fact]
    public void Full_window_slides_dropping_the_oldest_point()
    {
        var stream = new WindowedAverageStream(1, 2);
        stream.Update([1]);
        stream.Update([3]);
        Assert.True(stream.IsWindowFull);
        stream.Update([5]);
        Assert.Equal(4.0, stream.LocalVector[0]);
        stream.Update([9]);
        Assert.Equal(7.0, stream.LocalVector[0]);
        Assert.Equal(2, stream.Count);
    }

    [Fact]
    public void Average_keeps_the_reference_running_update_instead_of_recomputing_the_mean()
    {
        // numpy NodeStreamAverage(window 3) on these points gives 0.49999999995343386; the true mean of the window is 0.5.
        var stream = new WindowedAverageStream(1, 3);
        foreach (var v in new[] { 0.1, 0.7, 1e6 + 0.3, 0.2, 0.9, 0.4 })
        {
            stream.Update([v]);
        }

        Assert.Equal(0.49999999995343386, stream.LocalVector[0]);
    }

    [Fact]
    public void Local_vector_starts_at_zero_and_reset_restores_it()
    {
        var stream = new WindowedAverageStream(3, 2);
        Assert.Equal([0.0, 0.0, 0.0], stream.LocalVector.ToArray());
        stream.Update([1, 2, 3]);
        stream.Reset();
        Assert.Equal([0.0, 0.0, 0.0], stream.LocalVector.ToArray());
        Assert.Equal(0, stream.Count);
        stream.Update([4, 4, 4]);
        Assert.Equal([4.0, 4.0, 4.0], stream.LocalVector.ToArray());
    }

    [Fact]
    public void CopyLocalVector_copies_the_current_vector()
    {
        var stream = new WindowedAverageStream(2, 2);
        stream.Update([1.5, -2]);
        var copy = new double[2];
        stream.CopyLocalVector(copy);
        Assert.Equal([1.5, -2.0], copy);
    }

    [Fact]
    public void Window_of_one_averages_to_the_latest_point_where_the_reference_formula_gives_nan()
    {
        var stream = new WindowedAverageStream(2, 1);
        stream.Update([1.5, -2]);
        Assert.True(stream.IsWindowFull);
        foreach (var point in new[] { new[] { 0.1, 0.7 }, [1e6 + 0.3, -0.2], [0.0, 3.0] })
        {
            stream.Update(point);
            Assert.Equal(point, stream.LocalVector.ToArray());
        }
    }

    [Fact]
    public void Window_of_zero_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new WindowedAverageStream(2, 0));

    [Fact]
    public void Data_point_of_the_wrong_length_is_refused_without_changing_the_stream()
    {
        var stream = new WindowedAverageStream(2, 2);
        stream.Update([1, 1]);
        var error = Assert.Throws<ArgumentException>(() => stream.Update([1, 2, 3]));
        Assert.Contains("3 components", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, stream.Count);
        Assert.Equal([1.0, 1.0], stream.LocalVector.ToArray());
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_component_is_refused(double bad)
    {
        var stream = new WindowedAverageStream(2, 2);
        var error = Assert.Throws<ArgumentException>(() => stream.Update([0, bad]));
        Assert.Contains("component 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Count);
    }

    [Property(MaxTest = 200)]
    public Property Average_matches_the_mean_of_the_last_window_points()
    {
        var gen =
            from window in Gen.Choose(1, 12)
            from points in Gen.ListOf(Gen.Choose(-1000, 1000).Select(i => i / 8.0)).Where(l => l.Count > 0)
            select (window, points.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (window, points) = t;
            var stream = new WindowedAverageStream(1, window);
            foreach (var p in points)
            {
                stream.Update([p]);
            }

            var last = points.Skip(Math.Max(0, points.Length - window)).ToArray();
            return Math.Abs(stream.LocalVector[0] - last.Average()) <= 1e-9 * (1 + last.Max(Math.Abs));
        });
    }

    [Fact]
    public void Update_allocates_nothing()
    {
        var stream = new WindowedAverageStream(40, 20);
        var point = new double[40];
        stream.Update(point);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            point[i % 40] = i;
            stream.Update(point);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}

public class ViewWindowedAverageStreamTests
{
    [Property(MaxTest = 100)]
    public Property Views_and_copies_in_any_mix_give_the_copying_streams_local_vectors_bit_for_bit()
    {
        var gen =
            from window in Gen.Choose(1, 8)
            from numbers in Gen.ListOf(Gen.Choose(-1000, 1000)).Where(l => l.Count >= 3)
            from asViews in Gen.ArrayOf(Gen.Elements(true, false), numbers.Count / 3)
            select (window, numbers.Take(numbers.Count / 3 * 3).Select(i => i / 7.0).ToArray(), asViews);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (window, values, asViews) = t;
            var data = new DataSet(values, 3, new int[values.Length / 3], 1);
            var views = new ViewWindowedAverageStream(3, window);
            var copying = new WindowedAverageStream(3, window);
            var reused = new double[3]; // a caller's buffer, overwritten by the next point: the stream must have copied it
            for (var row = 0; row < data.RowCount; row++)
            {
                if (asViews[row])
                {
                    views.Update(data.RowMemory(row));
                }
                else
                {
                    data.Row(row).CopyTo(reused);
                    views.Update((ReadOnlySpan<double>)reused);
                }

                copying.Update(data.Row(row));
                if (!Bits(views.LocalVector).SequenceEqual(Bits(copying.LocalVector)) || views.Count != copying.Count)
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Fact]
    public void A_point_given_as_a_view_stays_in_the_window_as_that_view()
    {
        double[] first = [1, 2], second = [3, 4];
        var stream = new ViewWindowedAverageStream(2, 2);
        stream.Update(first.AsMemory());
        stream.Update(second.AsMemory());

        Assert.True(MemoryMarshal.TryGetArray(stream.Oldest, out var held));
        Assert.Same(first, held.Array);
        Assert.Equal([2.0, 3.0], stream.LocalVector.ToArray());
    }

    [Fact]
    public void A_point_given_as_a_span_is_copied()
    {
        double[] first = [1, 2], second = [3, 4];
        var stream = new ViewWindowedAverageStream(2, 2);
        stream.Update((ReadOnlySpan<double>)first);
        stream.Update(second.AsMemory());

        Assert.True(MemoryMarshal.TryGetArray(stream.Oldest, out var held));
        Assert.NotSame(first, held.Array);
        Assert.Equal(first, stream.Oldest.ToArray());
    }

    private static long[] Bits(ReadOnlySpan<double> values) => [.. values.ToArray().Select(BitConverter.DoubleToInt64Bits)];
}

public class FirstAndSecondMomentStreamTests
{
    [Fact]
    public void Moments_of_a_sliding_window_are_mean_and_mean_square()
    {
        var stream = new FirstAndSecondMomentStream(2);
        stream.Update([1]);
        Assert.Equal([1.0, 1.0], stream.LocalVector.ToArray());
        stream.Update([2]);
        Assert.Equal([1.5, 2.5], stream.LocalVector.ToArray());
        stream.Update([4]);
        Assert.Equal([3.0, 10.0], stream.LocalVector.ToArray());
    }

    [Fact]
    public void Moments_of_a_window_of_one_are_the_latest_point_and_its_square()
    {
        var stream = new FirstAndSecondMomentStream(1);
        foreach (var v in new[] { 3.0, -0.5, 1e6 + 0.3 })
        {
            stream.Update([v]);
            Assert.Equal([v, Math.Pow(v, 2)], stream.LocalVector.ToArray());
        }
    }

    [Fact]
    public void Moments_keep_the_reference_running_update()
    {
        // numpy NodeStreamFirstAndSecondMomentum(window 3) on these scalars.
        var stream = new FirstAndSecondMomentStream(3);
        foreach (var v in new[] { 0.1, 0.7, 1e6 + 0.3, 0.2, 0.9, 0.4 })
        {
            stream.Update([v]);
        }

        Assert.Equal(0.49999999995343386, stream.LocalVector[0]);
        Assert.Equal(0.33669921875000003, stream.LocalVector[1]);
    }

    [Fact]
    public void Data_point_must_be_one_scalar() =>
        Assert.Throws<ArgumentException>(() => new FirstAndSecondMomentStream(3).Update([1, 2]));

    [Fact]
    public void Factory_refuses_a_moment_stream_of_dimension_other_than_two() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalVectorStreams.Create(StreamKind.FirstAndSecondMoments, 3, 5));
}

public class FrequencyStreamTests
{
    [Fact]
    public void Frequencies_start_uniform_before_any_point()
    {
        var stream = new FrequencyStream(4, 3);
        Assert.Equal([0.25, 0.25, 0.25, 0.25], stream.LocalVector.ToArray());
    }

    [Fact]
    public void Frequencies_count_the_window_and_slide()
    {
        var stream = new FrequencyStream(3, 3);
        stream.Update([0]);
        Assert.Equal([1.0, 0, 0], stream.LocalVector.ToArray());
        stream.Update([1]);
        Assert.Equal([0.5, 0.5, 0], stream.LocalVector.ToArray());
        stream.Update([1]);
        Assert.Equal([1 / 3.0, 2 / 3.0, 0], stream.LocalVector.ToArray());
        stream.Update([2]);
        Assert.Equal([0, 2 / 3.0, 1 / 3.0], stream.LocalVector.ToArray());
        Assert.True(stream.IsWindowFull);
    }

    [Fact]
    public void Window_of_one_holds_only_the_latest_class()
    {
        var stream = new FrequencyStream(2, 1);
        stream.Update([0]);
        stream.Update([1]);
        Assert.Equal([0.0, 1.0], stream.LocalVector.ToArray());
    }

    [Theory]
    [InlineData(3.0)]
    [InlineData(-1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Value_that_is_not_a_class_index_is_refused(double bad)
    {
        var stream = new FrequencyStream(3, 2);
        Assert.Throws<ArgumentException>(() => stream.Update([bad]));
        Assert.Equal(0, stream.Count);
    }

    [Property(MaxTest = 200)]
    public Property Frequencies_equal_the_reference_formula_that_rounds_counts_before_each_update()
    {
        var gen =
            from classes in Gen.Choose(2, 6)
            from window in Gen.Choose(1, 40)
            from points in Gen.ListOf(Gen.Choose(0, classes - 1))
            select (classes, window, points.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (classes, window, points) = t;
            var stream = new FrequencyStream(classes, window);
            var model = new ReferenceFrequencyModel(classes, 1, window);
            foreach (var p in points)
            {
                stream.Update([p]);
                model.Update([p]);
                if (!stream.LocalVector.SequenceEqual(model.X))
                {
                    return false;
                }
            }

            return true;
        });
    }
}

public class ConcatenatedFrequencyStreamTests
{
    [Fact]
    public void Pairs_fill_two_frequency_vectors_side_by_side()
    {
        var stream = new ConcatenatedFrequencyStream(2, 2);
        Assert.Equal([0.5, 0.5, 0.5, 0.5], stream.LocalVector.ToArray());
        stream.Update([0, 1]);
        Assert.Equal([1.0, 0, 0, 1.0], stream.LocalVector.ToArray());
        stream.Update([1, 1]);
        Assert.Equal([0.5, 0.5, 0, 1.0], stream.LocalVector.ToArray());
        stream.Update([1, 0]);
        Assert.Equal([0, 1.0, 0.5, 0.5], stream.LocalVector.ToArray());
    }

    [Fact]
    public void Factory_builds_k_classes_per_vector_from_dimension_two_k()
    {
        var stream = LocalVectorStreams.Create(StreamKind.ConcatenatedFrequencies, 20, 100);
        Assert.Equal(20, stream.Dimension);
        Assert.Equal(2, stream.DataPointLength);
        Assert.Equal(10, ((ConcatenatedFrequencyStream)stream).ClassesPerVector);
    }

    [Fact]
    public void Odd_dimension_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalVectorStreams.Create(StreamKind.ConcatenatedFrequencies, 5, 3));

    [Fact]
    public void Second_index_out_of_range_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ConcatenatedFrequencyStream(3, 2).Update([0, 3]));
        Assert.Contains("component 1", error.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 100)]
    public Property Concatenated_frequencies_equal_the_reference_formula()
    {
        var gen =
            from classes in Gen.Choose(2, 5)
            from window in Gen.Choose(1, 30)
            from points in Gen.ListOf(Gen.Two(Gen.Choose(0, classes - 1)))
            select (classes, window, points.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (classes, window, points) = t;
            var stream = new ConcatenatedFrequencyStream(classes, window);
            var model = new ReferenceFrequencyModel(classes, 2, window);
            foreach (var (a, b) in points)
            {
                stream.Update([a, b]);
                model.Update([a, b]);
                if (!stream.LocalVector.SequenceEqual(model.X))
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Fact]
    public void Update_allocates_nothing()
    {
        var stream = new ConcatenatedFrequencyStream(10, 50);
        double[] point = [0, 0];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            point[0] = i % 10;
            point[1] = (i * 7) % 10;
            stream.Update(point);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}

public class GlobalAverageTests
{
    [Fact]
    public void Average_sums_node_by_node_in_order_then_divides_as_numpy_mean_does()
    {
        // ((1e16 + 1) + -1e16) / 3 = 0 in node order; another summation order would give 1/3.
        var streams = new[] { 1e16, 1, -1e16 }.Select(v =>
        {
            var s = new WindowedAverageStream(1, 2);
            s.Update([v]);
            return (ILocalVectorStream)s;
        }).ToArray();
        var mean = new double[1];
        LocalVectorStreams.Average(streams, mean);
        Assert.Equal(0.0, mean[0]);
    }

    [Fact]
    public void Average_refuses_streams_of_different_dimensions()
    {
        ILocalVectorStream[] streams = [new WindowedAverageStream(2, 2), new WindowedAverageStream(3, 2)];
        Assert.Throws<ArgumentException>(() => LocalVectorStreams.Average(streams, new double[3]));
    }
}

/// <summary>The reference's frequency update written out literally: counts = around(x·n), adjust, x = counts / n.</summary>
internal sealed class ReferenceFrequencyModel(int classes, int parts, int window)
{
    private readonly Queue<int[]> _window = new();

    public double[] X { get; private set; } = Enumerable.Repeat(1.0 / classes, classes * parts).ToArray();

    public void Update(int[] point)
    {
        var n = _window.Count;
        var x = X.Select(v => Math.Round(v * n, MidpointRounding.ToEven)).ToArray();
        if (_window.Count == window)
        {
            var oldest = _window.Dequeue();
            for (var p = 0; p < parts; p++)
            {
                x[(p * classes) + oldest[p]] -= 1;
            }
        }

        _window.Enqueue(point);
        for (var p = 0; p < parts; p++)
        {
            x[(p * classes) + point[p]] += 1;
        }

        X = x.Select(v => v / _window.Count).ToArray();
    }
}
