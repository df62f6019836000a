namespace AutoMon.Numerics;

/// <summary>
/// Which side of the difference-of-convex decomposition carries the curvature correction (paper Sec. 3;
/// reference <c>automon_messages.DcType</c>, same numeric values on the wire).
/// </summary>
public enum DcType
{
    /// <summary>f = g - h with g = f - Q/2 convex and h = -Q/2 (Q built from H_minus or lambda_min).</summary>
    Convex = 0,

    /// <summary>f = g - h with g = Q/2 and h = Q/2 - f convex (Q built from H_plus or lambda_max).</summary>
    Concave = 1,
}
