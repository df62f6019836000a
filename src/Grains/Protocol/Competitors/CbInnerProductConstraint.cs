using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// CB for the inner product ⟨x, y⟩ of the halves of [x, y] (reference <c>cb_inner_product_node.py</c>):
/// 4⟨x, y⟩ = ‖x + y‖² − ‖x − y‖², so ⟨x, y⟩ ≥ T ⇔ g = ‖x − y‖² + 4T ≤ h = ‖x + y‖².
/// </summary>
public sealed class CbInnerProductConstraint : CbConstraint
{
    /// <summary>The CB constraint of the inner product for <paramref name="function"/>.</summary>
    public CbInnerProductConstraint(MonitoredFunction function)
        : base(function)
    {
    }

    /// <inheritdoc/>
    protected override double H(ReadOnlySpan<double> point, double threshold) => NormSquared(SumOfHalves(point));

    /// <inheritdoc/>
    protected override double G(ReadOnlySpan<double> point, double threshold) => NormSquared(DifferenceOfHalves(point)) + (4 * threshold);

    /// <inheritdoc/>
    protected override void HGradient(ReadOnlySpan<double> point, double threshold, Span<double> gradient)
    {
        var half = Dimension / 2;
        for (var j = 0; j < half; j++)
        {
            gradient[j] = gradient[half + j] = 2 * (point[j] + point[half + j]);
        }
    }

    /// <inheritdoc/>
    protected override void GGradient(ReadOnlySpan<double> point, double threshold, Span<double> gradient)
    {
        var half = Dimension / 2;
        for (var j = 0; j < half; j++)
        {
            var difference = point[j] - point[half + j];
            gradient[j] = 2 * difference;
            gradient[half + j] = -2 * difference;
        }
    }
}
