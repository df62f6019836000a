using System.Numerics.Tensors;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// The gradient of the curvature along a fixed direction v, ∇ₓ(vᵀ∇²f(x) v) = D³f(x)[v, v, ·]: a second-order Taylor pass
/// along v (per node: value u, first coefficient u' = Du[v], second u'' = D²u[v, v]) and one reverse sweep of that pass from
/// f''. ADCD-X needs it: for a simple eigenvalue λ of the Hessian with unit eigenvector v, ∇λ = ∇ₓ(vᵀH(x)v) at fixed v.
/// It costs about six value passes, against 2d Hessians for finite differences.
/// </summary>
public sealed partial class FunctionEvaluator
{
    // Taylor coefficients (same layout as _values) and their adjoints; _adjoints holds the value adjoints.
    private double[]? _first;
    private double[]? _second;
    private double[]? _firstAdjoints;
    private double[]? _secondAdjoints;

    /// <summary>
    /// Returns vᵀ∇²f(x)v and writes its gradient in x at fixed v, D³f(x)[v, v, ·], into <paramref name="gradient"/>.
    /// </summary>
    public double CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient)
    {
        CheckLength(direction.Length, _dimension, nameof(direction));
        CheckLength(gradient.Length, _dimension, nameof(gradient));
        Load(x);
        var t1 = _first ??= new double[_values.Length];
        var t2 = _second ??= new double[_values.Length];
        var a1 = _firstAdjoints ??= new double[_values.Length];
        var a2 = _secondAdjoints ??= new double[_values.Length];

        // Seed x(t) = x + t·v: first coefficient v, second 0. Nodes without a derivative keep their zero coefficients.
        direction.CopyTo(t1);
        Array.Clear(t2, 0, _dimension);
        foreach (var s in _evaluationOrder)
        {
            var n = _nodes[s];
            if (n.HasDerivative)
            {
                ForwardTaylor(n, t1, t2);
            }
        }

        Array.Clear(_adjoints);
        Array.Clear(a1);
        Array.Clear(a2);
        a2[_outputOffset] = 1;
        for (var s = _evaluationOrder.Length - 1; s >= 0; s--)
        {
            var n = _nodes[_evaluationOrder[s]];
            if (n.HasDerivative)
            {
                ReverseTaylor(n, t1, t2, a1, a2);
            }
        }

        _adjoints.AsSpan(0, _dimension).CopyTo(gradient);
        return t2[_outputOffset];
    }

    private void ForwardTaylor(GraphNode n, double[] t1, double[] t2)
    {
        var o = n.Offset;
        if (IsElementwise(n.Op))
        {
            var na = _nodes[n.FirstId];
            var nb = IsUnary(n.Op) ? null : _nodes[n.SecondId];
            for (var i = 0; i < n.Length; i++)
            {
                var p = LocalPartials.Of(this, n, i);
                double a1 = Coefficient(t1, na, i), a2 = Coefficient(t2, na, i);
                double b1 = nb is null ? 0 : Coefficient(t1, nb, i), b2 = nb is null ? 0 : Coefficient(t2, nb, i);
                t1[o + i] = (p.A * a1) + (p.B * b1);
                t2[o + i] = (p.AA * a1 * a1) + (2 * p.AB * a1 * b1) + (p.BB * b1 * b1) + (p.A * a2) + (p.B * b2);
            }

            return;
        }

        switch (n.Op)
        {
            case OpCode.Sum:
                {
                    var na = _nodes[n.FirstId];
                    t1[o] = TensorPrimitives.Sum<double>(t1.AsSpan(na.Offset, na.Length));
                    t2[o] = TensorPrimitives.Sum<double>(t2.AsSpan(na.Offset, na.Length));
                    break;
                }

            case OpCode.Dot:
                {
                    GraphNode na = _nodes[n.FirstId], nb = _nodes[n.SecondId];
                    ReadOnlySpan<double> a0 = Values(na), b0 = Values(nb);
                    ReadOnlySpan<double> a1 = t1.AsSpan(na.Offset, na.Length), b1 = t1.AsSpan(nb.Offset, nb.Length);
                    ReadOnlySpan<double> a2 = t2.AsSpan(na.Offset, na.Length), b2 = t2.AsSpan(nb.Offset, nb.Length);
                    t1[o] = TensorPrimitives.Dot(a1, b0) + TensorPrimitives.Dot(a0, b1);
                    t2[o] = TensorPrimitives.Dot(a2, b0) + (2 * TensorPrimitives.Dot(a1, b1)) + TensorPrimitives.Dot(a0, b2);
                    break;
                }

            case OpCode.MatVec:
                {
                    // Linear: each coefficient goes through W alone.
                    var na = _nodes[n.FirstId];
                    ReadOnlySpan<double> w = n.Constants;
                    var cols = n.Columns;
                    DenseKernel.Multiply(w, n.Rows, cols, t1.AsSpan(na.Offset, cols), t1.AsSpan(o, n.Rows));
                    DenseKernel.Multiply(w, n.Rows, cols, t2.AsSpan(na.Offset, cols), t2.AsSpan(o, n.Rows));

                    break;
                }

            case OpCode.Concat:
                {
                    var at = o;
                    foreach (var id in n.PartIds!)
                    {
                        var np = _nodes[id];
                        t1.AsSpan(np.Offset, np.Length).CopyTo(t1.AsSpan(at));
                        t2.AsSpan(np.Offset, np.Length).CopyTo(t2.AsSpan(at));
                        at += np.Length;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"No Taylor rule for {n.Op}.");
        }
    }

    private void ReverseTaylor(GraphNode n, double[] t1, double[] t2, double[] g1, double[] g2)
    {
        var g0 = _adjoints;
        var o = n.Offset;
        if (IsElementwise(n.Op))
        {
            var na = _nodes[n.FirstId];
            var nb = IsUnary(n.Op) ? null : _nodes[n.SecondId];
            for (var i = 0; i < n.Length; i++)
            {
                double u0 = g0[o + i], u1 = g1[o + i], u2 = g2[o + i];
                if (u0 == 0 && u1 == 0 && u2 == 0)
                {
                    continue;
                }

                var p = LocalPartials.Of(this, n, i);
                double a1 = Coefficient(t1, na, i), a2 = Coefficient(t2, na, i);
                double b1 = nb is null ? 0 : Coefficient(t1, nb, i), b2 = nb is null ? 0 : Coefficient(t2, nb, i);

                // The partials of u' = A a' + B b' and u'' = AA a'² + 2 AB a'b' + BB b'² + A a'' + B b'' in each operand.
                if (na.HasDerivative)
                {
                    var j = na.Offset + (na.Length == 1 ? 0 : i);
                    var mixed = (p.AA * a1) + (p.AB * b1);
                    g0[j] += (p.A * u0) + (mixed * u1) +
                        (((p.AAA * a1 * a1) + (2 * p.AAB * a1 * b1) + (p.ABB * b1 * b1) + (p.AA * a2) + (p.AB * b2)) * u2);
                    g1[j] += (p.A * u1) + (2 * mixed * u2);
                    g2[j] += p.A * u2;
                }

                if (nb is { HasDerivative: true })
                {
                    var j = nb.Offset + (nb.Length == 1 ? 0 : i);
                    var mixed = (p.AB * a1) + (p.BB * b1);
                    g0[j] += (p.B * u0) + (mixed * u1) +
                        (((p.AAB * a1 * a1) + (2 * p.ABB * a1 * b1) + (p.BBB * b1 * b1) + (p.AB * a2) + (p.BB * b2)) * u2);
                    g1[j] += (p.B * u1) + (2 * mixed * u2);
                    g2[j] += p.B * u2;
                }
            }

            return;
        }

        switch (n.Op)
        {
            case OpCode.Sum:
                {
                    var na = _nodes[n.FirstId];
                    TensorPrimitives.Add(g0.AsSpan(na.Offset, na.Length), g0[o], g0.AsSpan(na.Offset, na.Length));
                    TensorPrimitives.Add(g1.AsSpan(na.Offset, na.Length), g1[o], g1.AsSpan(na.Offset, na.Length));
                    TensorPrimitives.Add(g2.AsSpan(na.Offset, na.Length), g2[o], g2.AsSpan(na.Offset, na.Length));
                    break;
                }

            case OpCode.Dot:
                {
                    // u = Σ aᵢbᵢ is Multiply summed: the same partials per element, with the one adjoint triple of u.
                    GraphNode na = _nodes[n.FirstId], nb = _nodes[n.SecondId];
                    double u0 = g0[o], u1 = g1[o], u2 = g2[o];
                    DotOperand(na, nb, u0, u1, u2, t1, t2, g1, g2);
                    DotOperand(nb, na, u0, u1, u2, t1, t2, g1, g2);
                    break;
                }

            case OpCode.MatVec:
                {
                    var na = _nodes[n.FirstId];
                    ReadOnlySpan<double> w = n.Constants;
                    var cols = n.Columns;
                    DenseKernel.MultiplyTransposedAdd(w, n.Rows, cols, g0.AsSpan(o, n.Rows), g0.AsSpan(na.Offset, cols));
                    DenseKernel.MultiplyTransposedAdd(w, n.Rows, cols, g1.AsSpan(o, n.Rows), g1.AsSpan(na.Offset, cols));
                    DenseKernel.MultiplyTransposedAdd(w, n.Rows, cols, g2.AsSpan(o, n.Rows), g2.AsSpan(na.Offset, cols));

                    break;
                }

            case OpCode.Concat:
                {
                    var at = o;
                    foreach (var id in n.PartIds!)
                    {
                        var np = _nodes[id];
                        if (np.HasDerivative)
                        {
                            foreach (var g in (ReadOnlySpan<double[]>)[g0, g1, g2])
                            {
                                var dst = g.AsSpan(np.Offset, np.Length);
                                TensorPrimitives.Add(dst, g.AsSpan(at, np.Length), dst);
                            }
                        }

                        at += np.Length;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"No Taylor rule for {n.Op}.");
        }
    }

    /// <summary>The adjoints of operand a of u = Σ aᵢbᵢ (a and b may be one node: each call adds its own share).</summary>
    private void DotOperand(GraphNode na, GraphNode nb, double u0, double u1, double u2, double[] t1, double[] t2, double[] g1, double[] g2)
    {
        if (!na.HasDerivative)
        {
            return;
        }

        var len = na.Length;
        ReadOnlySpan<double> b0 = Values(nb), b1 = t1.AsSpan(nb.Offset, len), b2 = t2.AsSpan(nb.Offset, len);
        Span<double> a0 = _adjoints.AsSpan(na.Offset, len), a1 = g1.AsSpan(na.Offset, len), a2 = g2.AsSpan(na.Offset, len);
        AddScaled(b0, u0, a0);
        AddScaled(b1, u1, a0);
        AddScaled(b2, u2, a0);
        AddScaled(b0, u1, a1);
        AddScaled(b1, 2 * u2, a1);
        AddScaled(b0, u2, a2);
    }

    private static void AddScaled(ReadOnlySpan<double> source, double scale, Span<double> destination)
    {
        if (scale != 0)
        {
            TensorPrimitives.MultiplyAdd(source, scale, destination, destination);
        }
    }

    /// <summary>Component i of a node's Taylor coefficient (a broadcast scalar gives its one component); 0 without derivative.</summary>
    private static double Coefficient(double[] coefficients, GraphNode n, int i) =>
        n.HasDerivative ? coefficients[n.Offset + (n.Length == 1 ? 0 : i)] : 0;
}
