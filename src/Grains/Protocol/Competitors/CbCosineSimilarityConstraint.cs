using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// CB for the cosine similarity of the halves of [x, y] (reference <c>cb_cosine_similarity_node.py</c>):
/// cos(x, y) ≥ T ⇔ ‖x − y‖² + 4T‖x‖‖y‖ ≤ ‖x + y‖², each side plus the convexing term 2|T|‖[x, y]‖² that makes both convex.
/// </summary>
public sealed class CbCosineSimilarityConstraint : CbConstraint
{
    /// <summary>The CB constraint of the cosine similarity for <paramref name="function"/>.</summary>
    public CbCosineSimilarityConstraint(MonitoredFunction function)
        : base(function)
    {
    }

    /// <inheritdoc/>
    protected override double H(ReadOnlySpan<double> point, double threshold) =>
        NormSquared(SumOfHalves(point)) + Convexing(point, threshold);

    /// <inheritdoc/>
    protected override double G(ReadOnlySpan<double> point, double threshold)
    {
        var half = Dimension / 2;
        var value = NormSquared(DifferenceOfHalves(point)) + (4 * threshold * Norm(point[..half]) * Norm(point[half..]));
        return value + Convexing(point, threshold);
    }

    /// <inheritdoc/>
    protected override void HGradient(ReadOnlySpan<double> point, double threshold, Span<double> gradient)
    {
        var half = Dimension / 2;
        for (var j = 0; j < half; j++)
        {
            var sum = 2 * (point[j] + point[half + j]);
            gradient[j] = sum + ConvexingGradient(point[j], threshold);
            gradient[half + j] = sum + ConvexingGradient(point[half + j], threshold);
        }
    }

    /// <inheritdoc/>
    protected override void GGradient(ReadOnlySpan<double> point, double threshold, Span<double> gradient)
    {
        var half = Dimension / 2;
        ReadOnlySpan<double> x = point[..half], y = point[half..];
        double normX = Norm(x), normY = Norm(y);
        var xIsZero = !x.ContainsAnyExcept(0.0);
        var yIsZero = !y.ContainsAnyExcept(0.0);
        for (var j = 0; j < half; j++)
        {
            var difference = x[j] - y[j];
            var dx = 2 * difference;
            var dy = -2 * difference;
            if (!xIsZero)
            {
                dx += 4 * threshold * normY * (x[j] / normX);
            }

            if (!yIsZero)
            {
                dy += 4 * threshold * normX * (y[j] / normY);
            }

            gradient[j] = dx + ConvexingGradient(x[j], threshold);
            gradient[half + j] = dy + ConvexingGradient(y[j], threshold);
        }
    }

    // 2T‖X‖², negated for T < 0: 2|T|‖X‖².
    private static double Convexing(ReadOnlySpan<double> point, double threshold)
    {
        var value = 2 * threshold * NormSquared(point);
        return threshold < 0 ? -value : value;
    }

    private static double ConvexingGradient(double coordinate, double threshold)
    {
        var value = 4 * threshold * coordinate;
        return threshold < 0 ? -value : value;
    }
}
