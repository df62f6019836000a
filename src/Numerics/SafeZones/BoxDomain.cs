namespace AutoMon.Numerics;

/// <summary>
/// A per-coordinate box [Lower_i, Upper_i]: a function's domain or a neighbourhood around x0 (reference
/// <c>common_node._inside_domain</c>, <c>automon_node.sync</c>). Immutable.
/// </summary>
public sealed class BoxDomain
{
    /// <summary>A box from per-coordinate bounds (copied). Throws on length mismatch, NaN, or lower &gt; upper.</summary>
    public BoxDomain(ReadOnlySpan<double> lower, ReadOnlySpan<double> upper) => throw new NotImplementedException();

    /// <summary>The same range [lower, upper] on every one of dimension coordinates (the reference's <c>[domain] * d</c>).</summary>
    public static BoxDomain Uniform(int dimension, double lower, double upper) => throw new NotImplementedException();

    /// <summary>
    /// The neighbourhood box [x0_i - size, x0_i + size], intersected per coordinate with <paramref name="domain"/> when
    /// given (reference <c>automon_node.sync</c> and the coordinator's <c>_update_neighborhood</c>).
    /// </summary>
    public static BoxDomain Neighborhood(ReadOnlySpan<double> referencePoint, double size, BoxDomain? domain) => throw new NotImplementedException();

    public int Dimension => throw new NotImplementedException();
    public ReadOnlySpan<double> Lower => throw new NotImplementedException();
    public ReadOnlySpan<double> Upper => throw new NotImplementedException();

    /// <summary>True when every coordinate lies in its closed range; a NaN coordinate is outside (as numpy's comparisons).</summary>
    public bool Contains(ReadOnlySpan<double> point) => throw new NotImplementedException();
}
