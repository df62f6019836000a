using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoMon.Numerics;

/// <summary>Q(diff) = (diff @ A) @ diff, in the reference's order (<c>automon_node._func_dc_operator</c>). Allocation-free kernels.</summary>
internal static class QuadraticForm
{
    /// <summary>(diff @ A) @ diff for a d*d row-major A; <paramref name="product"/> is scratch of length d receiving diff @ A.</summary>
    public static double Evaluate(ReadOnlySpan<double> matrix, ReadOnlySpan<double> diff, Span<double> product)
    {
        VectorTimesMatrix(diff, matrix, product);
        return TensorPrimitives.Dot(product, diff);
    }

    /// <summary>(diff @ (lambda I)) @ diff: every diff @ A entry is lambda * diff_j, plus zeros that turn infinite coordinates into NaN.</summary>
    public static double EvaluateScaledIdentity(double lambda, ReadOnlySpan<double> diff, Span<double> scaled)
    {
        TensorPrimitives.Multiply(diff, lambda, scaled);
        var q = TensorPrimitives.Dot(scaled, diff);
        if (!double.IsFinite(q) && diff.Length > 1 && HasInfinity(diff))
        {
            // The reference multiplies the infinite coordinate by the identity's zero off-diagonals: 0 * inf = NaN.
            q = double.NaN;
        }

        return q;
    }

    /// <summary>
    /// destination_j = sum_i x_i * matrix[i, j] (x @ A) for a d*d row-major matrix, d = x.Length. Rows are streamed once and
    /// accumulated into register blocks of columns, with two (or four) independent partial sums per column to hide FMA latency.
    /// </summary>
    public static void VectorTimesMatrix(ReadOnlySpan<double> x, ReadOnlySpan<double> matrix, Span<double> destination)
    {
        var d = x.Length;
        if (matrix.Length != d * d || destination.Length != d)
        {
            ThrowLengths();
        }

        ref var m = ref MemoryMarshal.GetReference(matrix);
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var column = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            column = Columns512(ref m, ref xr, ref dst, d);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            column = Columns256(ref m, ref xr, ref dst, d);
        }

