using AutoMon.Numerics.Randomness;

namespace AutoMon.Numerics.Tests.Randomness;

// Expected values were produced by numpy 1.24 (legacy RandomState) on this machine, e.g.
// /usr/bin/python3 -c "import numpy as np; np.random.seed(1); print(np.random.random_sample(4).tolist())"
public class NumpyLegacyRandomTests
{
    [Fact]
    public void Raw_draws_after_seed_1_match_numpy_randint_uint32()
    {
        var random = new NumpyLegacyRandom(1);
        uint[] expected = [1791095845, 4282876139, 3093770124, 4005303368, 491263];
        foreach (var e in expected)
        {
            Assert.Equal(e, random.NextUInt32());
        }
    }

    [Fact]
    public void Random_sample_after_seed_1_matches_numpy_bit_for_bit()
    {
        var random = new NumpyLegacyRandom(1);
        double[] expected = [0.417022004702574, 0.7203244934421581, 0.00011437481734488664, 0.30233257263183977];
        foreach (var e in expected)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(e), BitConverter.DoubleToInt64Bits(random.RandomSample()));
        }
    }

    [Theory]
    [InlineData(0u, 0.5488135039273248, 0.7151893663724195)]
    [InlineData(4294967295u, 0.0976320289940138, 0.9123828453026218)]
    public void Seeding_covers_the_whole_uint_range_like_numpy(uint seed, double first, double second)
    {
        var random = new NumpyLegacyRandom(seed);
        Assert.Equal(first, random.RandomSample());
        Assert.Equal(second, random.RandomSample());
    }

    [Fact]
    public void Stream_continues_correctly_across_a_state_regeneration()
    {
        // 700 doubles = 1400 draws, crossing the 624-word refill twice.
        var random = new NumpyLegacyRandom(5);
        var values = new double[700];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.RandomSample();
        }

        Assert.Equal(0.9985157672628341, values[311]);
        Assert.Equal(0.03834193016002463, values[312]);
        Assert.Equal(0.7464423502866897, values[699]);
    }

    [Fact]
    public void Uniform_matrix_with_scalar_bounds_is_drawn_row_major_like_numpy()
    {
        var random = new NumpyLegacyRandom(1);
        var points = new double[12];
        random.Uniform(-10, 10, points);
        double[] expected =
        [
            -1.6595599059485195, 4.4064898688431615, -9.997712503653101, -3.9533485473632046,
            -7.064882183657739, -8.153228104624045, -6.274795772446582, -3.0887854591390447,
            -2.0646505153866013, 0.7763346800671389, -1.6161097119341044, 3.7043900079351904,
        ];
        Assert.Equal(expected, points);
    }

    [Fact]
    public void Uniform_with_per_coordinate_bounds_broadcasts_over_rows_like_numpy()
    {
        var random = new NumpyLegacyRandom(3);
        var points = new double[6];
        random.Uniform([0.0, -1.0, 2.0], [1.0, 1.0, 5.0], points);
        double[] expected = [0.5507979025745755, 0.41629564523620965, 2.872714216738833, 0.510827605197663, 0.7858939086953094, 4.688879266800314];
        Assert.Equal(expected, points);
    }

    [Fact]
    public void Scalar_uniform_uses_the_same_draw_as_the_vector_form()
    {
        var random = new NumpyLegacyRandom(1);
        Assert.Equal(-1.6595599059485195, random.Uniform(-10, 10));
    }

    [Fact]
    public void Shuffle_permutes_like_numpy_shuffle()
    {
        var random = new NumpyLegacyRandom(1);
        var first = Enumerable.Range(0, 10).ToArray();
        random.Shuffle<int>(first);
        Assert.Equal([2, 9, 6, 4, 0, 3, 1, 7, 8, 5], first);

        var second = Enumerable.Range(0, 7).ToArray();
        random.Shuffle<int>(second);
        Assert.Equal([6, 3, 0, 2, 1, 4, 5], second);
    }

    [Fact]
    public void Shuffle_after_the_constant_hessian_draws_matches_the_reference_stream()
    {
        // The reference draws uniform(-10, 10, (3, d)) for the Hessian test, then shuffles the non-violating nodes.
        var random = new NumpyLegacyRandom(1);
        random.Uniform(-10, 10, new double[3 * 40]);
        int[] nodes = [0, 2, 3, 5, 7, 8, 9];
        random.Shuffle<int>(nodes);
        Assert.Equal([3, 5, 9, 2, 0, 7, 8], nodes);
    }

    [Fact]
    public void Interval_of_zero_consumes_no_draw()
    {
        var a = new NumpyLegacyRandom(9);
        var b = new NumpyLegacyRandom(9);
        Assert.Equal(0ul, a.Interval(0));
        Assert.Equal(b.NextUInt32(), a.NextUInt32());
    }

    [Fact]
    public void Uniform_rejects_an_infinite_range()
    {
        var random = new NumpyLegacyRandom(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => random.Uniform(double.NegativeInfinity, 0));
    }

    [Fact]
    public void Uniform_rejects_bounds_of_different_lengths()
    {
        var random = new NumpyLegacyRandom(1);
        Assert.Throws<ArgumentException>(() => random.Uniform([0.0, 1.0], [1.0], new double[4]));
    }
}
