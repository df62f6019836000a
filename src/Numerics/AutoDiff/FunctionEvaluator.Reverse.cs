using System.Numerics.Tensors;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// The reverse pass, from the output back to the input: adjoints (the gradient), and with <c>secondOrder</c> the adjoints
/// of the d tangents (forward-over-reverse: the Hessian's rows).
/// </summary>
public sealed partial class FunctionEvaluator
{
    private void Reverse(GraphNode n, bool secondOrder)
    {
        var k = _dimension;
        var gu = _adjoints.AsSpan(n.Offset, n.Length);
        if (IsElementwise(n.Op))
        {
            var curved = ElementwisePartials(n, secondOrder);
            var len = n.Length;
            var na = _nodes[n.FirstId];
            var nb = IsUnary(n.Op) ? null : _nodes[n.SecondId];
            if (na.HasDerivative)
            {
                AccumulateAdjoint(gu, _dFirst.AsSpan(0, len), na);
            }

            if (nb is { HasDerivative: true })
            {
                AccumulateAdjoint(gu, _dSecond.AsSpan(0, len), nb);
            }

            if (!secondOrder)
            {
                return;
            }

            var tgu = _tangentAdjoints.AsSpan(n.Offset * k, len * k);
            var t = _tangents!;
            for (var i = 0; i < len; i++)
            {
                var tguRow = tgu.Slice(i * k, k);
                var g = gu[i];
                if (na.HasDerivative)
                {
                    var tgaRow = Row(_tangentAdjoints!, na, i);
                    TensorPrimitives.MultiplyAdd(tguRow, _dFirst[i], tgaRow, tgaRow);
                    if (curved && g != 0)
                    {
                        AddScaledRow(t, na, i, g * _dFirstFirst[i], tgaRow);
                        if (nb is not null)
                        {
                            AddScaledRow(t, nb, i, g * _dFirstSecond[i], tgaRow);
                        }
                    }
                }

                if (nb is { HasDerivative: true })
                {
                    var tgbRow = Row(_tangentAdjoints!, nb, i);
                    TensorPrimitives.MultiplyAdd(tguRow, _dSecond[i], tgbRow, tgbRow);
                    if (curved && g != 0)
                    {
                        AddScaledRow(t, na, i, g * _dFirstSecond[i], tgbRow);
                        AddScaledRow(t, nb, i, g * _dSecondSecond[i], tgbRow);
                    }
                }
            }

            return;
        }

        switch (n.Op)
        {
            case OpCode.Sum:
                {
                    var na = _nodes[n.FirstId];
                    TensorPrimitives.Add(Adjoints(na), gu[0], Adjoints(na));
                    if (secondOrder)
                    {
                        var tguRow = _tangentAdjoints.AsSpan(n.Offset * k, k);
                        for (var i = 0; i < na.Length; i++)
                        {
                            var row = Row(_tangentAdjoints!, na, i);
                            TensorPrimitives.Add(row, tguRow, row);
                        }
                    }

                    break;
                }

            case OpCode.Dot:
                {
                    GraphNode na = _nodes[n.FirstId], nb = _nodes[n.SecondId];
                    var g = gu[0];
                    if (na.HasDerivative)
                    {
                        TensorPrimitives.MultiplyAdd(Values(nb), g, Adjoints(na), Adjoints(na));
                    }

                    if (nb.HasDerivative)
                    {
                        TensorPrimitives.MultiplyAdd(Values(na), g, Adjoints(nb), Adjoints(nb));
                    }

                    if (!secondOrder)
                    {
                        break;
                    }

                    var tguRow = _tangentAdjoints.AsSpan(n.Offset * k, k);
                    ReadOnlySpan<double> va = Values(na), vb = Values(nb);
                    for (var i = 0; i < na.Length; i++)
                    {
                        if (na.HasDerivative)
                        {
                            var row = Row(_tangentAdjoints!, na, i);
                            TensorPrimitives.MultiplyAdd(tguRow, vb[i], row, row);
                            if (nb.HasDerivative)
                            {
                                AddScaledRow(_tangents!, nb, i, g, row);
                            }
                        }

                        if (nb.HasDerivative)
                        {
                            var row = Row(_tangentAdjoints!, nb, i);
                            TensorPrimitives.MultiplyAdd(tguRow, va[i], row, row);
                            if (na.HasDerivative)
                            {
                                AddScaledRow(_tangents!, na, i, g, row);
                            }
                        }
                    }

                    break;
                }

            case OpCode.MatVec:
                {
                    var na = _nodes[n.FirstId];
                    ReadOnlySpan<double> w = n.Constants;
                    var ga = Adjoints(na);
                    var cols = n.Columns;
                    DenseKernel.MultiplyTransposedAdd(w, n.Rows, cols, gu, ga);

                    if (!secondOrder)
                    {
                        break;
                    }

                    // tga += Wᵀ · tgu over the rows of tgu that are not zero.
                    var tgu = _tangentAdjoints.AsSpan(n.Offset * k, n.Rows * k);
                    var active = _activeRows.AsSpan(0, TangentKernel.NonZeroRows(tgu, n.Rows, k, _activeRows));
                    TangentKernel.Multiply(w, 1, cols, active, tgu, _tangentAdjoints.AsSpan(na.Offset * k, cols * k), cols, k, accumulate: true);
                    break;
                }

            case OpCode.Concat:
                {
                    var at = 0;
                    foreach (var p in n.PartIds!)
                    {
                        var np = _nodes[p];
                        if (np.HasDerivative)
                        {
                            TensorPrimitives.Add(Adjoints(np), gu.Slice(at, np.Length), Adjoints(np));
                            if (secondOrder)
                            {
                                var src = _tangentAdjoints.AsSpan((n.Offset + at) * k, np.Length * k);
                                var dst = _tangentAdjoints.AsSpan(np.Offset * k, np.Length * k);
                                TensorPrimitives.Add(dst, src, dst);
                            }
                        }

                        at += np.Length;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"No reverse rule for {n.Op}.");
        }
    }

    /// <summary>ga += gu ⊙ coefficient, summing over elements when a is a broadcast scalar.</summary>
    private void AccumulateAdjoint(ReadOnlySpan<double> gu, ReadOnlySpan<double> coefficient, GraphNode a)
    {
        var ga = Adjoints(a);
        if (a.Length == gu.Length)
        {
            TensorPrimitives.MultiplyAdd(gu, coefficient, ga, ga);
        }
        else
        {
            ga[0] += TensorPrimitives.Dot(gu, coefficient);
        }
    }
}
