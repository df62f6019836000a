namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// The operations a function definition may use. Each records one vectorised operation on <see cref="Expr"/> values;
/// elementwise operations broadcast a length-1 operand. Masks (comparisons) carry no derivative, and
/// <see cref="Select(Expr, Expr, Expr)"/> sends no derivative into the branch it does not take, so
/// <c>Select(p &gt; 0, p * Log(p), 0)</c> differentiates cleanly where p is 0 as long as the untaken branch is finite.
/// </summary>
public static class Ad
{
    public static Expr Exp(Expr a) => Unary(OpCode.Exp, a);

    public static Expr Log(Expr a) => Unary(OpCode.Log, a);

    public static Expr Sqrt(Expr a) => Unary(OpCode.Sqrt, a);

    public static Expr Pow(Expr a, double exponent) => Unary(OpCode.Pow, a, exponent);

    public static Expr Sin(Expr a) => Unary(OpCode.Sin, a);

    public static Expr Cos(Expr a) => Unary(OpCode.Cos, a);

    public static Expr Tanh(Expr a) => Unary(OpCode.Tanh, a);

    /// <summary>1 / (1 + e^-a).</summary>
    public static Expr Sigmoid(Expr a) => Unary(OpCode.Sigmoid, a);

    /// <summary>max(a, 0); derivative 0 at 0.</summary>
    public static Expr Relu(Expr a) => Unary(OpCode.Relu, a);

    public static Expr Abs(Expr a) => Unary(OpCode.Abs, a);

    public static Expr Square(Expr a) => Unary(OpCode.Square, a);

    /// <summary>Elementwise maximum; on a tie the derivative is split evenly (as autograd does).</summary>
    public static Expr Max(Expr a, Expr b) => Binary(OpCode.Max, a, b);

    /// <summary>Elementwise minimum; on a tie the derivative is split evenly.</summary>
    public static Expr Min(Expr a, Expr b) => Binary(OpCode.Min, a, b);

    /// <summary>Elementwise a == b as a 0/1 mask.</summary>
    public static Expr Equal(Expr a, Expr b) => Binary(OpCode.Equal, a, b);

    /// <summary>Elementwise a != b as a 0/1 mask.</summary>
    public static Expr NotEqual(Expr a, Expr b) => Binary(OpCode.NotEqual, a, b);

