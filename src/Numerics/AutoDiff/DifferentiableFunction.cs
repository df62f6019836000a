namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// A monitored function f: R^d → R, defined once as code over <see cref="Expr"/>. The definition runs once, recording a graph
/// of vectorised operations; value, gradient (reverse mode) and Hessian (forward-over-reverse with all d tangents batched)
/// all come from that one recording. No derivative is written by hand anywhere.
/// </summary>
public sealed class DifferentiableFunction
{
    private readonly ThreadLocal<FunctionEvaluator> _perThread;

    private DifferentiableFunction(string name, int dimension, GraphNode[] nodes, int outputId, int storageLength)
    {
        Name = name;
        Dimension = dimension;
        Nodes = nodes;
        OutputId = outputId;
        StorageLength = storageLength;
        _perThread = new ThreadLocal<FunctionEvaluator>(CreateEvaluator);
    }

    /// <summary>The function's name (for reports).</summary>
    public string Name { get; }

    /// <summary>d, the length of the input vector.</summary>
    public int Dimension { get; }

    /// <summary>Number of recorded operations that run on each evaluation.</summary>
    public int OperationCount => Nodes.Count(n => n.Live && n.DependsOnInput && n.Op is not (OpCode.Input or OpCode.Slice));

    internal GraphNode[] Nodes { get; }

    internal int OutputId { get; }

    internal int StorageLength { get; }

    /// <summary>Records <paramref name="definition"/> on a symbolic input of length <paramref name="dimension"/>.</summary>
    /// <param name="name">A name for reports.</param>
    /// <param name="dimension">d, the input length.</param>
    /// <param name="definition">f written over <see cref="Expr"/>; must return a scalar.</param>
    public static DifferentiableFunction Create(string name, int dimension, Func<Expr, Expr> definition)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(definition);
        if (dimension <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"Function '{name}' needs a positive dimension.");
        }

        var graph = new Graph();
        var input = graph.Add(new GraphNode
        {
            Op = OpCode.Input, Length = dimension, DependsOnInput = true, HasDerivative = true,
        });
        var output = definition(input) ?? throw new InvalidOperationException($"The definition of '{name}' returned null.");
        if (output.Length != 1)
        {
            throw new InvalidOperationException(
                $"The definition of '{name}' must return a scalar; it returned a vector of length {output.Length} (use Ad.Sum or index it).");
        }

        var outputId = output.Resolve(graph);
        graph.Freeze();
        var nodes = graph.Nodes.ToArray();

        // Keep only what the output needs; the input always keeps offset 0.
        nodes[outputId].Live = true;
        nodes[0].Live = true;
        for (var i = nodes.Length - 1; i >= 0; i--)
        {
            var n = nodes[i];
            if (!n.Live)
            {
                continue;
            }

            MarkLive(nodes, n.FirstId);
            MarkLive(nodes, n.SecondId);
            MarkLive(nodes, n.ConditionId);
            if (n.PartIds is not null)
            {
                foreach (var p in n.PartIds)
                {
                    MarkLive(nodes, p);
                }
            }
        }

        var storage = 0;
        foreach (var n in nodes)
        {
            if (!n.Live)
            {
                continue;
            }

            if (n.Op == OpCode.Slice)
            {
                // A slice is a view into its parent's storage, so it costs nothing in any pass.
                n.Offset = nodes[n.FirstId].Offset + n.SliceStart;
            }
            else
            {
                n.Offset = storage;
                storage += n.Length;
            }
        }

        return new DifferentiableFunction(name, dimension, nodes, outputId, storage);
    }

    private static void MarkLive(GraphNode[] nodes, int id)
    {
        if (id >= 0)
        {
            nodes[id].Live = true;
        }
    }

    /// <summary>A new evaluator with its own workspace. Not thread-safe; allocation-free after its first use of each method.</summary>
    public FunctionEvaluator CreateEvaluator() => new(this);

    /// <summary>f(x). Thread-safe.</summary>
    public double Value(ReadOnlySpan<double> x) => _perThread.Value!.Value(x);

    /// <summary>f(x), writing ∇f(x) into <paramref name="gradient"/>. Thread-safe.</summary>
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient) => _perThread.Value!.ValueAndGradient(x, gradient);

    /// <summary>f(x), ∇f(x) and the Hessian (d×d, row-major). Thread-safe.</summary>
    public double ValueGradientHessian(ReadOnlySpan<double> x, Span<double> gradient, Span<double> hessian) =>
        _perThread.Value!.ValueGradientHessian(x, gradient, hessian);

    /// <summary>The Hessian at x as a new d×d array.</summary>
    public double[,] Hessian(ReadOnlySpan<double> x)
    {
        var d = Dimension;
        var flat = new double[d * d];
        ValueGradientHessian(x, new double[d], flat);
        var h = new double[d, d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                h[i, j] = flat[(i * d) + j];
            }
        }

        return h;
    }

    public override string ToString() => $"{Name} (d={Dimension})";
}
