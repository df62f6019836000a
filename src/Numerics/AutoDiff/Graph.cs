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
    public int A = -1;
    public int B = -1;
    public int C = -1;
    public int Length;
    public double Parameter;
    public double[]? Data;
    public int Rows;
    public int Cols;
    public int[]? Parts;
    public bool DependsOnInput;
    public bool HasDerivative;

    // Assigned at compile time.
    public int Offset = -1;
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
