namespace AutoMon.Numerics.AutoDiff;

internal enum OpCode : byte
{
    Input,
    Constant,
    Slice,
    // Elementwise binary (broadcasting a length-1 operand).
    Add,
    Subtract,
    Multiply,
    Divide,
    Max,
    Min,
    // Elementwise unary.
    Negate,
    Exp,
    Log,
    Sqrt,
    Pow,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Relu,
    Abs,
    Square,
    // Masks: values 0/1, no derivative.
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Equal,
    NotEqual,
    // Others.
    Select,
    Sum,
    Dot,
    MatVec,
    Concat,
}

/// <summary>One recorded operation of a function definition.</summary>
internal sealed class GraphNode
{
    public OpCode Op;

    /// <summary>The node id of the first (or only) operand; Select: the value where the condition holds; Slice: the parent.</summary>
    public int FirstId = -1;

    /// <summary>The node id of the second operand of a binary op; Select: the value where the condition does not hold.</summary>
    public int SecondId = -1;

    /// <summary>Select: the node id of the 0/1 condition.</summary>
    public int ConditionId = -1;

    /// <summary>Number of components of the node's value.</summary>
    public int Length;

    /// <summary>Pow: the exponent.</summary>
    public double Exponent;

    /// <summary>Slice: the index of its first component in the parent.</summary>
    public int SliceStart;

    /// <summary>Constant: its values; MatVec: the weight matrix, <see cref="Rows"/> × <see cref="Columns"/>, row-major.</summary>
    public double[]? Constants;

    /// <summary>
    /// MatVec with <see cref="DenseKernel.ByColumns"/> rows: the weights again, column by column (Wᵀ row-major), for
    /// the value pass's product that skips zero inputs; null otherwise.
    /// </summary>
    public double[]? ConstantsByColumn;

    /// <summary>MatVec: rows of the weight matrix (the output length).</summary>
    public int Rows;

    /// <summary>MatVec: columns of the weight matrix (the input length).</summary>
    public int Columns;

    /// <summary>Concat: the node ids of the parts, in order.</summary>
    public int[]? PartIds;

    /// <summary>The value changes with the function's input (otherwise it is computed once, when the evaluator is built).</summary>
    public bool DependsOnInput;

    /// <summary>The value has a non-zero derivative with respect to the input (masks and constants have none).</summary>
    public bool HasDerivative;

    // Assigned at compile time.

    /// <summary>Where the value starts in the evaluator's value and adjoint storage (tangent rows: Offset × d).</summary>
    public int Offset = -1;

    /// <summary>The output needs this node.</summary>
    public bool Live;
}

/// <summary>The operations recorded while a function definition runs once on a symbolic input.</summary>
internal sealed class Graph
{
    private bool _frozen;

    public List<GraphNode> Nodes { get; } = [];

    public void Freeze() => _frozen = true;

    public Expr Add(GraphNode node)
    {
        if (_frozen)
        {
            throw new InvalidOperationException(
                "This expression belongs to a function that is already compiled; build expressions only inside the definition.");
        }

        Nodes.Add(node);
        return new Expr(this, Nodes.Count - 1, node.Length);
    }

    public GraphNode this[int id] => Nodes[id];
}
