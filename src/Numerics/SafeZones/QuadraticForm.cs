using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoMon.Numerics;

/// <summary>Q(diff) = (diff @ A) @ diff, in the reference's order (<c>automon_node._func_dc_operator</c>). Allocation-free kernels.</summary>
internal static class QuadraticForm
{
    /// <summary>
    /// (diff @ A) @ diff for a d*d row-major A given as its transpose <paramref name="transposed"/> (so diff @ A is a set of
    /// row dot products); <paramref name="rowProducts"/> is scratch of length d.
    /// </summary>
    public static double Evaluate(ReadOnlySpan<double> transposed, ReadOnlySpan<double> diff, Span<double> rowProducts)
    {
        RowDots(transposed, diff, rowProducts);
        return TensorPrimitives.Dot(rowProducts, diff);
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

    /// <summary>destination_j = matrix_row_j . x for a d*d row-major matrix (d = x.Length).</summary>
    public static void RowDots(ReadOnlySpan<double> matrix, ReadOnlySpan<double> x, Span<double> destination)
    {
        var d = x.Length;
        if (matrix.Length != d * d || destination.Length != d)
        {
            ThrowLengths();
        }

        ref var m = ref MemoryMarshal.GetReference(matrix);
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated && d >= Vector512<double>.Count)
        {
            RowDots512(ref m, ref xr, ref dst, d);
        }
        else if (Vector256.IsHardwareAccelerated && d >= Vector256<double>.Count)
        {
            RowDots256(ref m, ref xr, ref dst, d);
        }
        else
        {
            for (var j = 0; j < d; j++)
            {
                destination[j] = TensorPrimitives.Dot(matrix.Slice(j * d, d), x);
            }
        }
    }

    private static void RowDots512(ref double m, ref double x, ref double dst, int d)
    {
        const int W = 8;
        var full = d - (d % W);
        var j = 0;

        // Two rows at a time share the loads of x and give the FMA units independent chains.
        for (; j + 1 < d; j += 2)
        {
            ref var r0 = ref Unsafe.Add(ref m, j * d);
            ref var r1 = ref Unsafe.Add(ref m, (j + 1) * d);
            var a0 = Vector512<double>.Zero;
            var a1 = Vector512<double>.Zero;
            for (var i = 0; i < full; i += W)
            {
                var xv = Vector512.LoadUnsafe(ref x, (nuint)i);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, (nuint)i), xv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, (nuint)i), xv, a1);
            }

            var s0 = Vector512.Sum(a0);
            var s1 = Vector512.Sum(a1);
            for (var i = full; i < d; i++)
            {
                var xi = Unsafe.Add(ref x, i);
                s0 += Unsafe.Add(ref r0, i) * xi;
                s1 += Unsafe.Add(ref r1, i) * xi;
            }

            Unsafe.Add(ref dst, j) = s0;
            Unsafe.Add(ref dst, j + 1) = s1;
        }

        for (; j < d; j++)
        {
            ref var r0 = ref Unsafe.Add(ref m, j * d);
            var a0 = Vector512<double>.Zero;
            for (var i = 0; i < full; i += W)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, (nuint)i), Vector512.LoadUnsafe(ref x, (nuint)i), a0);
            }

            var s0 = Vector512.Sum(a0);
            for (var i = full; i < d; i++)
            {
                s0 += Unsafe.Add(ref r0, i) * Unsafe.Add(ref x, i);
            }

            Unsafe.Add(ref dst, j) = s0;
        }
    }

    private static void RowDots256(ref double m, ref double x, ref double dst, int d)
    {
        const int W = 4;
        var full = d - (d % W);
        for (var j = 0; j < d; j++)
        {
            ref var r0 = ref Unsafe.Add(ref m, j * d);
            var a0 = Vector256<double>.Zero;
            for (var i = 0; i < full; i += W)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)i), Vector256.LoadUnsafe(ref x, (nuint)i), a0);
            }

            var s0 = Vector256.Sum(a0);
            for (var i = full; i < d; i++)
            {
                s0 += Unsafe.Add(ref r0, i) * Unsafe.Add(ref x, i);
            }

            Unsafe.Add(ref dst, j) = s0;
        }
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
