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

    /// <summary>(diff @ (lambda I)) @ diff; <paramref name="product"/> receives diff @ (lambda I) = lambda * diff.</summary>
    public static double EvaluateScaledIdentity(double lambda, ReadOnlySpan<double> diff, Span<double> product)
    {
        TensorPrimitives.Multiply(diff, lambda, product);
        return ScaledIdentityNaN(TensorPrimitives.Dot(product, diff), diff);
    }

    /// <summary>
    /// The reference multiplies an infinite coordinate by the zero off-diagonals of lambda * I (0 * inf = NaN), so Q is NaN
    /// whenever d &gt; 1 and diff has an infinite entry; applied only when q is not finite, so the common path pays one compare.
    /// </summary>
    public static double ScaledIdentityNaN(double q, ReadOnlySpan<double> diff) =>
        !double.IsFinite(q) && diff.Length > 1 && HasInfinity(diff) ? double.NaN : q;

    /// <summary>destination = a − b elementwise (one rounding per element, so any vector width gives the same bits).</summary>
    public static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> destination)
    {
        var d = a.Length;
        if (b.Length != d || destination.Length != d)
        {
            ThrowLengths();
        }

        ref var ar = ref MemoryMarshal.GetReference(a);
        ref var br = ref MemoryMarshal.GetReference(b);
        ref var dr = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<double>.Count <= d; i += Vector512<double>.Count)
            {
                (Vector512.LoadUnsafe(ref ar, (nuint)i) - Vector512.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<double>.Count <= d; i += Vector256<double>.Count)
            {
                (Vector256.LoadUnsafe(ref ar, (nuint)i) - Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        for (; i < d; i++)
        {
            Unsafe.Add(ref dr, i) = Unsafe.Add(ref ar, i) - Unsafe.Add(ref br, i);
        }
    }

    /// <summary>
    /// point = x − s and diff = point − x0 elementwise in one pass (each rounded as by two <see cref="Subtract"/> calls);
    /// returns true when diff has no NaN or ±∞.
    /// </summary>
    public static bool SubtractTwice(ReadOnlySpan<double> x, ReadOnlySpan<double> s, ReadOnlySpan<double> x0, Span<double> point, Span<double> diff)
    {
        var d = x.Length;
        if (s.Length != d || x0.Length != d || point.Length != d || diff.Length != d)
        {
            ThrowLengths();
        }

        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var sr = ref MemoryMarshal.GetReference(s);
        ref var x0r = ref MemoryMarshal.GetReference(x0);
        ref var pr = ref MemoryMarshal.GetReference(point);
        ref var dr = ref MemoryMarshal.GetReference(diff);
        var i = 0;
        var finite = true;
        if (Vector512.IsHardwareAccelerated)
        {
            var bad = Vector512<double>.Zero;
            for (; i + Vector512<double>.Count <= d; i += Vector512<double>.Count)
            {
                var p = Vector512.LoadUnsafe(ref xr, (nuint)i) - Vector512.LoadUnsafe(ref sr, (nuint)i);
                p.StoreUnsafe(ref pr, (nuint)i);
                var v = p - Vector512.LoadUnsafe(ref x0r, (nuint)i);
                v.StoreUnsafe(ref dr, (nuint)i);
                bad |= v - v; // 0 for finite v, NaN otherwise
            }

            finite = bad == Vector512<double>.Zero;
        }

        for (; i < d; i++)
        {
            var p = Unsafe.Add(ref xr, i) - Unsafe.Add(ref sr, i);
            Unsafe.Add(ref pr, i) = p;
            var v = p - Unsafe.Add(ref x0r, i);
            Unsafe.Add(ref dr, i) = v;
            finite &= double.IsFinite(v);
        }

        return finite;
    }

    /// <summary>destination = x · s elementwise (one rounding per element).</summary>
    public static void Scale(ReadOnlySpan<double> x, double s, Span<double> destination)
    {
        var d = x.Length;
        if (destination.Length != d)
        {
            ThrowLengths();
        }

        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dr = ref MemoryMarshal.GetReference(destination);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            for (; i + Vector512<double>.Count <= d; i += Vector512<double>.Count)
            {
                (Vector512.LoadUnsafe(ref xr, (nuint)i) * vs).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i + Vector256<double>.Count <= d; i += Vector256<double>.Count)
            {
                (Vector256.LoadUnsafe(ref xr, (nuint)i) * vs).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        for (; i < d; i++)
        {
            Unsafe.Add(ref dr, i) = Unsafe.Add(ref xr, i) * s;
        }
    }

    /// <summary>
    /// Three dot products against the same <paramref name="x"/> in one pass: (a . x, b . x, c . x). The check needs Q = (diff @ A) . diff
    /// and both tangent-plane terms; one pass shares the loads of diff and saves two calls.
    /// </summary>
    public static (double A, double B, double C) Dot3(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, ReadOnlySpan<double> x)
    {
        var d = x.Length;
        if (a.Length != d || b.Length != d || c.Length != d)
        {
            ThrowLengths();
        }

        ref var ar = ref MemoryMarshal.GetReference(a);
        ref var br = ref MemoryMarshal.GetReference(b);
        ref var cr = ref MemoryMarshal.GetReference(c);
        ref var xr = ref MemoryMarshal.GetReference(x);
        double sa = 0, sb = 0, sc = 0;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && d >= Vector512<double>.Count)
        {
            Vector512<double> va = default, vb = default, vc = default;
            for (; i + Vector512<double>.Count <= d; i += Vector512<double>.Count)
            {
                var xv = Vector512.LoadUnsafe(ref xr, (nuint)i);
                va = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref ar, (nuint)i), xv, va);
                vb = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref br, (nuint)i), xv, vb);
                vc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref cr, (nuint)i), xv, vc);
            }

            (sa, sb, sc) = (Vector512.Sum(va), Vector512.Sum(vb), Vector512.Sum(vc));
        }
        else if (Vector256.IsHardwareAccelerated && d >= Vector256<double>.Count)
        {
            Vector256<double> va = default, vb = default, vc = default;
            for (; i + Vector256<double>.Count <= d; i += Vector256<double>.Count)
            {
                var xv = Vector256.LoadUnsafe(ref xr, (nuint)i);
                va = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ar, (nuint)i), xv, va);
                vb = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref br, (nuint)i), xv, vb);
                vc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref cr, (nuint)i), xv, vc);
            }

            (sa, sb, sc) = (Vector256.Sum(va), Vector256.Sum(vb), Vector256.Sum(vc));
        }

        for (; i < d; i++)
        {
            var xi = Unsafe.Add(ref xr, i);
            sa += Unsafe.Add(ref ar, i) * xi;
            sb += Unsafe.Add(ref br, i) * xi;
            sc += Unsafe.Add(ref cr, i) * xi;
        }

        return (sa, sb, sc);
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

    /// <summary>True when no value is NaN or ±∞ (v − v is 0 exactly for finite v); a vector of lanes at a time.</summary>
    public static bool AllFinite(ReadOnlySpan<double> values)
    {
        ref var r = ref MemoryMarshal.GetReference(values);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var bad = Vector512<double>.Zero;
            for (; i + Vector512<double>.Count <= values.Length; i += Vector512<double>.Count)
            {
                var v = Vector512.LoadUnsafe(ref r, (nuint)i);
                bad |= v - v;
            }

            if (bad != Vector512<double>.Zero)
            {
                return false;
            }
        }

        for (; i < values.Length; i++)
        {
            if (!double.IsFinite(Unsafe.Add(ref r, i)))
            {
                return false;
            }
        }

        return true;
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
