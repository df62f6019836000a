using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoMon.Numerics;

/// <summary>
/// x @ A for an ADCD-E matrix with few non-zero diagonals (inner product: 3 of 79 at d = 40), giving the bits of
/// <see cref="QuadraticForm.VectorTimesMatrix"/> for finite x while skipping its zero terms. Column j of x @ A sums
/// x_(j+δ) · A[j+δ, j] over the diagonals δ, so a vector of columns takes one load of x per diagonal. Per vector of
/// columns it keeps the dense kernel's accumulators: each accumulator's share of a diagonal is a value vector that is
/// zero in the lanes whose row goes to another accumulator, diagonals in ascending order (rows in ascending order per
/// lane), and the accumulators are added as the kernel adds them; when every lane's rows go to one accumulator, that one
/// takes all terms (<see cref="OneAccumulatorPerLane"/>). The terms left out, and the masked lanes, are x_i · 0:
/// with x finite that is ±0, which leaves a sum unchanged (up to the sign of a zero sum, which no comparison sees).
/// Fixed-size buffers: rebuilding for another matrix of the same size allocates nothing.
/// </summary>
internal sealed class SparseColumns
{
    private readonly int _d;
    private readonly int _width; // the dense kernel's vector width
    private readonly int _blockColumns; // columns in its blocks of 4 vectors (2 accumulators per vector)
    private readonly int _vectorColumns; // columns in whole vectors (the rest after the blocks: 4 accumulators)

    // Vector v, accumulator c: terms [_segments[4v + c], _segments[4v + c + 1]); term t loads x at _shifts[t] + the
    // vector's first column (x padded by d − 1 zeros on both sides) and multiplies it by _values[t·width ..].
    private readonly int[] _segments;
    private readonly int[] _shifts;
    private readonly double[] _values;
    private readonly bool[] _merged; // per vector: all its terms in accumulator 0 (OneAccumulatorPerLane)
    private double[] _matrix = [];

    private SparseColumns(int d, int width)
    {
        _d = d;
        _width = width;
        _blockColumns = d / (4 * width) * 4 * width;
        _vectorColumns = _blockColumns + ((d - _blockColumns) / width * width);
        var vectors = _vectorColumns / width;
        _segments = new int[(4 * vectors) + 1];
        _merged = new bool[vectors];
        var maxTerms = MaxTerms(d, width);
        _shifts = new int[maxTerms];
        _values = new double[maxTerms * width];
    }

    /// <summary>The matrix of the last build.</summary>
    public double[] Matrix => _matrix;

    // A quarter of the dense kernel's multiply-adds (d per vector of columns), so the sparse form is clearly faster.
    private static int MaxTerms(int d, int width) => Math.Max(1, d / width * d / 4);

    /// <summary>
    /// The sparse form of <paramref name="matrix"/> (d×d row-major, kept by reference: it must not change while in use),
    /// in <paramref name="reuse"/> when it fits; null when the dense kernel is as fast (too many terms, scalar columns
    /// left over, or no vector hardware).
    /// </summary>
    public static SparseColumns? Build(double[] matrix, int d, SparseColumns? reuse)
    {
        var width = Vector512.IsHardwareAccelerated ? Vector512<double>.Count : Vector256.IsHardwareAccelerated ? Vector256<double>.Count : 0;
        if (width == 0 || d % width != 0)
        {
            return null;
        }

        // Cheap refusal of dense matrices before anything is allocated.
        var nonZeros = 0;
        foreach (var v in matrix)
        {
            if (v != 0 && ++nonZeros > d * d / 4)
            {
                return null;
            }
        }

        var sparse = reuse is not null && reuse._d == d && reuse._width == width ? reuse : new SparseColumns(d, width);
        return sparse.Fill(matrix) ? sparse : null;
    }

