namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// The local derivatives of elementwise operations u = φ(a, b), shared by the reverse and the tangent passes: ∂u/∂a and
/// ∂u/∂b per element, and for the Hessian the second derivatives ∂²u/∂a², ∂²u/∂a∂b and ∂²u/∂b².
/// </summary>
public sealed partial class FunctionEvaluator
{
    /// <summary>
    /// For elementwise ops u_i = φ(a_i, b_i): first derivatives da, db (into <see cref="_dFirst"/>, <see cref="_dSecond"/>)
    /// and, with <paramref name="secondOrder"/>, second derivatives caa, cab, cbb per element. Unary ops use only a. Returns
    /// whether the op has any non-zero second derivative.
    /// </summary>
    private bool ElementwisePartials(GraphNode n, bool secondOrder)
    {
        var len = n.Length;
        Span<double> da = _dFirst.AsSpan(0, len), db = _dSecond.AsSpan(0, len);
        Span<double> caa = _dFirstFirst.AsSpan(0, len), cab = _dFirstSecond.AsSpan(0, len), cbb = _dSecondSecond.AsSpan(0, len);
        ReadOnlySpan<double> u = Values(n);
        ReadOnlySpan<double> a = n.FirstId >= 0 ? Values(n.FirstId) : default;
        ReadOnlySpan<double> b = n.SecondId >= 0 ? Values(n.SecondId) : default;
        switch (n.Op)
        {
            case OpCode.Add:
                da.Fill(1);
                db.Fill(1);
                return false;
            case OpCode.Subtract:
                da.Fill(1);
                db.Fill(-1);
                return false;
            case OpCode.Multiply:
                for (var i = 0; i < len; i++)
                {
                    da[i] = At(b, i);
                    db[i] = At(a, i);
                }

                if (secondOrder)
                {
                    caa.Clear();
                    cab.Fill(1);
                    cbb.Clear();
                }

                return true;
            case OpCode.Divide:
                for (var i = 0; i < len; i++)
                {
                    var r = 1 / At(b, i);
                    da[i] = r;
                    db[i] = -u[i] * r;
                    if (secondOrder)
                    {
                        caa[i] = 0;
                        cab[i] = -r * r;
                        cbb[i] = 2 * u[i] * r * r;
                    }
                }

                return true;
            case OpCode.Max:
            case OpCode.Min:
                for (var i = 0; i < len; i++)
                {
                    double x = At(a, i), y = At(b, i);
                    var first = n.Op == OpCode.Max ? x > y : x < y;
                    var w = x == y ? 0.5 : first ? 1 : 0;
                    da[i] = w;
                    db[i] = x == y ? 0.5 : 1 - w;
                }

                return false;
            case OpCode.Select:
                {
                    ReadOnlySpan<double> c = Values(n.ConditionId);
                    for (var i = 0; i < len; i++)
                    {
                        var take = At(c, i) != 0;
                        da[i] = take ? 1 : 0;
                        db[i] = take ? 0 : 1;
                    }

                    return false;
                }
        }

        // Unary.
        var p = n.Exponent;
        var curved = true;
        for (var i = 0; i < len; i++)
        {
            double x = a[i], y = u[i], d1, d2;
            switch (n.Op)
            {
                case OpCode.Negate: d1 = -1; d2 = 0; break;
                case OpCode.Exp: d1 = y; d2 = y; break;
                case OpCode.Log: d1 = 1 / x; d2 = -1 / (x * x); break;
                case OpCode.Sqrt: d1 = 0.5 / y; d2 = -0.25 / (y * y * y); break;
                case OpCode.Pow: d1 = p * Math.Pow(x, p - 1); d2 = p * (p - 1) * Math.Pow(x, p - 2); break;
                case OpCode.Sin: d1 = Math.Cos(x); d2 = -y; break;
                case OpCode.Cos: d1 = -Math.Sin(x); d2 = -y; break;
                case OpCode.Tanh: d1 = 1 - (y * y); d2 = -2 * y * d1; break;
                case OpCode.Sigmoid: d1 = y * (1 - y); d2 = d1 * (1 - (2 * y)); break;
                case OpCode.Relu: d1 = x > 0 ? 1 : 0; d2 = 0; break;
                case OpCode.Abs: d1 = x > 0 ? 1 : x < 0 ? -1 : 0; d2 = 0; break;
                case OpCode.Square: d1 = 2 * x; d2 = 2; break;
                default: throw new InvalidOperationException($"No derivative rule for {n.Op}.");
            }

            da[i] = d1;
            if (secondOrder)
            {
                caa[i] = d2;
            }
        }

        if (n.Op is OpCode.Negate or OpCode.Relu or OpCode.Abs)
        {
            curved = false;
        }

        return curved;
    }

    private static bool IsElementwise(OpCode op) =>
        op is >= OpCode.Add and <= OpCode.Square or OpCode.Select;

    private static bool IsUnary(OpCode op) => op is >= OpCode.Negate and <= OpCode.Square;
}
