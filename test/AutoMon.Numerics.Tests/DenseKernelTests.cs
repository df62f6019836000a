using AutoMon.Numerics.AutoDiff;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests;

/// <summary>The blocked dense-layer products equal plain loops up to rounding.</summary>
public class DenseKernelTests
{
    [Property(MaxTest = 100)]
    public bool Column_wise_product_has_the_row_wise_products_bits(int seed)
    {
        // Rows in whole passes of 32 and single vectors of 8, columns with and without a tail, a third of x zero (ReLU).
        var r = new Random(seed);
        int rows = 8 * (1 + r.Next(9)), cols = 1 + r.Next(70);
        var w = Enumerable.Range(0, rows * cols).Select(_ => (r.NextDouble() * 2) - 1).ToArray();
        var x = Enumerable.Range(0, cols).Select(_ => r.Next(3) == 0 ? 0 : ((r.NextDouble() * 2) - 1) * Math.Pow(10, r.Next(-3, 4))).ToArray();

        var expected = new double[rows];
        var actual = new double[rows];
        DenseKernel.Multiply(w, rows, cols, x, expected);
        DenseKernel.MultiplyByColumns(DenseKernel.Transpose(w, rows, cols), rows, cols, x, actual, new int[cols]);
        return expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Select(BitConverter.DoubleToInt64Bits));
    }

    [Property(MaxTest = 200)]
    public bool Matrix_vector_products_equal_plain_loops(int seed)
    {
        var r = new Random(seed);
        int rows = 1 + r.Next(13), cols = 1 + r.Next(45);
        var w = Enumerable.Range(0, rows * cols).Select(_ => (r.NextDouble() * 2) - 1).ToArray();
        var x = Enumerable.Range(0, cols).Select(_ => (r.NextDouble() * 2) - 1).ToArray();
        var yBar = Enumerable.Range(0, rows).Select(_ => r.Next(3) == 0 ? 0 : (r.NextDouble() * 2) - 1).ToArray();
        var start = Enumerable.Range(0, cols).Select(_ => r.NextDouble()).ToArray();

        var y = new double[rows];
        DenseKernel.Multiply(w, rows, cols, x, y);
        var xBar = (double[])start.Clone();
        DenseKernel.MultiplyTransposedAdd(w, rows, cols, yBar, xBar);

        for (var i = 0; i < rows; i++)
        {
            var expected = 0.0;
            for (var j = 0; j < cols; j++)
            {
                expected += w[(i * cols) + j] * x[j];
            }

            if (!Oracles.Close(expected, y[i], 1e-13))
            {
                return false;
            }
        }

        for (var j = 0; j < cols; j++)
        {
            var expected = start[j];
            for (var i = 0; i < rows; i++)
            {
                expected += w[(i * cols) + j] * yBar[i];
            }

            if (!Oracles.Close(expected, xBar[j], 1e-13))
            {
                return false;
            }
        }

        return true;
    }
}
