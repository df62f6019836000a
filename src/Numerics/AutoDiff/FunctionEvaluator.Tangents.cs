using System.Numerics.Tensors;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// The forward tangent pass of the Hessian: all d directions travel together, each node holding a Length × d block (row i:
/// the derivative of component i along every input direction), so a dense layer's tangent is one matrix product.
/// </summary>
public sealed partial class FunctionEvaluator
{
    private void ForwardTangent(GraphNode n)
    {
        var k = _dimension;
        var t = _tangents!;
        var tu = t.AsSpan(n.Offset * k, n.Length * k);
        if (IsElementwise(n.Op))
        {
            ElementwisePartials(n, secondOrder: false);
            tu.Clear();
            var na = _nodes[n.FirstId];
            var nb = IsUnary(n.Op) ? null : _nodes[n.SecondId];
            for (var i = 0; i < n.Length; i++)
            {
                var row = tu.Slice(i * k, k);
                AddScaledRow(t, na, i, _dFirst[i], row);
                if (nb is not null)
                {
                    AddScaledRow(t, nb, i, _dSecond[i], row);
                }
            }

            return;
        }

        switch (n.Op)
        {
            case OpCode.Sum:
                {
                    var na = _nodes[n.FirstId];
                    tu.Clear();
                    for (var i = 0; i < na.Length; i++)
                    {
                        TensorPrimitives.Add(tu, Row(t, na, i), tu);
                    }

                    break;
                }

            case OpCode.Dot:
                {
                    GraphNode na = _nodes[n.FirstId], nb = _nodes[n.SecondId];
                    ReadOnlySpan<double> va = Values(na), vb = Values(nb);
                    tu.Clear();
                    for (var i = 0; i < na.Length; i++)
                    {
                        AddScaledRow(t, na, i, vb[i], tu);
                        AddScaledRow(t, nb, i, va[i], tu);
                    }

                    break;
                }

            case OpCode.MatVec:
                {
                    // tu = W · ta over the rows of ta that are not zero; on the input (tangent block I), W itself.
                    var na = _nodes[n.FirstId];
                    var cols = n.Columns;
                    if (na.Op == OpCode.Input)
                    {
                        n.Constants.AsSpan().CopyTo(tu);
                        break;
                    }

                    var active = _activeRows.AsSpan(0, TangentKernel.NonZeroRows(t.AsSpan(na.Offset * k, cols * k), cols, k, _activeRows));
                    TangentKernel.Multiply(n.Constants, cols, 1, active, t.AsSpan(na.Offset * k, cols * k), tu, n.Rows, k, accumulate: false);
                    break;
                }

            case OpCode.Concat:
                {
                    var at = 0;
                    foreach (var p in n.PartIds!)
                    {
                        var np = _nodes[p];
                        var dst = tu.Slice(at * k, np.Length * k);
                        if (np.HasDerivative)
                        {
                            t.AsSpan(np.Offset * k, np.Length * k).CopyTo(dst);
                        }
                        else
                        {
                            dst.Clear();
                        }

                        at += np.Length;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"No tangent rule for {n.Op}.");
        }
    }
}