    /// <summary>
    /// <see cref="Build"/> for a matrix that never changes (an immutable ADCD-E argument that many safe zones share):
    /// built once per matrix and shared by all of them, read-only (null as for <see cref="Build"/>).
    /// </summary>
    public static SparseColumns? Shared(double[] matrix, int d) =>
        SharedForms.GetValue(matrix, m => new SharedForm(Build(m, d, reuse: null))).Columns;

    // Per immutable matrix; the entry goes with the matrix. A node's check only reads the form, so threads share it.
    private static readonly ConditionalWeakTable<double[], SharedForm> SharedForms = [];

    private sealed record SharedForm(SparseColumns? Columns);

    private bool Fill(double[] matrix)
    {
        _matrix = []; // until the build completes
        var d = _d;
        var w = _width;
        var terms = 0;
        var vector = 0;
        for (var column = 0; column < _vectorColumns; column += w, vector++)
        {
            var accumulators = column < _blockColumns ? 2 : 4;
            var merged = OneAccumulatorPerLane(matrix, column, accumulators);
            _merged[vector] = merged;
            for (var c = 0; c < 4; c++)
            {
                _segments[(4 * vector) + c] = terms;
                if (merged && c > 0)
                {
                    continue;
                }

                for (var shift = -(d - 1); shift <= d - 1; shift++)
                {
                    var any = false;
                    for (var lane = 0; lane < w; lane++)
                    {
                        any |= Entry(matrix, column + lane, shift, accumulators, merged ? -1 : c) != 0;
                    }

                    if (!any)
                    {
                        continue;
                    }

                    if (terms == _shifts.Length)
                    {
                        return false;
                    }

                    for (var lane = 0; lane < w; lane++)
                    {
                        _values[(terms * w) + lane] = Entry(matrix, column + lane, shift, accumulators, merged ? -1 : c);
                    }

                    _shifts[terms++] = shift + d - 1;
                }
            }
        }

        _segments[4 * vector] = terms;
        _matrix = matrix;
        return true;
    }

    /// <summary>
    /// The dense kernel's accumulator for row i of a vector with <paramref name="accumulators"/> of them: blocks alternate
    /// rows between 2; single vectors take rows in groups of 4, the rows after the last full group going to the first.
    /// </summary>
    private int Owner(int i, int accumulators) => accumulators == 2 ? i % 2 : i < _d - (_d % 4) ? i % 4 : 0;

    /// <summary>A[j + shift, j] when that row goes to accumulator <paramref name="owner"/> (any when −1), else 0.</summary>
    private double Entry(double[] matrix, int j, int shift, int accumulators, int owner)
    {
        var i = j + shift;
        return i >= 0 && i < _d && (owner < 0 || Owner(i, accumulators) == owner) ? matrix[(i * _d) + j] : 0;
    }

    /// <summary>
    /// True when each lane's non-zeros all go to one accumulator (inner product: rows j and j ± d/2). Then the other
    /// accumulators of that lane only ever add x · 0 to +0 and stay +0, so one accumulator over all terms, plus +0 for
    /// the kernel's final additions, gives the same bits with a quarter or half of the terms.
    /// </summary>
    private bool OneAccumulatorPerLane(double[] matrix, int column, int accumulators)
    {
        for (var j = column; j < column + _width; j++)
        {
            var owner = -1;
            for (var i = 0; i < _d; i++)
            {
                if (matrix[(i * _d) + j] == 0)
                {
                    continue;
                }

                var o = Owner(i, accumulators);
                if (owner >= 0 && o != owner)
                {
                    return false;
                }

                owner = o;
            }
        }

        return true;
    }

