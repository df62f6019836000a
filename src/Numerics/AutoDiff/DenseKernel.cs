using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