    /// <summary>Branch-free elementwise choice: where <paramref name="condition"/> is non-zero take
    /// <paramref name="whenTrue"/>, else <paramref name="whenFalse"/>.</summary>
    public static Expr Select(Expr condition, Expr whenTrue, Expr whenFalse)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(whenTrue);
        ArgumentNullException.ThrowIfNull(whenFalse);
        var graph = GraphOf(condition, whenTrue, whenFalse);
        var length = BroadcastLength(BroadcastLength(condition.Length, whenTrue.Length, "Select"), whenFalse.Length, "Select");
        int c = condition.Resolve(graph), t = whenTrue.Resolve(graph), f = whenFalse.Resolve(graph);
        return graph.Add(new GraphNode
        {
            Op = OpCode.Select,
            FirstId = t,
            SecondId = f,
            ConditionId = c,
            Length = length,
            DependsOnInput = graph[c].DependsOnInput || graph[t].DependsOnInput || graph[f].DependsOnInput,
            HasDerivative = graph[t].HasDerivative || graph[f].HasDerivative,
        });
    }

    public static Expr Select(Expr condition, Expr whenTrue, double whenFalse) => Select(condition, whenTrue, (Expr)whenFalse);

    public static Expr Select(Expr condition, double whenTrue, Expr whenFalse) => Select(condition, (Expr)whenTrue, whenFalse);

    /// <summary>Sum of the components, a scalar.</summary>
    public static Expr Sum(Expr a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.IsDetached)
        {
            throw DetachedOnly("Sum");
        }

        var graph = a.Graph!;
        var node = graph[a.Id];
        return graph.Add(new GraphNode
        {
            Op = OpCode.Sum, FirstId = a.Id, Length = 1, DependsOnInput = node.DependsOnInput, HasDerivative = node.HasDerivative,
        });
    }

    /// <summary>Inner product of two vectors of one length, a scalar.</summary>
    public static Expr Dot(Expr a, Expr b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Dot needs vectors of one length; got {a.Length} and {b.Length}.", nameof(b));
        }

        var graph = GraphOf(a, b);
        int ia = a.Resolve(graph), ib = b.Resolve(graph);
        return graph.Add(new GraphNode
        {
            Op = OpCode.Dot,
            FirstId = ia,
            SecondId = ib,
            Length = 1,
            DependsOnInput = graph[ia].DependsOnInput || graph[ib].DependsOnInput,
            HasDerivative = graph[ia].HasDerivative || graph[ib].HasDerivative,
        });
    }

    /// <summary>Euclidean norm, a scalar.</summary>
    public static Expr Norm(Expr a) => Sqrt(Dot(a, a));

    /// <summary><paramref name="weights"/> (rows × cols) times <paramref name="a"/> (length cols): a vector of length rows.</summary>
    public static Expr MatVec(double[,] weights, Expr a)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(a);
        int rows = weights.GetLength(0), cols = weights.GetLength(1);
        var flat = new double[rows * cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                flat[(r * cols) + c] = weights[r, c];
            }
        }

        return MatVec(flat, rows, cols, a);
    }

    /// <summary>A row-major matrix (rows × cols) times <paramref name="a"/>.</summary>
    public static Expr MatVec(ReadOnlySpan<double> rowMajorWeights, int rows, int cols, Expr a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (rows <= 0 || cols <= 0 || rowMajorWeights.Length != rows * cols)
        {
            throw new ArgumentException($"A {rows}×{cols} matrix needs {rows * cols} values; got {rowMajorWeights.Length}.", nameof(rowMajorWeights));
        }

        if (a.Length != cols)
        {
            throw new ArgumentException($"A matrix with {cols} columns cannot multiply a vector of length {a.Length}.", nameof(a));
        }

        if (a.IsDetached)
        {
            throw DetachedOnly("MatVec");
        }

        var graph = a.Graph!;
        var node = graph[a.Id];
        return graph.Add(new GraphNode
        {
            Op = OpCode.MatVec,
            FirstId = a.Id,
            Constants = rowMajorWeights.ToArray(),
            ConstantsByColumn = DenseKernel.ByColumns(rows) ? DenseKernel.Transpose(rowMajorWeights, rows, cols) : null,
            Rows = rows,
            Columns = cols,
            Length = rows,
            DependsOnInput = node.DependsOnInput,
            HasDerivative = node.HasDerivative,
        });
    }

    /// <summary>A dense layer: <paramref name="weights"/> · a + <paramref name="bias"/>.</summary>
    public static Expr Dense(double[,] weights, double[] bias, Expr a)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Length != weights.GetLength(0))
        {
            throw new ArgumentException($"A layer with {weights.GetLength(0)} outputs needs {weights.GetLength(0)} biases; got {bias.Length}.", nameof(bias));
        }

        return MatVec(weights, a) + Expr.Constant(bias);
    }

    /// <summary>The components of <paramref name="parts"/>, one after another.</summary>
    public static Expr Concat(params Expr[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0)
        {
            throw new ArgumentException("Concat needs at least one part.", nameof(parts));
        }

        var graph = GraphOf(parts);
        var ids = new int[parts.Length];
        var length = 0;
        bool depends = false, derivative = false;
        for (var i = 0; i < parts.Length; i++)
        {
            ids[i] = parts[i].Resolve(graph);
            length += parts[i].Length;
            depends |= graph[ids[i]].DependsOnInput;
            derivative |= graph[ids[i]].HasDerivative;
        }

        return graph.Add(new GraphNode
        {
            Op = OpCode.Concat, PartIds = ids, Length = length, DependsOnInput = depends, HasDerivative = derivative,
        });
    }

    internal static Expr Unary(OpCode op, Expr a, double exponent = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.IsDetached)
        {
            throw DetachedOnly(op.ToString());
        }

        var graph = a.Graph!;
        var node = graph[a.Id];
        return graph.Add(new GraphNode
        {
            Op = op,
            FirstId = a.Id,
            Exponent = exponent,
            Length = a.Length,
            DependsOnInput = node.DependsOnInput,
            HasDerivative = node.HasDerivative,
        });
    }

    internal static Expr Binary(OpCode op, Expr a, Expr b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var graph = GraphOf(a, b);
        var length = BroadcastLength(a.Length, b.Length, op.ToString());
        int ia = a.Resolve(graph), ib = b.Resolve(graph);
        var isMask = op >= OpCode.Greater && op <= OpCode.NotEqual;
        return graph.Add(new GraphNode
        {
            Op = op,
            FirstId = ia,
            SecondId = ib,
            Length = length,
            DependsOnInput = graph[ia].DependsOnInput || graph[ib].DependsOnInput,
            HasDerivative = !isMask && (graph[ia].HasDerivative || graph[ib].HasDerivative),
        });
    }

    private static int BroadcastLength(int a, int b, string op)
    {
        if (a == b || b == 1)
        {
            return a;
        }

        if (a == 1)
        {
            return b;
        }

        throw new ArgumentException($"{op}: lengths {a} and {b} do not match (only a length-1 operand broadcasts).");
    }

    private static Graph GraphOf(params Expr[] values)
    {
        foreach (var v in values)
        {
            if (v.Graph is not null)
            {
                return v.Graph;
            }
        }

        throw DetachedOnly("this operation");
    }

    private static InvalidOperationException DetachedOnly(string op) =>
        new($"{op} needs an operand that depends on the function's input; fold constant-only arithmetic in ordinary C#.");
}