    /// <summary>
    /// destination = x @ A for x at [d − 1, 2d − 1) of <paramref name="padded"/>, whose other 2d − 2 entries are 0; x must
    /// be finite (the caller falls back to the dense kernel otherwise).
    /// </summary>
    public void VectorTimesMatrix(ReadOnlySpan<double> padded, Span<double> destination)
    {
        var d = _d;
        if (padded.Length != (3 * d) - 2 || destination.Length != d)
        {
            throw new ArgumentException("Sparse product operands have inconsistent lengths.");
        }

        ref var xp = ref MemoryMarshal.GetReference(padded);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        ref var values = ref MemoryMarshal.GetArrayDataReference(_values);
        ref var shifts = ref MemoryMarshal.GetArrayDataReference(_shifts);
        ref var segments = ref MemoryMarshal.GetArrayDataReference(_segments);
        var vector = 0;
        if (_width == Vector512<double>.Count)
        {
            for (var column = 0; column < _vectorColumns; column += Vector512<double>.Count, vector++)
            {
                ref var s = ref Unsafe.Add(ref segments, 4 * vector);
                ref var xc = ref Unsafe.Add(ref xp, column);
                var a = Chain512(ref xc, ref shifts, ref values, s, Unsafe.Add(ref s, 1));
                if (_merged[vector])
                {
                    (a + Vector512<double>.Zero).StoreUnsafe(ref dst, (nuint)column); // the kernel's adds of +0
                    continue;
                }

                var b = Chain512(ref xc, ref shifts, ref values, Unsafe.Add(ref s, 1), Unsafe.Add(ref s, 2));
                var sum = column < _blockColumns
                    ? a + b
                    : (a + b) + (Chain512(ref xc, ref shifts, ref values, Unsafe.Add(ref s, 2), Unsafe.Add(ref s, 3))
                        + Chain512(ref xc, ref shifts, ref values, Unsafe.Add(ref s, 3), Unsafe.Add(ref s, 4)));
                sum.StoreUnsafe(ref dst, (nuint)column);
            }
        }
        else
        {
            for (var column = 0; column < _vectorColumns; column += Vector256<double>.Count, vector++)
            {
                ref var s = ref Unsafe.Add(ref segments, 4 * vector);
                ref var xc = ref Unsafe.Add(ref xp, column);
                var a = Chain256(ref xc, ref shifts, ref values, s, Unsafe.Add(ref s, 1));
                if (_merged[vector])
                {
                    (a + Vector256<double>.Zero).StoreUnsafe(ref dst, (nuint)column); // the kernel's adds of +0
                    continue;
                }

                var b = Chain256(ref xc, ref shifts, ref values, Unsafe.Add(ref s, 1), Unsafe.Add(ref s, 2));
                var sum = column < _blockColumns
                    ? a + b
                    : (a + b) + (Chain256(ref xc, ref shifts, ref values, Unsafe.Add(ref s, 2), Unsafe.Add(ref s, 3))
                        + Chain256(ref xc, ref shifts, ref values, Unsafe.Add(ref s, 3), Unsafe.Add(ref s, 4)));
                sum.StoreUnsafe(ref dst, (nuint)column);
            }
        }
    }

    // One accumulator of the dense kernel: FMAs from +0, diagonals (so each lane's rows) in ascending order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Chain512(ref double x, ref int shifts, ref double values, int start, int end)
    {
        var sum = Vector512<double>.Zero;
        for (var t = start; t < end; t++)
        {
            var xs = Vector512.LoadUnsafe(ref x, (nuint)Unsafe.Add(ref shifts, t));
            sum = Vector512.FusedMultiplyAdd(xs, Vector512.LoadUnsafe(ref values, (nuint)(t * Vector512<double>.Count)), sum);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Chain256(ref double x, ref int shifts, ref double values, int start, int end)
    {
        var sum = Vector256<double>.Zero;
        for (var t = start; t < end; t++)
        {
            var xs = Vector256.LoadUnsafe(ref x, (nuint)Unsafe.Add(ref shifts, t));
            sum = Vector256.FusedMultiplyAdd(xs, Vector256.LoadUnsafe(ref values, (nuint)(t * Vector256<double>.Count)), sum);
        }

        return sum;
    }
}