        for (; column < d; column++)
        {
            var sum = 0.0;
            for (var i = 0; i < d; i++)
            {
                sum += Unsafe.Add(ref xr, i) * Unsafe.Add(ref m, (i * d) + column);
            }

            Unsafe.Add(ref dst, column) = sum;
        }
    }

    private static int Columns512(ref double m, ref double x, ref double dst, int d)
    {
        const int W = 8;
        var j = 0;
        for (; j + (4 * W) <= d; j += 4 * W)
        {
            Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<double> b0 = default, b1 = default, b2 = default, b3 = default;
            var i = 0;
            for (; i + 1 < d; i += 2)
            {
                var xa = Vector512.Create(Unsafe.Add(ref x, i));
                var xb = Vector512.Create(Unsafe.Add(ref x, i + 1));
                ref var ra = ref Unsafe.Add(ref m, (i * d) + j);
                ref var rb = ref Unsafe.Add(ref m, ((i + 1) * d) + j);
                a0 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, 0), a0);
                a1 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, W), a1);
                a2 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, 2 * W), a2);
                a3 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, 3 * W), a3);
                b0 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref rb, 0), b0);
                b1 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref rb, W), b1);
                b2 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref rb, 2 * W), b2);
                b3 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref rb, 3 * W), b3);
            }

            if (i < d)
            {
                var xa = Vector512.Create(Unsafe.Add(ref x, i));
                ref var ra = ref Unsafe.Add(ref m, (i * d) + j);
                a0 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, 0), a0);
                a1 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, W), a1);
                a2 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, 2 * W), a2);
                a3 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref ra, 3 * W), a3);
            }

            (a0 + b0).StoreUnsafe(ref dst, (nuint)j);
            (a1 + b1).StoreUnsafe(ref dst, (nuint)(j + W));
            (a2 + b2).StoreUnsafe(ref dst, (nuint)(j + (2 * W)));
            (a3 + b3).StoreUnsafe(ref dst, (nuint)(j + (3 * W)));
        }

        for (; j + W <= d; j += W)
        {
            Vector512<double> a = default, b = default, c = default, e = default;
            var i = 0;
            for (; i + 3 < d; i += 4)
            {
                a = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, i)), Vector512.LoadUnsafe(ref m, (nuint)((i * d) + j)), a);
                b = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, i + 1)), Vector512.LoadUnsafe(ref m, (nuint)(((i + 1) * d) + j)), b);
                c = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, i + 2)), Vector512.LoadUnsafe(ref m, (nuint)(((i + 2) * d) + j)), c);
                e = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, i + 3)), Vector512.LoadUnsafe(ref m, (nuint)(((i + 3) * d) + j)), e);
            }

            for (; i < d; i++)
            {
                a = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, i)), Vector512.LoadUnsafe(ref m, (nuint)((i * d) + j)), a);
            }

            ((a + b) + (c + e)).StoreUnsafe(ref dst, (nuint)j);
        }

        return j;
    }

    private static int Columns256(ref double m, ref double x, ref double dst, int d)
    {
        const int W = 4;
        var j = 0;
        for (; j + (4 * W) <= d; j += 4 * W)
        {
            Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<double> b0 = default, b1 = default, b2 = default, b3 = default;
            var i = 0;
            for (; i + 1 < d; i += 2)
            {
                var xa = Vector256.Create(Unsafe.Add(ref x, i));
                var xb = Vector256.Create(Unsafe.Add(ref x, i + 1));
                ref var ra = ref Unsafe.Add(ref m, (i * d) + j);
                ref var rb = ref Unsafe.Add(ref m, ((i + 1) * d) + j);
                a0 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, 0), a0);
                a1 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, W), a1);
                a2 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, 2 * W), a2);
                a3 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, 3 * W), a3);
                b0 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref rb, 0), b0);
                b1 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref rb, W), b1);
                b2 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref rb, 2 * W), b2);
                b3 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref rb, 3 * W), b3);
            }

            if (i < d)
            {
                var xa = Vector256.Create(Unsafe.Add(ref x, i));
                ref var ra = ref Unsafe.Add(ref m, (i * d) + j);
                a0 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, 0), a0);
                a1 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, W), a1);
                a2 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, 2 * W), a2);
                a3 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref ra, 3 * W), a3);
            }

            (a0 + b0).StoreUnsafe(ref dst, (nuint)j);
            (a1 + b1).StoreUnsafe(ref dst, (nuint)(j + W));
            (a2 + b2).StoreUnsafe(ref dst, (nuint)(j + (2 * W)));
            (a3 + b3).StoreUnsafe(ref dst, (nuint)(j + (3 * W)));
        }

        for (; j + W <= d; j += W)
        {
            Vector256<double> a = default, b = default, c = default, e = default;
            var i = 0;
            for (; i + 3 < d; i += 4)
            {
                a = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref x, i)), Vector256.LoadUnsafe(ref m, (nuint)((i * d) + j)), a);
                b = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref x, i + 1)), Vector256.LoadUnsafe(ref m, (nuint)(((i + 1) * d) + j)), b);
                c = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref x, i + 2)), Vector256.LoadUnsafe(ref m, (nuint)(((i + 2) * d) + j)), c);
                e = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref x, i + 3)), Vector256.LoadUnsafe(ref m, (nuint)(((i + 3) * d) + j)), e);
            }

            for (; i < d; i++)
            {
                a = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref x, i)), Vector256.LoadUnsafe(ref m, (nuint)((i * d) + j)), a);
            }

            ((a + b) + (c + e)).StoreUnsafe(ref dst, (nuint)j);
        }

        return j;
    }

    private static bool HasInfinity(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
        {
            if (double.IsInfinity(v))
            {
                return true;
            }
        }

        return false;
    }

    private static void ThrowLengths() => throw new ArgumentException("Quadratic form operands have inconsistent lengths.");
}
