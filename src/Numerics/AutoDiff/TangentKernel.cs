using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// The matrix product behind a dense layer's tangent blocks in the Hessian pass: c[i, :] (+)= Σ_j a(i, j) · b[j, :] over
/// the rows j of b listed as active (the others are zero: ReLU kills whole rows). Rows of b and c have length k, the
/// number of tangent directions. Register-blocked (four output rows by twelve columns share each load); each output
/// element still sums its products one by one in ascending j, multiply then add, unfused, so the result is bit for bit
/// that of the row-by-row loop it replaces.
/// </summary>
internal static class TangentKernel
{
    /// <summary>Indices of the rows of the <paramref name="rows"/> × k block <paramref name="block"/> that are not all zero.</summary>
    public static int NonZeroRows(ReadOnlySpan<double> block, int rows, int k, Span<int> active)
    {
        var count = 0;
        for (var j = 0; j < rows; j++)
        {
            if (TensorPrimitives.MaxMagnitude(block.Slice(j * k, k)) != 0)
            {
                active[count++] = j;
            }
        }

        return count;
    }

    /// <summary>
    /// c[i, :] = (accumulate ? c[i, :] : 0) + Σ_{j in active} a[i·rowStride + j·columnStride] · b[j, :], for i in [0, m).
    /// </summary>
    public static void Multiply(
        ReadOnlySpan<double> a, int rowStride, int columnStride, ReadOnlySpan<int> active, ReadOnlySpan<double> b,
        Span<double> c, int m, int k, bool accumulate)
    {
        if (!accumulate)
        {
            c[..(m * k)].Clear();
        }

        ref var a0 = ref MemoryMarshal.GetReference(a);
        ref var b0 = ref MemoryMarshal.GetReference(b);
        ref var c0 = ref MemoryMarshal.GetReference(c);
        if (k < 4)
        {
            for (var i = 0; i < m; i++)
            {
                ScalarColumns(ref a0, rowStride, columnStride, active, ref b0, ref c0, i, 0, k);
            }

            return;
        }

        // Chunks of four columns, the last one overlapping its neighbour when 4 does not divide k (d = 41), listed from
        // the end so that the overlapping pair falls in the first group: a group loads all its sums before storing any,
        // so the shared columns get the same value twice. Three chunks of four rows: twelve independent sums hide the
        // add latency (multiply and add stay separate for bit-identical results).
        var chunkCount = (k + 3) / 4;
        Span<int> chunks = chunkCount <= 256 ? stackalloc int[chunkCount] : new int[chunkCount];
        chunks[0] = k - 4;
        for (var q = 1; q < chunkCount; q++)
        {
            chunks[q] = 4 * (chunkCount - 1 - q);
        }

        var i0 = 0;
        for (; i0 + 4 <= m; i0 += 4)
        {
            for (var q = 0; q < chunkCount; q += 3)
            {
                int o0 = chunks[q], o1 = chunks[Math.Min(q + 1, chunkCount - 1)], o2 = chunks[Math.Min(q + 2, chunkCount - 1)];
                FourRows(ref a0, rowStride, columnStride, active, ref b0, ref Unsafe.Add(ref c0, i0 * k), i0, k, o0, o1, o2);
            }
        }

        for (; i0 < m; i0++)
        {
            for (var q = 0; q < chunkCount; q += 3)
            {
                int o0 = chunks[q], o1 = chunks[Math.Min(q + 1, chunkCount - 1)], o2 = chunks[Math.Min(q + 2, chunkCount - 1)];
                OneRow(ref a0, rowStride, columnStride, active, ref b0, ref Unsafe.Add(ref c0, i0 * k), i0, k, o0, o1, o2);
            }
        }
    }

