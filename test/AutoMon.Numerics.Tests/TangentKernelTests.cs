using AutoMon.Numerics.AutoDiff;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests;

/// <summary>The register-blocked tangent product equals the plain row-by-row loop it replaced, bit for bit.</summary>
public class TangentKernelTests
{
    [Property(MaxTest = 200)]
    public bool Blocked_product_equals_the_row_by_row_loop_bit_for_bit(int seed)
    {
        var r = new Random(seed);
        int m = 1 + r.Next(13), n = 1 + r.Next(11), k = 1 + r.Next(45);
        var transposed = r.Next(2) == 1;
        var accumulate = r.Next(2) == 1;
        var a = Enumerable.Range(0, m * n).Select(_ => (r.NextDouble() * 2) - 1).ToArray();
        var b = Enumerable.Range(0, n * k).Select(_ => (r.NextDouble() * 2) - 1).ToArray();
        var start = Enumerable.Range(0, m * k).Select(_ => r.NextDouble()).ToArray();
        var active = Enumerable.Range(0, n).Where(_ => r.Next(4) != 0).ToArray();

        // a(i, j): row-major m × n, or the transpose of a row-major n × m matrix (the reverse pass's Wᵀ).
        var (rowStride, columnStride) = transposed ? (1, m) : (n, 1);
        var expected = (double[])start.Clone();
        for (var i = 0; i < m; i++)
        {
            for (var col = 0; col < k; col++)
            {
                var s = accumulate ? start[(i * k) + col] : 0.0;
                foreach (var j in active)
                {
                    s += a[(i * rowStride) + (j * columnStride)] * b[(j * k) + col];
                }

                expected[(i * k) + col] = s;
            }
        }

        var actual = (double[])start.Clone();
        TangentKernel.Multiply(a, rowStride, columnStride, active, b, actual, m, k, accumulate);
        return expected.Zip(actual).All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second));
    }

    [Fact]
    public void Non_zero_rows_skips_exactly_the_all_zero_rows()
    {
        double[] block = [0, 0, 1, 0, 0, 0, double.NaN, 0, -0.0, 0, 0, 2];
        var active = new int[4];

        var count = TangentKernel.NonZeroRows(block, 4, 3, active);

        Assert.Equal([0, 2, 3], active[..count]);
    }
}
