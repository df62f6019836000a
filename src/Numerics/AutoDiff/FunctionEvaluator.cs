using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace AutoMon.Numerics.AutoDiff;

/// <summary>
/// Evaluates a <see cref="DifferentiableFunction"/> with its own workspace: value (forward pass), gradient (reverse pass) and
/// Hessian (forward-over-reverse: all d tangent directions travel together as rows of length d, so a dense layer's tangent is
/// one matrix product instead of d separate passes). Not thread-safe; no allocation per call once each method has run once.
/// </summary>
/// <remarks>
/// One file per pass: <c>.Values</c> (forward values), <c>.Partials</c> (local derivatives of elementwise operations),
/// <c>.Reverse</c> (adjoints and tangent adjoints), <c>.Tangents</c> (forward tangents) and <c>.Curvature</c> (the
/// gradient of vᵀHv for ADCD-X, with third-order local derivatives in <c>.LocalPartials</c>); dense layers' products are
/// in <see cref="DenseKernel"/> and <see cref="TangentKernel"/>. This file holds the workspace and the entry points.
/// </remarks>
public sealed partial class FunctionEvaluator
{
    private readonly DifferentiableFunction _function;
    private readonly GraphNode[] _nodes;

    /// <summary>Ids of the nodes every call recomputes (live, input-dependent, not views), in graph order.</summary>
    private readonly int[] _evaluationOrder;

    /// <summary>
    /// The value pass: <see cref="_evaluationOrder"/>, with a dense layer's product, bias and ReLU (MatVec, + constant,
    /// Relu) as one step, the last two computed in one pass (<see cref="DenseKernel.AddBiasRelu"/>).
    /// </summary>
    private readonly ValueStep[] _valueSteps;

    /// <summary>Every node's value at its <see cref="GraphNode.Offset"/>; the input at offset 0.</summary>
    private readonly double[] _values;

    /// <summary>∂f/∂(each node's value), same layout as <see cref="_values"/>; the gradient at offset 0.</summary>
    private readonly double[] _adjoints;

    // Per element of the elementwise node at hand, u = φ(first, second): ∂u/∂first, ∂u/∂second and the second derivatives.
    private readonly double[] _dFirst;
    private readonly double[] _dSecond;
    private readonly double[] _dFirstFirst;
    private readonly double[] _dFirstSecond;
    private readonly double[] _dSecondSecond;

    private readonly int _outputOffset;

    /// <summary>Scratch of <see cref="DenseKernel.MultiplyByColumns"/>: the non-zero inputs of a layer, by lane.</summary>
    private readonly int[] _liveColumns;

    /// <summary>d, the input length (also the number of tangent directions).</summary>
    private readonly int _dimension;

    /// <summary>Hessian only: per node a Length × d block, row i the derivative of component i along each input direction.</summary>
    private double[]? _tangents;

    /// <summary>Hessian only: the adjoints of <see cref="_tangents"/>; the input's block is the Hessian.</summary>
    private double[]? _tangentAdjoints;

    /// <summary>Hessian only: which rows of a dense layer's tangent block are not zero (scratch of <see cref="TangentKernel"/>).</summary>
    private int[] _activeRows = [];

