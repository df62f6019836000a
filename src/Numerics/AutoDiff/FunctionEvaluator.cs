using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// Evaluates a <see cref="DifferentiableFunction"/> with its own workspace: value (forward pass), gradient (reverse pass) and
/// Hessian (forward-over-reverse: all d tangent directions travel together as rows of length d, so a dense layer's tangent is
/// one matrix product instead of d separate passes). Not thread-safe; no allocation per call once each method has run once.
/// </summary>
public sealed class FunctionEvaluator
{
    private readonly DifferentiableFunction _function;
    private readonly GraphNode[] _nodes;
    private readonly int[] _steps;
    private readonly double[] _values;
    private readonly double[] _adjoints;
    private readonly double[] _da;
    private readonly double[] _db;
    private readonly double[] _caa;
    private readonly double[] _cab;
    private readonly double[] _cbb;
    private readonly int _outputOffset;
    private readonly int _d;
    private double[]? _tangents;
    private double[]? _tangentAdjoints;

    internal FunctionEvaluator(DifferentiableFunction function)
    {
        _function = function;
        _nodes = function.Nodes;
        _d = function.Dimension;
        _values = new double[function.StorageLength];
        _adjoints = new double[function.StorageLength];
        var maxLength = 1;
        var steps = new List<int>();
        for (var i = 0; i < _nodes.Length; i++)
        {
            var n = _nodes[i];
            if (!n.Live || n.Op is OpCode.Input or OpCode.Slice)
            {
                continue;
            }

            maxLength = Math.Max(maxLength, n.Length);
            if (n.DependsOnInput)
            {
                steps.Add(i);
            }
            else
            {
                // Constants and anything computed from constants only: once, here.
                Forward(n);
            }
        }

        _steps = [.. steps];
        _da = new double[maxLength];
        _db = new double[maxLength];
        _caa = new double[maxLength];
        _cab = new double[maxLength];
        _cbb = new double[maxLength];
        _outputOffset = _nodes[function.OutputId].Offset;
    }

    /// <summary>d, the input length.</summary>
    public int Dimension => _d;

    /// <summary>f(x).</summary>
    public double Value(ReadOnlySpan<double> x)
    {
        Load(x);
        return _values[_outputOffset];
    }

    /// <summary>f(x); writes ∇f(x) into <paramref name="gradient"/> (length d).</summary>
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        CheckLength(gradient.Length, _d, nameof(gradient));
        Load(x);
        Array.Clear(_adjoints);
        _adjoints[_outputOffset] = 1;
        for (var s = _steps.Length - 1; s >= 0; s--)
        {
            var n = _nodes[_steps[s]];
            if (n.HasDerivative)
            {
                Reverse(n, secondOrder: false);
            }
        }

