using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests.SafeZones;

public class QuadraticFormKernelTests
{
    [Property(MaxTest = 80)]
    public bool Vector_times_matrix_equals_the_naive_sum_for_every_size(int seed)
    {
        // Sizes cover the vector blocks (32 / 16 columns), single vectors and scalar tails of both SIMD widths.
        var random = new Random(seed);
        var d = 1 + random.Next(70);
        var x = Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
        var a = Enumerable.Range(0, d * d).Select(_ => random.NextDouble() - 0.5).ToArray();
        var product = new double[d];

        AutoMon.Numerics.QuadraticForm.VectorTimesMatrix(x, a, product);

        for (var j = 0; j < d; j++)
        {
            var expected = 0.0;
            for (var i = 0; i < d; i++)
            {
                expected += x[i] * a[(i * d) + j];
            }

            if (Math.Abs(expected - product[j]) > 1e-12)
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 50)]
    public bool Dot3_equals_three_separate_dot_products(int seed)
    {
        var random = new Random(seed);
        var d = 1 + random.Next(50);
        double[] Next() => Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
        var (a, b, c, x) = (Next(), Next(), Next(), Next());

        var (da, db, dc) = AutoMon.Numerics.QuadraticForm.Dot3(a, b, c, x);

        static double Dot(double[] u, double[] v) => u.Zip(v, (p, q) => p * q).Sum();
        return Math.Abs(da - Dot(a, x)) < 1e-13 && Math.Abs(db - Dot(b, x)) < 1e-13 && Math.Abs(dc - Dot(c, x)) < 1e-13;
    }

    [Fact]
    public void Quadratic_form_uses_x_times_A_not_A_times_x_for_a_non_symmetric_matrix()
    {
        // A = [[0, 1], [0, 0]]: x @ A = (0, x0), so Q = x0 * x1 either way; but x @ A itself is (0, x0), A @ x would be (x1, 0).
        var product = new double[2];
        var q = AutoMon.Numerics.QuadraticForm.Evaluate([0.0, 1.0, 0.0, 0.0], [2.0, 3.0], product);

        Assert.Equal([0.0, 2.0], product);
        Assert.Equal(6.0, q);
    }

    [Fact]
    public void Scaled_identity_with_an_infinite_coordinate_is_NaN_as_the_reference_matrix_product()
    {
        var q = AutoMon.Numerics.QuadraticForm.EvaluateScaledIdentity(2.0, [double.PositiveInfinity, 1.0], new double[2]);
        Assert.True(double.IsNaN(q));
    }

    [Fact]
    public void Scaled_identity_is_lambda_times_the_squared_norm()
    {
        var q = AutoMon.Numerics.QuadraticForm.EvaluateScaledIdentity(-0.5, [1.0, 2.0, 2.0], new double[3]);
        Assert.Equal(-4.5, q);
    }
}

