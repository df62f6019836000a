using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoMon.Numerics;

/// <summary>
/// A per-coordinate box [Lower_i, Upper_i]: a function's domain or a neighbourhood around x0 (reference
/// <c>common_node._inside_domain</c>, <c>automon_node.sync</c>). Immutable. Bounds may be infinite.
/// </summary>
public sealed class BoxDomain
{
    private readonly double[] _lower;
    private readonly double[] _upper;

    /// <summary>A box from per-coordinate bounds (copied). Throws on length mismatch, NaN, or lower &gt; upper.</summary>
    public BoxDomain(ReadOnlySpan<double> lower, ReadOnlySpan<double> upper)
    {
        if (lower.Length != upper.Length)
        {
            throw new ArgumentException($"Box bounds differ in length: lower has {lower.Length}, upper has {upper.Length}.", nameof(upper));
        }

        if (lower.IsEmpty)
        {
            throw new ArgumentException("A box needs at least one coordinate.", nameof(lower));
        }

        for (var i = 0; i < lower.Length; i++)
        {
            if (double.IsNaN(lower[i]) || double.IsNaN(upper[i]))
            {
                throw new ArgumentException($"Box bound of coordinate {i} is NaN.", nameof(lower));
            }

            if (lower[i] > upper[i])
            {
                throw new ArgumentException($"Box coordinate {i} has lower bound {lower[i]} above upper bound {upper[i]}.", nameof(lower));
            }
        }

        _lower = lower.ToArray();
        _upper = upper.ToArray();
    }

    /// <summary>The same range [lower, upper] on every one of dimension coordinates (the reference's <c>[domain] * d</c>).</summary>
    public static BoxDomain Uniform(int dimension, double lower, double upper)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        var lo = new double[dimension];
        var hi = new double[dimension];
        lo.AsSpan().Fill(lower);
        hi.AsSpan().Fill(upper);
        return new BoxDomain(lo, hi);
    }

    /// <summary>
    /// The neighbourhood box [x0_i - size, x0_i + size], intersected per coordinate with <paramref name="domain"/> when
    /// given (reference <c>automon_node.sync</c> and the coordinator's <c>_update_neighborhood</c>).
    /// </summary>
    public static BoxDomain Neighborhood(ReadOnlySpan<double> referencePoint, double size, BoxDomain? domain)
    {
        if (!(size >= 0) || double.IsPositiveInfinity(size))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Neighbourhood size must be finite and non-negative.");
        }

        if (domain is not null && domain.Dimension != referencePoint.Length)
        {
            throw new ArgumentException($"Domain has {domain.Dimension} coordinates but the reference point has {referencePoint.Length}.", nameof(domain));
        }

        var lo = new double[referencePoint.Length];
        var hi = new double[referencePoint.Length];
        for (var i = 0; i < lo.Length; i++)
        {
            var x = referencePoint[i];
            if (!double.IsFinite(x))
            {
                throw new ArgumentException($"Reference point coordinate {i} is {x}.", nameof(referencePoint));
            }

            // Same order as the reference: max(x0 - r, lo), min(x0 + r, hi).
            lo[i] = domain is null ? x - size : Math.Max(x - size, domain._lower[i]);
            hi[i] = domain is null ? x + size : Math.Min(x + size, domain._upper[i]);
        }

        return new BoxDomain(lo, hi);
    }

    public int Dimension => _lower.Length;

    public ReadOnlySpan<double> Lower => _lower;

    public ReadOnlySpan<double> Upper => _upper;

    /// <summary>True when every coordinate lies in its closed range; a NaN coordinate is outside (as numpy's comparisons).</summary>
    public bool Contains(ReadOnlySpan<double> point)
    {
        if (point.Length != _lower.Length)
        {
            ThrowLengthMismatch(point.Length);
        }

        ref var p = ref MemoryMarshal.GetReference(point);
        ref var lo = ref MemoryMarshal.GetArrayDataReference(_lower);
        ref var hi = ref MemoryMarshal.GetArrayDataReference(_upper);
        var n = point.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Ordered comparisons are false for NaN, so "all in range" rejects NaN like numpy's np.all(x >= lo).
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var x = Vector256.LoadUnsafe(ref p, (nuint)i);
                if (!Vector256.GreaterThanOrEqualAll(x, Vector256.LoadUnsafe(ref lo, (nuint)i))
                    || !Vector256.LessThanOrEqualAll(x, Vector256.LoadUnsafe(ref hi, (nuint)i)))
                {
                    return false;
                }
            }
        }

        for (; i < n; i++)
        {
            var x = Unsafe.Add(ref p, i);
            if (!(x >= Unsafe.Add(ref lo, i) && x <= Unsafe.Add(ref hi, i)))
            {
                return false;
            }
        }

        return true;
    }

    private void ThrowLengthMismatch(int length) =>
        throw new ArgumentException($"Point has {length} coordinates but the box has {_lower.Length}.", "point");
}