        _adjoints.AsSpan(0, _d).CopyTo(gradient);
        return _values[_outputOffset];
    }

    /// <summary>f(x); writes ∇f(x) into <paramref name="gradient"/> and the Hessian, d×d row-major, into <paramref name="hessian"/>.</summary>
    public double ValueGradientHessian(ReadOnlySpan<double> x, Span<double> gradient, Span<double> hessian)
    {
        CheckLength(gradient.Length, _d, nameof(gradient));
        CheckLength(hessian.Length, _d * _d, nameof(hessian));
        Load(x);
        var k = _d;
        _tangents ??= new double[_values.Length * k];
        _tangentAdjoints ??= new double[_values.Length * k];
        var t = _tangents;

        // Seed: the input's tangent block is the identity (direction k is e_k).
        Array.Clear(t, 0, _d * k);
        for (var i = 0; i < _d; i++)
        {
            t[(i * k) + i] = 1;
        }

        foreach (var s in _steps)
        {
            var n = _nodes[s];
            if (n.HasDerivative)
            {
                ForwardTangent(n);
            }
        }

        Array.Clear(_adjoints);
        Array.Clear(_tangentAdjoints);
        _adjoints[_outputOffset] = 1;
        for (var s = _steps.Length - 1; s >= 0; s--)
        {
            var n = _nodes[_steps[s]];
            if (n.HasDerivative)
            {
                Reverse(n, secondOrder: true);
            }
        }

        _adjoints.AsSpan(0, _d).CopyTo(gradient);
        _tangentAdjoints.AsSpan(0, _d * k).CopyTo(hessian);
        return _values[_outputOffset];
    }

    private void Load(ReadOnlySpan<double> x)
    {
        CheckLength(x.Length, _d, nameof(x));
        x.CopyTo(_values);
        foreach (var s in _steps)
        {
            Forward(_nodes[s]);
        }
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            Throw(actual, expected, name);
        }

        static void Throw(int actual, int expected, string name) =>
            throw new ArgumentException($"Expected length {expected}, got {actual}.", name);
    }

    private Span<double> V(GraphNode n) => _values.AsSpan(n.Offset, n.Length);

    private Span<double> V(int id) => V(_nodes[id]);

    // ---------------------------------------------------------------- values

    private void Forward(GraphNode n)
    {
        var u = V(n);
        switch (n.Op)
        {
            case OpCode.Constant:
                n.Data.AsSpan().CopyTo(u);
                break;
            case OpCode.Add:
            case OpCode.Subtract:
            case OpCode.Multiply:
            case OpCode.Divide:
            case OpCode.Max:
            case OpCode.Min:
                ForwardBinary(n.Op, V(n.A), V(n.B), u);
                break;
            case OpCode.Greater:
            case OpCode.GreaterOrEqual:
            case OpCode.Less:
            case OpCode.LessOrEqual:
            case OpCode.Equal:
            case OpCode.NotEqual:
                ForwardCompare(n.Op, V(n.A), V(n.B), u);
                break;
            case OpCode.Negate:
                TensorPrimitives.Negate(V(n.A), u);
                break;
            case OpCode.Exp:
                TensorPrimitives.Exp(V(n.A), u);
                break;
            case OpCode.Log:
                TensorPrimitives.Log(V(n.A), u);
                break;
            case OpCode.Sqrt:
                TensorPrimitives.Sqrt(V(n.A), u);
                break;
            case OpCode.Pow:
                TensorPrimitives.Pow(V(n.A), n.Parameter, u);
                break;
            case OpCode.Sin:
                TensorPrimitives.Sin(V(n.A), u);
                break;
            case OpCode.Cos:
                TensorPrimitives.Cos(V(n.A), u);
                break;
            case OpCode.Tanh:
                TensorPrimitives.Tanh(V(n.A), u);
                break;
            case OpCode.Sigmoid:
                TensorPrimitives.Sigmoid(V(n.A), u);
                break;
            case OpCode.Relu:
                TensorPrimitives.Max(V(n.A), 0.0, u);
                break;
            case OpCode.Abs:
                TensorPrimitives.Abs(V(n.A), u);
                break;
            case OpCode.Square:
                {
                    var a = V(n.A);
                    TensorPrimitives.Multiply(a, a, u);
                    break;
                }

            case OpCode.Select:
                {
                    ReadOnlySpan<double> c = V(n.C), a = V(n.A), b = V(n.B);
                    for (var i = 0; i < u.Length; i++)
                    {
                        u[i] = At(c, i) != 0 ? At(a, i) : At(b, i);
                    }

                    break;
                }

            case OpCode.Sum:
                u[0] = TensorPrimitives.Sum<double>(V(n.A));
                break;
            case OpCode.Dot:
                u[0] = TensorPrimitives.Dot<double>(V(n.A), V(n.B));
                break;
            case OpCode.MatVec:
                {
                    ReadOnlySpan<double> w = n.Data, a = V(n.A);
                    var cols = n.Cols;
                    for (var r = 0; r < n.Rows; r++)
                    {
                        u[r] = TensorPrimitives.Dot(w.Slice(r * cols, cols), a);
                    }

                    break;
                }

            case OpCode.Concat:
                {
                    var at = 0;
                    foreach (var p in n.Parts!)
                    {
                        var part = V(p);
                        part.CopyTo(u[at..]);
                        at += part.Length;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"No forward rule for {n.Op}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double At(ReadOnlySpan<double> s, int i) => s.Length == 1 ? s[0] : s[i];

    private static void ForwardBinary(OpCode op, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> u)
    {
        if (a.Length == b.Length)
        {
            switch (op)
            {
                case OpCode.Add: TensorPrimitives.Add(a, b, u); break;
                case OpCode.Subtract: TensorPrimitives.Subtract(a, b, u); break;
                case OpCode.Multiply: TensorPrimitives.Multiply(a, b, u); break;
                case OpCode.Divide: TensorPrimitives.Divide(a, b, u); break;
                case OpCode.Max: TensorPrimitives.Max(a, b, u); break;
                default: TensorPrimitives.Min(a, b, u); break;
            }
        }
        else if (a.Length == 1)
        {
            var s = a[0];
            switch (op)
            {
                case OpCode.Add: TensorPrimitives.Add(b, s, u); break;
                case OpCode.Subtract: TensorPrimitives.Subtract(s, b, u); break;
                case OpCode.Multiply: TensorPrimitives.Multiply(b, s, u); break;
                case OpCode.Divide: TensorPrimitives.Divide(s, b, u); break;
                case OpCode.Max: TensorPrimitives.Max(b, s, u); break;
                default: TensorPrimitives.Min(b, s, u); break;
            }
        }
        else
        {
            var s = b[0];
            switch (op)
            {
                case OpCode.Add: TensorPrimitives.Add(a, s, u); break;
                case OpCode.Subtract: TensorPrimitives.Subtract(a, s, u); break;
                case OpCode.Multiply: TensorPrimitives.Multiply(a, s, u); break;
                case OpCode.Divide: TensorPrimitives.Divide(a, s, u); break;
                case OpCode.Max: TensorPrimitives.Max(a, s, u); break;
                default: TensorPrimitives.Min(a, s, u); break;
            }
        }
    }

    private static void ForwardCompare(OpCode op, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> u)
    {
        for (var i = 0; i < u.Length; i++)
        {
            double x = At(a, i), y = At(b, i);
            var r = op switch
            {
                OpCode.Greater => x > y,
                OpCode.GreaterOrEqual => x >= y,
                OpCode.Less => x < y,
                OpCode.LessOrEqual => x <= y,
                OpCode.Equal => x == y,
                _ => x != y,
            };
            u[i] = r ? 1 : 0;
        }
    }

    // ------------------------------------------------- elementwise derivatives

    /// <summary>
    /// For elementwise ops u_i = φ(a_i, b_i): first derivatives da, db and second derivatives caa, cab, cbb per element.
    /// Unary ops use only a. Returns whether the op has any non-zero second derivative.
    /// </summary>
    private bool Coefficients(GraphNode n, bool secondOrder)
    {
        var len = n.Length;
        Span<double> da = _da.AsSpan(0, len), db = _db.AsSpan(0, len);
        Span<double> caa = _caa.AsSpan(0, len), cab = _cab.AsSpan(0, len), cbb = _cbb.AsSpan(0, len);
        ReadOnlySpan<double> u = V(n);
        ReadOnlySpan<double> a = n.A >= 0 ? V(n.A) : default;
        ReadOnlySpan<double> b = n.B >= 0 ? V(n.B) : default;
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
                    ReadOnlySpan<double> c = V(n.C);
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
        var p = n.Parameter;
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

    // ---------------------------------------------------------------- reverse

    private void Reverse(GraphNode n, bool secondOrder)
    {
        var k = _d;
        var gu = _adjoints.AsSpan(n.Offset, n.Length);
        if (IsElementwise(n.Op))
        {
            var curved = Coefficients(n, secondOrder);
            var len = n.Length;
            var na = _nodes[n.A];
            var nb = IsUnary(n.Op) ? null : _nodes[n.B];
            if (na.HasDerivative)
            {
                AccumulateAdjoint(gu, _da.AsSpan(0, len), na);
            }

            if (nb is { HasDerivative: true })
            {
                AccumulateAdjoint(gu, _db.AsSpan(0, len), nb);
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
                    TensorPrimitives.MultiplyAdd(tguRow, _da[i], tgaRow, tgaRow);
                    if (curved && g != 0)
                    {
                        AddScaledRow(t, na, i, g * _caa[i], tgaRow);
                        if (nb is not null)
                        {
                            AddScaledRow(t, nb, i, g * _cab[i], tgaRow);
                        }
                    }
                }

                if (nb is { HasDerivative: true })
                {
                    var tgbRow = Row(_tangentAdjoints!, nb, i);
                    TensorPrimitives.MultiplyAdd(tguRow, _db[i], tgbRow, tgbRow);
                    if (curved && g != 0)
                    {
                        AddScaledRow(t, na, i, g * _cab[i], tgbRow);
                        AddScaledRow(t, nb, i, g * _cbb[i], tgbRow);
                    }
                }
            }

            return;
        }

        switch (n.Op)
        {
            case OpCode.Sum:
                {
                    var na = _nodes[n.A];
                    TensorPrimitives.Add(A(na), gu[0], A(na));
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
                    GraphNode na = _nodes[n.A], nb = _nodes[n.B];
                    var g = gu[0];
                    if (na.HasDerivative)
                    {
                        TensorPrimitives.MultiplyAdd(V(nb), g, A(na), A(na));
                    }

                    if (nb.HasDerivative)
                    {
                        TensorPrimitives.MultiplyAdd(V(na), g, A(nb), A(nb));
                    }

                    if (!secondOrder)
                    {
                        break;
                    }

                    var tguRow = _tangentAdjoints.AsSpan(n.Offset * k, k);
                    ReadOnlySpan<double> va = V(na), vb = V(nb);
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
                    var na = _nodes[n.A];
                    ReadOnlySpan<double> w = n.Data;
                    var ga = A(na);
                    var cols = n.Cols;
                    for (var r = 0; r < n.Rows; r++)
                    {
                        if (gu[r] != 0)
                        {
                            TensorPrimitives.MultiplyAdd(w.Slice(r * cols, cols), gu[r], ga, ga);
                        }
                    }

                    if (!secondOrder)
                    {
                        break;
                    }

                    var tgu = _tangentAdjoints.AsSpan(n.Offset * k, n.Rows * k);
                    var tga = _tangentAdjoints.AsSpan(na.Offset * k, cols * k);
                    for (var r = 0; r < n.Rows; r++)
                    {
                        var tguRow = tgu.Slice(r * k, k);
                        if (TensorPrimitives.MaxMagnitude<double>(tguRow) == 0)
                        {
                            continue;
                        }

                        var wRow = w.Slice(r * cols, cols);
                        for (var c = 0; c < cols; c++)
                        {
                            if (wRow[c] != 0)
                            {
                                var row = tga.Slice(c * k, k);
                                TensorPrimitives.MultiplyAdd(tguRow, wRow[c], row, row);
                            }
                        }
                    }

                    break;
                }

            case OpCode.Concat:
                {
                    var at = 0;
                    foreach (var p in n.Parts!)
                    {
                        var np = _nodes[p];
                        if (np.HasDerivative)
                        {
                            TensorPrimitives.Add(A(np), gu.Slice(at, np.Length), A(np));
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

    private Span<double> A(GraphNode n) => _adjoints.AsSpan(n.Offset, n.Length);

    /// <summary>ga += gu ⊙ coefficient, summing over elements when a is a broadcast scalar.</summary>
    private void AccumulateAdjoint(ReadOnlySpan<double> gu, ReadOnlySpan<double> coefficient, GraphNode a)
    {
        var ga = A(a);
        if (a.Length == gu.Length)
        {
            TensorPrimitives.MultiplyAdd(gu, coefficient, ga, ga);
        }
        else
        {
            ga[0] += TensorPrimitives.Dot(gu, coefficient);
        }
    }

    /// <summary>Row i (of length d) of node n's block in a tangent-shaped buffer; a broadcast scalar always gives row 0.</summary>
    private Span<double> Row(double[] buffer, GraphNode n, int i)
    {
        var k = _d;
        var row = n.Length == 1 ? 0 : i;
        return buffer.AsSpan((n.Offset + row) * k, k);
    }

    /// <summary>destination += scale · tangent row i of n (nothing when n has no tangent).</summary>
    private void AddScaledRow(double[] tangents, GraphNode n, int i, double scale, Span<double> destination)
    {
        if (n.HasDerivative && scale != 0)
        {
            TensorPrimitives.MultiplyAdd(Row(tangents, n, i), scale, destination, destination);
        }
    }

    // -------------------------------------------------------- forward tangent

    private void ForwardTangent(GraphNode n)
    {
        var k = _d;
        var t = _tangents!;
        var tu = t.AsSpan(n.Offset * k, n.Length * k);
        if (IsElementwise(n.Op))
        {
            Coefficients(n, secondOrder: false);
            tu.Clear();
            var na = _nodes[n.A];
            var nb = IsUnary(n.Op) ? null : _nodes[n.B];
            for (var i = 0; i < n.Length; i++)
            {
                var row = tu.Slice(i * k, k);
                AddScaledRow(t, na, i, _da[i], row);
                if (nb is not null)
                {
                    AddScaledRow(t, nb, i, _db[i], row);
                }
            }

            return;
        }

        switch (n.Op)
        {
            case OpCode.Sum:
                {
                    var na = _nodes[n.A];
                    tu.Clear();
                    for (var i = 0; i < na.Length; i++)
                    {
                        TensorPrimitives.Add(tu, Row(t, na, i), tu);
                    }

                    break;
                }

            case OpCode.Dot:
                {
                    GraphNode na = _nodes[n.A], nb = _nodes[n.B];
                    ReadOnlySpan<double> va = V(na), vb = V(nb);
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
                    var na = _nodes[n.A];
                    ReadOnlySpan<double> w = n.Data;
                    var cols = n.Cols;
                    var ta = t.AsSpan(na.Offset * k, cols * k);
                    tu.Clear();
                    for (var r = 0; r < n.Rows; r++)
                    {
                        var row = tu.Slice(r * k, k);
                        var wRow = w.Slice(r * cols, cols);
                        for (var c = 0; c < cols; c++)
                        {
                            if (wRow[c] != 0)
                            {
                                TensorPrimitives.MultiplyAdd(ta.Slice(c * k, k), wRow[c], row, row);
                            }
                        }
                    }

                    break;
                }

            case OpCode.Concat:
                {
                    var at = 0;
                    foreach (var p in n.Parts!)
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

    public override string ToString() => $"Evaluator of {_function}";
}