public class SparseColumnsTests
{
    [Property(MaxTest = 80)]
    public bool Sparse_product_has_the_dense_kernels_bits_for_finite_x(int seed)
    {
        // A few diagonals (inner product's H_minus has 3), sizes 32..72 over the 4-vector blocks and single vectors of
        // both widths; each diagonal keeps a random part of its entries so lanes of one vector differ.
        var random = new Random(seed);
        var d = 8 * (4 + random.Next(6));
        var a = new double[d * d];
        for (var k = 0; k < 1 + random.Next(3); k++)
        {
            var shift = random.Next(-(d - 1), d);
            for (var j = 0; j < d; j++)
            {
                var i = j + shift;
                if (i >= 0 && i < d && random.Next(4) > 0)
                {
                    a[(i * d) + j] = random.NextDouble() - 0.5;
                }
            }
        }

        var x = Enumerable.Range(0, d).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 4))).ToArray();
        var sparse = SparseColumns.Build(a, d, null);
        if (sparse is null)
        {
            return false;
        }

        var expected = new double[d];
        var actual = new double[d];
        QuadraticForm.VectorTimesMatrix(x, a, expected);
        sparse.VectorTimesMatrix(Padded(x), actual);
        return expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Safe_zones_sharing_an_immutable_matrix_share_its_sparse_form()
    {
        const int D = 40;
        var a = new double[D * D];
        for (var j = 0; j < D; j++)
        {
            a[(j * D) + j] = -0.5;
            a[(((j + (D / 2)) % D) * D) + j] = 0.5;
        }

        var shared = SparseColumns.Shared(a, D);
        Assert.NotNull(shared);
        Assert.Same(shared, SparseColumns.Shared(a, D));
        Assert.NotSame(shared, SparseColumns.Shared([.. a], D));
        Assert.Null(SparseColumns.Shared(Enumerable.Repeat(1.0, D * D).ToArray(), D));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(40)]
    [InlineData(64)]
    public void Inner_products_matrix_has_the_dense_kernels_bits(int d)
    {
        // H_minus of x[:d/2] . x[d/2:]: -1/2 on the diagonal, +1/2 on the diagonals ± d/2 (one accumulator per lane).
        var a = new double[d * d];
        for (var j = 0; j < d; j++)
        {
            a[(j * d) + j] = -0.5;
            a[(((j + (d / 2)) % d) * d) + j] = 0.5;
        }

        var random = new Random(d);
        var sparse = SparseColumns.Build(a, d, null);
        Assert.NotNull(sparse);
        for (var round = 0; round < 20; round++)
        {
            var x = Enumerable.Range(0, d).Select(_ => random.NextDouble() - 0.5).ToArray();
            var expected = new double[d];
            var actual = new double[d];
            QuadraticForm.VectorTimesMatrix(x, a, expected);
            sparse.VectorTimesMatrix(Padded(x), actual);
            Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Fact]
    public void Dense_matrices_and_sizes_off_the_vector_width_keep_the_dense_kernel()
    {
        var random = new Random(3);
        var dense = Enumerable.Range(0, 16 * 16).Select(_ => random.NextDouble()).ToArray();
        var identity = new double[9 * 9];
        for (var i = 0; i < 9; i++)
        {
            identity[(i * 9) + i] = 1;
        }

        Assert.Null(SparseColumns.Build(dense, 16, null));
        Assert.Null(SparseColumns.Build(identity, 9, null));
    }

    [Property(MaxTest = 50)]
    public bool Subtract_twice_rounds_as_two_subtractions_and_reports_finiteness(int seed)
    {
        var random = new Random(seed);
        var d = 1 + random.Next(50);
        double[] Next() => Enumerable.Range(0, d).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6))).ToArray();
        var (x, s, x0) = (Next(), Next(), Next());
        if (random.Next(3) == 0)
        {
            x[random.Next(d)] = random.Next(2) == 0 ? double.NaN : double.NegativeInfinity;
        }

        var (point, diff) = (new double[d], new double[d]);
        var finite = QuadraticForm.SubtractTwice(x, s, x0, point, diff);

        var expectedPoint = x.Zip(s, (a, b) => a - b).ToArray();
        var expectedDiff = expectedPoint.Zip(x0, (a, b) => a - b).ToArray();
        static long[] Bits(double[] v) => [.. v.Select(BitConverter.DoubleToInt64Bits)];
        return Bits(point).SequenceEqual(Bits(expectedPoint)) && Bits(diff).SequenceEqual(Bits(expectedDiff))
            && finite == expectedDiff.All(double.IsFinite);
    }

    private static double[] Padded(double[] x)
    {
        var padded = new double[(3 * x.Length) - 2];
        x.CopyTo(padded, x.Length - 1);
        return padded;
    }

    [Fact]
    public void A_non_finite_coordinate_is_seen_so_the_check_falls_back_to_the_dense_product()
    {
        Assert.True(QuadraticForm.AllFinite([1.0, -2.0, 0.0, 1e300, 3, 4, 5, 6, 7, 8]));
        Assert.False(QuadraticForm.AllFinite([1.0, double.PositiveInfinity, 0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.False(QuadraticForm.AllFinite([1.0, 2, 3, 4, 5, 6, 7, 8, double.NaN]));
    }
}
