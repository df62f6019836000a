using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// A dense layer's matrix-vector products, y = W x and x̄ += Wᵀ ȳ, W row-major (rows × columns). Four rows at a time so
/// each load of x (or x̄) serves four rows: one call per row of length 41 (the DNN's first layer) costs more in call
/// overhead than in arithmetic. Sums run in a fixed order of their own, so values differ from a per-row dot product in
/// the last bits; every pass of the engine uses these same kernels. A second set of sums per row or 512-bit vectors
/// gained nothing measurable here (docs/performance.md, automatic differentiation).
/// </summary>
internal static class DenseKernel
{
    /// <summary>y = W x.</summary>
    public static void Multiply(ReadOnlySpan<double> w, int rows, int columns, ReadOnlySpan<double> x, Span<double> y)
    {
        ref var w0 = ref MemoryMarshal.GetReference(w);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        var r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref var wr = ref Unsafe.Add(ref w0, r * columns);
            Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
            var c = 0;
            for (; c + 4 <= columns; c += 4)
            {
                var xc = Vector256.LoadUnsafe(ref x0, (nuint)c);
                s0 += Vector256.LoadUnsafe(ref wr, (nuint)c) * xc;
                s1 += Vector256.LoadUnsafe(ref wr, (nuint)(columns + c)) * xc;
                s2 += Vector256.LoadUnsafe(ref wr, (nuint)((2 * columns) + c)) * xc;
                s3 += Vector256.LoadUnsafe(ref wr, (nuint)((3 * columns) + c)) * xc;
            }

            double t0 = Vector256.Sum(s0), t1 = Vector256.Sum(s1), t2 = Vector256.Sum(s2), t3 = Vector256.Sum(s3);
            for (; c < columns; c++)
            {
                var xc = Unsafe.Add(ref x0, c);
                t0 += Unsafe.Add(ref wr, c) * xc;
                t1 += Unsafe.Add(ref wr, columns + c) * xc;
                t2 += Unsafe.Add(ref wr, (2 * columns) + c) * xc;
                t3 += Unsafe.Add(ref wr, (3 * columns) + c) * xc;
            }

            y[r] = t0;
            y[r + 1] = t1;
            y[r + 2] = t2;
            y[r + 3] = t3;
        }