    private static void FourRows(
        ref double a0, int rowStride, int columnStride, ReadOnlySpan<int> active, ref double b0, ref double ci, int i, int k,
        int o0, int o1, int o2)
    {
        nuint k1 = (nuint)k, k2 = (nuint)(2 * k), k3 = (nuint)(3 * k);
        ref var c00 = ref Unsafe.Add(ref ci, o0);
        ref var c01 = ref Unsafe.Add(ref ci, o1);
        ref var c02 = ref Unsafe.Add(ref ci, o2);
        Vector256<double> s00 = Vector256.LoadUnsafe(ref c00), s01 = Vector256.LoadUnsafe(ref c01), s02 = Vector256.LoadUnsafe(ref c02);
        Vector256<double> s10 = Vector256.LoadUnsafe(ref c00, k1), s11 = Vector256.LoadUnsafe(ref c01, k1), s12 = Vector256.LoadUnsafe(ref c02, k1);
        Vector256<double> s20 = Vector256.LoadUnsafe(ref c00, k2), s21 = Vector256.LoadUnsafe(ref c01, k2), s22 = Vector256.LoadUnsafe(ref c02, k2);
        Vector256<double> s30 = Vector256.LoadUnsafe(ref c00, k3), s31 = Vector256.LoadUnsafe(ref c01, k3), s32 = Vector256.LoadUnsafe(ref c02, k3);
        foreach (var j in active)
        {
            ref var bj = ref Unsafe.Add(ref b0, j * k);
            Vector256<double> b1 = Vector256.LoadUnsafe(ref bj, (nuint)o0), b2 = Vector256.LoadUnsafe(ref bj, (nuint)o1), b3 = Vector256.LoadUnsafe(ref bj, (nuint)o2);
            ref var aij = ref Unsafe.Add(ref a0, (i * rowStride) + (j * columnStride));
            var w = Vector256.Create(aij);
            s00 += w * b1;
            s01 += w * b2;
            s02 += w * b3;
            w = Vector256.Create(Unsafe.Add(ref aij, rowStride));
            s10 += w * b1;
            s11 += w * b2;
            s12 += w * b3;
            w = Vector256.Create(Unsafe.Add(ref aij, 2 * rowStride));
            s20 += w * b1;
            s21 += w * b2;
            s22 += w * b3;
            w = Vector256.Create(Unsafe.Add(ref aij, 3 * rowStride));
            s30 += w * b1;
            s31 += w * b2;
            s32 += w * b3;
        }

        s00.StoreUnsafe(ref c00);
        s01.StoreUnsafe(ref c01);
        s02.StoreUnsafe(ref c02);
        s10.StoreUnsafe(ref c00, k1);
        s11.StoreUnsafe(ref c01, k1);
        s12.StoreUnsafe(ref c02, k1);
        s20.StoreUnsafe(ref c00, k2);
        s21.StoreUnsafe(ref c01, k2);
        s22.StoreUnsafe(ref c02, k2);
        s30.StoreUnsafe(ref c00, k3);
        s31.StoreUnsafe(ref c01, k3);
        s32.StoreUnsafe(ref c02, k3);
    }

    private static void OneRow(
        ref double a0, int rowStride, int columnStride, ReadOnlySpan<int> active, ref double b0, ref double ci, int i, int k,
        int o0, int o1, int o2)
    {
        ref var c00 = ref Unsafe.Add(ref ci, o0);
        ref var c01 = ref Unsafe.Add(ref ci, o1);
        ref var c02 = ref Unsafe.Add(ref ci, o2);
        Vector256<double> s0 = Vector256.LoadUnsafe(ref c00), s1 = Vector256.LoadUnsafe(ref c01), s2 = Vector256.LoadUnsafe(ref c02);
        foreach (var j in active)
        {
            ref var bj = ref Unsafe.Add(ref b0, j * k);
            var w = Vector256.Create(Unsafe.Add(ref a0, (i * rowStride) + (j * columnStride)));
            s0 += w * Vector256.LoadUnsafe(ref bj, (nuint)o0);
            s1 += w * Vector256.LoadUnsafe(ref bj, (nuint)o1);
            s2 += w * Vector256.LoadUnsafe(ref bj, (nuint)o2);
        }

        s0.StoreUnsafe(ref c00);
        s1.StoreUnsafe(ref c01);
        s2.StoreUnsafe(ref c02);
    }

    /// <summary>Columns [from, k) of output row i, one element at a time (for k &lt; 4).</summary>
    private static void ScalarColumns(
        ref double a0, int rowStride, int columnStride, ReadOnlySpan<int> active, ref double b0, ref double c0, int i, int from, int k)
    {
        for (var col = from; col < k; col++)
        {
            ref var cij = ref Unsafe.Add(ref c0, (i * k) + col);
            var s = cij;
            foreach (var j in active)
            {
                s += Unsafe.Add(ref a0, (i * rowStride) + (j * columnStride)) * Unsafe.Add(ref b0, (j * k) + col);
            }

            cij = s;
        }
    }
}
