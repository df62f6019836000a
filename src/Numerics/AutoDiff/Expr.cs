namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// A value inside a function definition: a vector of <see cref="Length"/> components (a scalar is a vector of length 1).
/// Operators and <see cref="Ad"/> functions record operations; the function is compiled once and then evaluated, with its
/// gradient and Hessian, on plain doubles. A length-1 operand broadcasts against a longer one.
/// </summary>
public sealed class Expr
{
    private readonly double[]? _detached;

    internal Expr(Graph graph, int id, int length)
    {
        Graph = graph;
        Id = id;
        Length = length;
    }

    private Expr(double[] constant)
    {
        _detached = constant;
        Id = -1;
        Length = constant.Length;
    }

    internal Graph? Graph { get; }

    internal int Id { get; }

    /// <summary>Number of components.</summary>
    public int Length { get; }

    /// <summary>True when this value has one component.</summary>
    public bool IsScalar => Length == 1;

    /// <summary>A constant vector; it joins the function's graph when combined with the input.</summary>
    public static Expr Constant(params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0)
        {
            throw new ArgumentException("A constant needs at least one component.", nameof(values));
        }

        return new Expr((double[])values.Clone());
    }

    /// <summary>A scalar constant.</summary>
    public static implicit operator Expr(double value) => new([value]);

    /// <summary>Component <paramref name="index"/> as a scalar.</summary>
    public Expr this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Index outside a vector of length {Length}.");
            }

            return Slice(index, 1);
        }
    }

    /// <summary>Components in <paramref name="range"/> (a view; no copy is made at evaluation).</summary>
    public Expr this[Range range]
    {
        get
        {
            var (start, length) = range.GetOffsetAndLength(Length);
            if (length == 0)
            {
                throw new ArgumentOutOfRangeException(nameof(range), "A slice must have at least one component.");
            }

            return Slice(start, length);
        }
    }

    private Expr Slice(int start, int length)
    {
        if (start == 0 && length == Length)
        {
            return this;
        }

        if (_detached is not null)
        {
            return new Expr(_detached.AsSpan(start, length).ToArray());
        }

        var parent = Graph![Id];
        return Graph.Add(new GraphNode
        {
            Op = OpCode.Slice,
            FirstId = Id,
            SliceStart = start,
            Length = length,
            DependsOnInput = parent.DependsOnInput,
            HasDerivative = parent.HasDerivative,
        });
    }

    internal bool IsDetached => _detached is not null;

    internal double[] DetachedValues => _detached!;

    /// <summary>Attaches a detached constant to <paramref name="graph"/>.</summary>
    internal int Resolve(Graph graph)
    {
        if (_detached is null)
        {
            if (!ReferenceEquals(Graph, graph))
            {
                throw new InvalidOperationException("Expressions of two different function definitions cannot be combined.");
            }

            return Id;
        }

        return graph.Add(new GraphNode { Op = OpCode.Constant, Constants = _detached, Length = _detached.Length }).Id;
    }

    public static Expr operator +(Expr a, Expr b) => Ad.Binary(OpCode.Add, a, b);

    public static Expr operator -(Expr a, Expr b) => Ad.Binary(OpCode.Subtract, a, b);

    public static Expr operator *(Expr a, Expr b) => Ad.Binary(OpCode.Multiply, a, b);

    public static Expr operator /(Expr a, Expr b) => Ad.Binary(OpCode.Divide, a, b);

    public static Expr operator +(Expr a, double b) => Ad.Binary(OpCode.Add, a, b);

    public static Expr operator -(Expr a, double b) => Ad.Binary(OpCode.Subtract, a, b);

    public static Expr operator *(Expr a, double b) => Ad.Binary(OpCode.Multiply, a, b);

    public static Expr operator /(Expr a, double b) => Ad.Binary(OpCode.Divide, a, b);

    public static Expr operator +(double a, Expr b) => Ad.Binary(OpCode.Add, a, b);

    public static Expr operator -(double a, Expr b) => Ad.Binary(OpCode.Subtract, a, b);

    public static Expr operator *(double a, Expr b) => Ad.Binary(OpCode.Multiply, a, b);

    public static Expr operator /(double a, Expr b) => Ad.Binary(OpCode.Divide, a, b);

    public static Expr operator -(Expr a) => Ad.Unary(OpCode.Negate, a);

    /// <summary>Elementwise a &gt; b as a 0/1 mask (no derivative).</summary>
    public static Expr operator >(Expr a, Expr b) => Ad.Binary(OpCode.Greater, a, b);

    public static Expr operator <(Expr a, Expr b) => Ad.Binary(OpCode.Less, a, b);

    public static Expr operator >=(Expr a, Expr b) => Ad.Binary(OpCode.GreaterOrEqual, a, b);

    public static Expr operator <=(Expr a, Expr b) => Ad.Binary(OpCode.LessOrEqual, a, b);

    public static Expr operator >(Expr a, double b) => Ad.Binary(OpCode.Greater, a, b);

    public static Expr operator <(Expr a, double b) => Ad.Binary(OpCode.Less, a, b);

    public static Expr operator >=(Expr a, double b) => Ad.Binary(OpCode.GreaterOrEqual, a, b);

    public static Expr operator <=(Expr a, double b) => Ad.Binary(OpCode.LessOrEqual, a, b);

    public static Expr Add(Expr a, Expr b) => a + b;

    public static Expr Subtract(Expr a, Expr b) => a - b;

    public static Expr Multiply(Expr a, Expr b) => a * b;

    public static Expr Divide(Expr a, Expr b) => a / b;

    public static Expr Negate(Expr a) => -a;

    public static Expr FromDouble(double value) => value;

    public override string ToString() => IsDetached ? $"Constant[{Length}]" : $"{Graph![Id].Op}[{Length}]";
}