    internal FunctionEvaluator(DifferentiableFunction function)
    {
        _function = function;
        _nodes = function.Nodes;
        _dimension = function.Dimension;
        _values = new double[function.StorageLength];
        _adjoints = new double[function.StorageLength];
        var maxLength = 1;
        var maxColumns = 0;
        foreach (var n in _nodes)
        {
            maxColumns = Math.Max(maxColumns, n.ConstantsByColumn is null ? 0 : n.Columns);
        }

        _liveColumns = new int[DenseKernel.LiveScratchLength(maxColumns)];
        var evaluationOrder = new List<int>();
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
                evaluationOrder.Add(i);
            }
            else
            {
                // Constants and anything computed from constants only: once, here.
                ForwardValue(n);
            }
        }

        _evaluationOrder = [.. evaluationOrder];
        _valueSteps = ValueSteps(_nodes, _evaluationOrder);
        _dFirst = new double[maxLength];
        _dSecond = new double[maxLength];
        _dFirstFirst = new double[maxLength];
        _dFirstSecond = new double[maxLength];
        _dSecondSecond = new double[maxLength];
        _outputOffset = _nodes[function.OutputId].Offset;
    }

    /// <summary>d, the input length.</summary>
    public int Dimension => _dimension;

    /// <summary>f(x).</summary>
    public double Value(ReadOnlySpan<double> x)
    {
        Load(x);
        return _values[_outputOffset];
    }

    /// <summary>f(x); writes ∇f(x) into <paramref name="gradient"/> (length d).</summary>
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        CheckLength(gradient.Length, _dimension, nameof(gradient));
        Load(x);
        Array.Clear(_adjoints);
        _adjoints[_outputOffset] = 1;
        for (var s = _evaluationOrder.Length - 1; s >= 0; s--)
        {
            var n = _nodes[_evaluationOrder[s]];
            if (n.HasDerivative)
            {
                Reverse(n, secondOrder: false);
            }
        }

        _adjoints.AsSpan(0, _dimension).CopyTo(gradient);
        return _values[_outputOffset];
    }

    /// <summary>f(x); writes ∇f(x) into <paramref name="gradient"/> and the Hessian, d×d row-major, into <paramref name="hessian"/>.</summary>
    public double ValueGradientHessian(ReadOnlySpan<double> x, Span<double> gradient, Span<double> hessian)
    {
        CheckLength(gradient.Length, _dimension, nameof(gradient));
        CheckLength(hessian.Length, _dimension * _dimension, nameof(hessian));
        Load(x);
        var k = _dimension;
        _tangents ??= new double[_values.Length * k];
        _tangentAdjoints ??= new double[_values.Length * k];
        if (_activeRows.Length == 0)
        {
            _activeRows = new int[_values.Length];
        }

        var t = _tangents;

        // Seed: the input's tangent block is the identity (direction k is e_k).
        Array.Clear(t, 0, _dimension * k);
        for (var i = 0; i < _dimension; i++)
        {
            t[(i * k) + i] = 1;
        }

        foreach (var s in _evaluationOrder)
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
        for (var s = _evaluationOrder.Length - 1; s >= 0; s--)
        {
            var n = _nodes[_evaluationOrder[s]];
            if (n.HasDerivative)
            {
                Reverse(n, secondOrder: true);
            }
        }

        _adjoints.AsSpan(0, _dimension).CopyTo(gradient);
        _tangentAdjoints.AsSpan(0, _dimension * k).CopyTo(hessian);
        return _values[_outputOffset];
    }

    private void Load(ReadOnlySpan<double> x)
    {
        CheckLength(x.Length, _dimension, nameof(x));
        x.CopyTo(_values);
        foreach (var step in _valueSteps)
        {
            ForwardValue(_nodes[step.Node]);
            if (step.Relu >= 0)
            {
                var sum = _nodes[step.Sum];
                DenseKernel.AddBiasRelu(Values(step.Node), Values(sum.SecondId), Values(sum), Values(step.Relu));
            }
        }
    }

    private static ValueStep[] ValueSteps(GraphNode[] nodes, int[] order)
    {
        var steps = new List<ValueStep>(order.Length);
        for (var i = 0; i < order.Length; i++)
        {
            var product = nodes[order[i]];
            if (product.Op == OpCode.MatVec && i + 2 < order.Length)
            {
                GraphNode sum = nodes[order[i + 1]], relu = nodes[order[i + 2]];
                var bias = sum.SecondId >= 0 ? nodes[sum.SecondId] : null;
                if (sum.Op == OpCode.Add && sum.FirstId == order[i] && bias is { DependsOnInput: false } && bias.Length == product.Length &&
                    relu.Op == OpCode.Relu && relu.FirstId == order[i + 1])
                {
                    steps.Add(new ValueStep(order[i], order[i + 1], order[i + 2]));
                    i += 2;
                    continue;
                }
            }

            steps.Add(new ValueStep(order[i], -1, -1));
        }

        return [.. steps];
    }

    /// <summary>One step of the value pass: a node, or a product with its bias sum and ReLU (ids, −1 when absent).</summary>
    private readonly record struct ValueStep(int Node, int Sum, int Relu);

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            Throw(actual, expected, name);
        }

        static void Throw(int actual, int expected, string name) =>
            throw new ArgumentException($"Expected length {expected}, got {actual}.", name);
    }

    private Span<double> Values(GraphNode n) => _values.AsSpan(n.Offset, n.Length);

    private Span<double> Values(int id) => Values(_nodes[id]);

    private Span<double> Adjoints(GraphNode n) => _adjoints.AsSpan(n.Offset, n.Length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double At(ReadOnlySpan<double> s, int i) => s.Length == 1 ? s[0] : s[i];

    /// <summary>Row i (of length d) of node n's block in a tangent-shaped buffer; a broadcast scalar always gives row 0.</summary>
    private Span<double> Row(double[] buffer, GraphNode n, int i)
    {
        var k = _dimension;
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

    public override string ToString() => $"Evaluator of {_function}";
}