        for (; r < rows; r++)
        {
            ref var wr = ref Unsafe.Add(ref w0, r * columns);
            Vector256<double> s = default;
            var c = 0;
            for (; c + 4 <= columns; c += 4)
            {
                s += Vector256.LoadUnsafe(ref wr, (nuint)c) * Vector256.LoadUnsafe(ref x0, (nuint)c);
            }

            var t = Vector256.Sum(s);
            for (; c < columns; c++)
            {
                t += Unsafe.Add(ref wr, c) * Unsafe.Add(ref x0, c);
            }

            y[r] = t;
        }
    }

    /// <summary>
    /// Layers that also keep their weights by column for <see cref="MultiplyByColumns"/>: whole 512-bit vectors of rows,
    /// at least 32 (the DNN's 512, 64 and 32: after a ReLU about half of their inputs are 0).
    /// </summary>
    public static bool ByColumns(int rows) => Vector512.IsHardwareAccelerated && rows >= 32 && rows % Vector512<double>.Count == 0;

    /// <summary>W (rows × columns, row-major) column by column: Wᵀ row-major.</summary>
    public static double[] Transpose(ReadOnlySpan<double> w, int rows, int columns)
    {
        var t = new double[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                t[(c * rows) + r] = w[(r * columns) + c];
            }
        }

        return t;
    }

    /// <summary>
    /// y = W x with the bits of <see cref="Multiply"/>, from W's columns (<paramref name="byColumn"/> = Wᵀ row-major,
    /// rows a multiple of 8), reading only the columns whose x is not 0. <see cref="Multiply"/> gives row r four lane sums
    /// (lane k: columns c ≡ k mod 4 below the last multiple of 4, multiply then add, c ascending), adds them as
    /// (l0 + l1) + (l2 + l3) (Vector256.Sum), then the tail columns one by one. Here each lane is a 512-bit accumulator
    /// over 8 rows, fed the same products in the same order; a skipped term w · 0 is ±0, which leaves a sum unchanged
    /// (up to the sign of a zero sum). <paramref name="live"/>: scratch of <see cref="LiveScratchLength"/> entries.
    /// </summary>
    public static void MultiplyByColumns(ReadOnlySpan<double> byColumn, int rows, int columns, ReadOnlySpan<double> x, Span<double> y, int[] live)
    {
        const int W = 8; // Vector512<double>.Count
        if (byColumn.Length != rows * columns || x.Length != columns || y.Length != rows || rows % W != 0 || live.Length < LiveScratchLength(columns))
        {
            throw new ArgumentException("Column-wise product operands have inconsistent lengths.");
        }

        Span<int> laneEnds = stackalloc int[5];
        LiveColumns(x, live, laneEnds);

        ref var w0 = ref MemoryMarshal.GetReference(byColumn);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        ref var l0 = ref MemoryMarshal.GetArrayDataReference(live);
        var r = 0;
        Span<Vector512<double>> lanes = stackalloc Vector512<double>[16];

        // Four vectors of rows per pass: four independent additions per column hide the adder's latency.
        for (; r + (4 * W) <= rows; r += 4 * W)
        {
            var start = 0;
            for (var k = 0; k < 4; k++)
            {
                Vector512<double> a = default, b = default, c = default, e = default;
                for (var i = start; i < laneEnds[k]; i++)
                {
                    var column = Unsafe.Add(ref l0, i);
                    var xc = Vector512.Create(Unsafe.Add(ref x0, column));
                    ref var wc = ref Unsafe.Add(ref w0, (column * rows) + r);
                    a += Vector512.LoadUnsafe(ref wc, 0) * xc;
                    b += Vector512.LoadUnsafe(ref wc, W) * xc;
                    c += Vector512.LoadUnsafe(ref wc, 2 * W) * xc;
                    e += Vector512.LoadUnsafe(ref wc, 3 * W) * xc;
                }

                (lanes[(4 * k) + 0], lanes[(4 * k) + 1], lanes[(4 * k) + 2], lanes[(4 * k) + 3]) = (a, b, c, e);
                start = laneEnds[k];
            }

            for (var v = 0; v < 4; v++)
            {
                var t = (lanes[v] + lanes[4 + v]) + (lanes[8 + v] + lanes[12 + v]);
                for (var i = laneEnds[3]; i < laneEnds[4]; i++)
                {
                    var column = Unsafe.Add(ref l0, i);
                    t += Vector512.LoadUnsafe(ref w0, (nuint)((column * rows) + r + (v * W))) * Vector512.Create(Unsafe.Add(ref x0, column));
                }

                t.StoreUnsafe(ref y0, (nuint)(r + (v * W)));
            }
        }

        for (; r < rows; r += W)
        {
            var start = 0;
            for (var k = 0; k < 4; k++)
            {
                Vector512<double> a = default;
                for (var i = start; i < laneEnds[k]; i++)
                {
                    var column = Unsafe.Add(ref l0, i);
                    a += Vector512.LoadUnsafe(ref w0, (nuint)((column * rows) + r)) * Vector512.Create(Unsafe.Add(ref x0, column));
                }

                lanes[k] = a;
                start = laneEnds[k];
            }

            var t = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
            for (var i = laneEnds[3]; i < laneEnds[4]; i++)
            {
                var column = Unsafe.Add(ref l0, i);
                t += Vector512.LoadUnsafe(ref w0, (nuint)((column * rows) + r)) * Vector512.Create(Unsafe.Add(ref x0, column));
            }

            t.StoreUnsafe(ref y0, (nuint)r);
        }
    }

    /// <summary>Scratch length <see cref="MultiplyByColumns"/> needs for <paramref name="columns"/> inputs: the vector scan stores 16 at a time.</summary>
    public static int LiveScratchLength(int columns) => columns + 16;

    /// <summary>
    /// The columns whose x is not 0 (NaN included, ±0 not), lane by lane: lane k (k &lt; 4) the columns c ≡ k mod 4 below the
    /// last multiple of 4, c ascending, ending at <paramref name="laneEnds"/>[k]; then the tail columns, ending at
    /// laneEnds[4]. With AVX-512 one compare per 8 columns and one compress per lane and 64 columns: a branch per column
    /// mispredicts about half the time after a ReLU (a real run's inputs change every check), and a 512-input layer paid
    /// ~0.3 µs for its scan.
    /// </summary>
    public static void LiveColumns(ReadOnlySpan<double> x, Span<int> live, Span<int> laneEnds)
    {
        var columns = x.Length;
        // A few inputs (the MLP's 2) cost less one by one than the four lanes' extract and compress.
        if (columns < 16 || !Avx512F.IsSupported || !Bmi2.X64.IsSupported || columns > 64 * MaxScanWords || live.Length < LiveScratchLength(columns))
        {
            LiveColumnsScalar(x, live, laneEnds);
            return;
        }

        // One bit per column, set where x is not 0, 64 columns a word.
        var laneColumns = columns - (columns % 4);
        var words = (columns + 63) >> 6;
        Span<ulong> nonZero = stackalloc ulong[MaxScanWords];
        nonZero.Clear();
        ref var x0 = ref MemoryMarshal.GetReference(x);
        var c = 0;
        for (; c + 8 <= columns; c += 8)
        {
            var zero = Vector512.Equals(Vector512.LoadUnsafe(ref x0, (nuint)c), Vector512<double>.Zero);
            nonZero[c >> 6] |= (~zero.ExtractMostSignificantBits() & 0xFFUL) << (c & 63);
        }

        for (; c < columns; c++)
        {
            nonZero[c >> 6] |= (x[c] != 0 ? 1UL : 0) << (c & 63);
        }

        // Lane k of a word: its bits k, k + 4, …, k + 60, gathered into 16 bits, select column numbers by compress.
        var step = Vector512.Create(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60);
        var bit = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
        ref var l0 = ref MemoryMarshal.GetReference(live);
        var count = 0;
        for (var k = 0; k < 4; k++)
        {
            for (var w = 0; w < words; w++)
            {
                var below = laneColumns - (w << 6); // lane columns left from this word on
                var bits = below >= 64 ? nonZero[w] : below > 0 ? nonZero[w] & ((1UL << below) - 1) : 0;
                var selected = (int)Bmi2.X64.ParallelBitExtract(bits, 0x1111_1111_1111_1111UL << k);
                var mask = Vector512.Equals(Vector512.Create(selected) & bit, bit);
                Avx512F.Compress(Vector512<int>.Zero, mask, step + Vector512.Create((w << 6) + k)).StoreUnsafe(ref l0, (nuint)count);
                count += BitOperations.PopCount((uint)selected);
            }

            laneEnds[k] = count;
        }

        for (c = laneColumns; c < columns; c++)
        {
            if (x[c] != 0)
            {
                live[count++] = c;
            }
        }

        laneEnds[4] = count;
    }

    /// <summary><see cref="LiveColumns"/> one column at a time (no AVX-512, or fewer than 16 or more than 1024 inputs).</summary>
    public static void LiveColumnsScalar(ReadOnlySpan<double> x, Span<int> live, Span<int> laneEnds)
    {
        var columns = x.Length;
        var laneColumns = columns - (columns % 4);
        var count = 0;
        for (var k = 0; k < 4; k++)
        {
            for (var c = k; c < laneColumns; c += 4)
            {
                if (x[c] != 0)
                {
                    live[count++] = c;
                }
            }

            laneEnds[k] = count;
        }

        for (var c = laneColumns; c < columns; c++)
        {
            if (x[c] != 0)
            {
                live[count++] = c;
            }
        }

        laneEnds[4] = count;
    }

    private const int MaxScanWords = 16;

    /// <summary>
    /// A dense layer's bias and ReLU in one pass over its product y: sum = y + b and relu = max(sum, 0), the bits of
    /// TensorPrimitives.Add and .Max(·, 0) (NaN stays NaN, max(−0, 0) = +0). Separately the two passes and their dispatch
    /// cost about 0.2 µs for the DNN's 512-row layer.
    /// </summary>
    public static void AddBiasRelu(ReadOnlySpan<double> y, ReadOnlySpan<double> bias, Span<double> sum, Span<double> relu)
    {
        var length = y.Length;
        if (bias.Length != length || sum.Length != length || relu.Length != length)
        {
            throw new ArgumentException("Bias and ReLU operands have inconsistent lengths.");
        }

        ref var y0 = ref MemoryMarshal.GetReference(y);
        ref var b0 = ref MemoryMarshal.GetReference(bias);
        ref var s0 = ref MemoryMarshal.GetReference(sum);
        ref var r0 = ref MemoryMarshal.GetReference(relu);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<double>.Count <= length; i += Vector512<double>.Count)
            {
                var t = Vector512.LoadUnsafe(ref y0, (nuint)i) + Vector512.LoadUnsafe(ref b0, (nuint)i);
                t.StoreUnsafe(ref s0, (nuint)i);
                Vector512.Max(t, Vector512<double>.Zero).StoreUnsafe(ref r0, (nuint)i);
            }
        }

        for (; i < length; i++)
        {
            var t = Unsafe.Add(ref y0, i) + Unsafe.Add(ref b0, i);
            Unsafe.Add(ref s0, i) = t;
            Unsafe.Add(ref r0, i) = Math.Max(t, 0.0);
        }
    }

    /// <summary>x̄ += Wᵀ ȳ (rows whose ȳ is 0 add nothing and are skipped).</summary>
    public static void MultiplyTransposedAdd(ReadOnlySpan<double> w, int rows, int columns, ReadOnlySpan<double> yBar, Span<double> xBar)
    {
        ref var w0 = ref MemoryMarshal.GetReference(w);
        ref var x0 = ref MemoryMarshal.GetReference(xBar);
        var r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            double g0 = yBar[r], g1 = yBar[r + 1], g2 = yBar[r + 2], g3 = yBar[r + 3];
            if (g0 == 0 && g1 == 0 && g2 == 0 && g3 == 0)
            {
                continue;
            }

            ref var wr = ref Unsafe.Add(ref w0, r * columns);
            Vector256<double> v0 = Vector256.Create(g0), v1 = Vector256.Create(g1), v2 = Vector256.Create(g2), v3 = Vector256.Create(g3);
            var c = 0;
            for (; c + 4 <= columns; c += 4)
            {
                var sum = (Vector256.LoadUnsafe(ref wr, (nuint)c) * v0) + (Vector256.LoadUnsafe(ref wr, (nuint)(columns + c)) * v1) +
                    (Vector256.LoadUnsafe(ref wr, (nuint)((2 * columns) + c)) * v2) + (Vector256.LoadUnsafe(ref wr, (nuint)((3 * columns) + c)) * v3);
                (Vector256.LoadUnsafe(ref x0, (nuint)c) + sum).StoreUnsafe(ref x0, (nuint)c);
            }

            for (; c < columns; c++)
            {
                Unsafe.Add(ref x0, c) += (Unsafe.Add(ref wr, c) * g0) + (Unsafe.Add(ref wr, columns + c) * g1) +
                    (Unsafe.Add(ref wr, (2 * columns) + c) * g2) + (Unsafe.Add(ref wr, (3 * columns) + c) * g3);
            }
        }

        for (; r < rows; r++)
        {
            var g = yBar[r];
            if (g == 0)
            {
                continue;
            }

            ref var wr = ref Unsafe.Add(ref w0, r * columns);
            var v = Vector256.Create(g);
            var c = 0;
            for (; c + 4 <= columns; c += 4)
            {
                (Vector256.LoadUnsafe(ref x0, (nuint)c) + (Vector256.LoadUnsafe(ref wr, (nuint)c) * v)).StoreUnsafe(ref x0, (nuint)c);
            }

            for (; c < columns; c++)
            {
                Unsafe.Add(ref x0, c) += Unsafe.Add(ref wr, c) * g;
            }
        }
    }
}
