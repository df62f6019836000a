using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Competitors;

/// <summary>
/// RLV (reference <c>rlv_node.py</c>): a node reports when f of its own vector leaves [L, U]. Not a safe zone: the
/// global f can leave [L, U] while every node is inside, so RLV may miss violations (the coordinator counts them).
/// </summary>
public sealed class RlvConstraint(MonitoredFunction function) : CompetitorConstraint(function)
{
    /// <inheritdoc/>
    protected override bool Inside(ReadOnlySpan<double> point)
    {
        var value = Evaluator.Value(point);
        return LowerThreshold <= value && value <= UpperThreshold;
    }
}
