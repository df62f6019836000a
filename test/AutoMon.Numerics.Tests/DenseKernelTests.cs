using System.Numerics.Tensors;
using AutoMon.Numerics.AutoDiff;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests;

/// <summary>
/// The blocked dense-layer products equal plain loops up to rounding; the column-wise product, its scan of live inputs
/// and the fused bias + ReLU have the bits of the paths they replace.
/// </summary>
public class DenseKernelTests
{
    [Property(MaxTest = 100)]
    public bool Column_wise_product_has_the_row_wise_products_bits(int seed)
    {
        // Rows in whole passes of 32 and single vectors of 8, columns with and without a tail (and past one 64-column word
        // of the scan), a third of x zero of either sign (ReLU).
        var r = new Random(seed);
        int rows = 8 * (1 + r.Next(9)), cols = 1 + r.Next(r.Next(4) == 0 ? 600 : 70);
        var w = Enumerable.Range(0, rows * cols).Select(_ => (r.NextDouble() * 2) - 1).ToArray();
        var x = Enumerable.Range(0, cols).Select(_ => r.Next(3) == 0 ? (r.Next(2) == 0 ? 0.0 : -0.0) : ((r.NextDouble() * 2) - 1) * Math.Pow(10, r.Next(-3, 4))).ToArray();

        var expected = new double[rows];
        var actual = new double[rows];
        DenseKernel.Multiply(w, rows, cols, x, expected);
        DenseKernel.MultiplyByColumns(DenseKernel.Transpose(w, rows, cols), rows, cols, x, actual, new int[DenseKernel.LiveScratchLength(cols)]);
        return expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(actual.Select(BitConverter.DoubleToInt64Bits));
    }

    [Property(MaxTest = 300)]
    public bool Vector_scan_finds_the_scalar_scans_live_columns(int seed)
    {
        // 16 to 715 inputs (the vector path: one to twelve 64-column words, with and without a tail of 1-3), zeros of
        // both signs, NaN and ∞ (live), from none to all zero.
        var r = new Random(seed);
        var cols = 16 + r.Next(r.Next(2) == 0 ? 60 : 700);
        var zeroShare = r.NextDouble();
        var x = Enumerable.Range(0, cols).Select(_ => r.NextDouble() < zeroShare
            ? (r.Next(2) == 0 ? 0.0 : -0.0)
            : r.Next(20) switch { 0 => double.NaN, 1 => double.NegativeInfinity, _ => (r.NextDouble() * 2) - 1 }).ToArray();

        int[] expected = new int[DenseKernel.LiveScratchLength(cols)], actual = new int[expected.Length];
        int[] expectedEnds = new int[5], actualEnds = new int[5];
        DenseKernel.LiveColumnsScalar(x, expected, expectedEnds);
        DenseKernel.LiveColumns(x, actual, actualEnds);
        return expectedEnds.SequenceEqual(actualEnds) && expected.Take(expectedEnds[4]).SequenceEqual(actual.Take(actualEnds[4]));
    }

    [Property(MaxTest = 200)]
    public bool Fused_bias_and_relu_has_the_separate_passes_bits(int seed)
    {
        // Lengths around whole 512-bit vectors; sums of ±0, NaN, ±∞ and ordinary values (ReLU's ties at 0 included).
        var r = new Random(seed);
        var length = 1 + r.Next(r.Next(2) == 0 ? 20 : 600);
        double Draw() => r.Next(8) switch
        {
            0 => 0.0,
            1 => -0.0,
            2 => r.Next(4) switch { 0 => double.NaN, 1 => double.PositiveInfinity, 2 => double.NegativeInfinity, _ => double.Epsilon },
            _ => ((r.NextDouble() * 2) - 1) * Math.Pow(10, r.Next(-3, 4)),
        };
        var y = Enumerable.Range(0, length).Select(_ => Draw()).ToArray();
        var bias = Enumerable.Range(0, length).Select(_ => Draw()).ToArray();

        double[] expectedSum = new double[length], expectedRelu = new double[length];
        TensorPrimitives.Add(y, bias, expectedSum);
        TensorPrimitives.Max(expectedSum, 0.0, expectedRelu);
        double[] sum = new double[length], relu = new double[length];
        DenseKernel.AddBiasRelu(y, bias, sum, relu);
        return Bits(expectedSum).SequenceEqual(Bits(sum)) && Bits(expectedRelu).SequenceEqual(Bits(relu));

        static IEnumerable<long> Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits);
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
