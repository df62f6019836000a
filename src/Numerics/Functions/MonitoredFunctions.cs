using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics.Functions;

/// <summary>
/// The functions the paper monitors (reference: test_utils/functions_to_monitor.py), each written once over <see cref="Expr"/>
/// exactly as a user would write their own. Nothing here is special-cased by the library.
/// </summary>
public static class MonitoredFunctions
{
    /// <summary>⟨x, y⟩ where the input is the concatenation [x, y] (d even).</summary>
    public static DifferentiableFunction InnerProduct(int dimension)
    {
        RequireEven(dimension, "inner_product");
        var half = dimension / 2;
        return DifferentiableFunction.Create("inner_product", dimension, v => Ad.Dot(v[..half], v[half..]));
    }

    /// <summary>xᵀ H x. Evaluated as (xᵀH)·x, the reference's order of operations.</summary>
    public static DifferentiableFunction Quadratic(double[,] h)
    {
        ArgumentNullException.ThrowIfNull(h);
        int rows = h.GetLength(0), cols = h.GetLength(1);
        if (rows != cols || rows == 0)
        {
            throw new ArgumentException($"The quadratic form needs a square matrix; got {rows}×{cols}.", nameof(h));
        }

        RequireFinite(h, "H");
        var transposed = new double[rows, rows];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < rows; j++)
            {
                transposed[i, j] = h[j, i];
            }
        }

        return DifferentiableFunction.Create("quadratic", rows, x => Ad.Dot(Ad.MatVec(transposed, x), x));
    }

    /// <summary>KL divergence D(P‖Q) for the input [P, Q] (d even), each smoothed by <paramref name="epsilon"/>
    /// (the reference uses 1 / (window · nodes) = 1 / (200 · 12)).</summary>
    public static DifferentiableFunction KlDivergence(int dimension, double epsilon = 1.0 / (200 * 12))
    {
        RequireEven(dimension, "kld");
        var half = dimension / 2;
        return DifferentiableFunction.Create("kld", dimension, v =>
        {
            var p = v[..half] + epsilon;
            var q = v[half..] + epsilon;
            return Ad.Sum(p * Ad.Log(p / q));
        });
    }

    /// <summary>Shannon entropy −Σ p log p of a probability vector, with 0 log 0 = 0 (branch-free, as the reference).</summary>
    public static DifferentiableFunction Entropy(int dimension) =>
        DifferentiableFunction.Create("entropy", dimension, v =>
        {
            var positive = v > 0;
            var p = Ad.Select(positive, v, 1.0);
            return Ad.Sum(Ad.Select(positive, -p * Ad.Log(p), 0.0));
        });

    /// <summary>Variance from the first and second moments: x[1] − x[0]².</summary>
    public static DifferentiableFunction Variance() =>
        DifferentiableFunction.Create("variance", 2, v => v[1] - (v[0] * v[0]));

    /// <summary>Cosine similarity of the halves x, y of the input (0 when a norm is 0).</summary>
    public static DifferentiableFunction CosineSimilarity(int dimension)
    {
        RequireEven(dimension, "cosine_similarity");
        var half = dimension / 2;
        return DifferentiableFunction.Create("cosine_similarity", dimension, v =>
        {
            Expr x = v[..half], y = v[half..];
            var denominator = Ad.Norm(x) * Ad.Norm(y);
            var nonZero = Ad.NotEqual(denominator, 0.0);
            return Ad.Select(nonZero, Ad.Dot(x, y), 0.0) / Ad.Select(nonZero, denominator, 1.0);
        });
    }

    /// <summary>Rosenbrock (a = 1, b = 100) over the halves x, y: (a−x)·(a−x) + b (y − x·x)·(y − x·x).</summary>
    public static DifferentiableFunction Rosenbrock(int dimension = 2)
    {
        RequireEven(dimension, "rozenbrock");
        var half = dimension / 2;
        return DifferentiableFunction.Create("rozenbrock", dimension, v =>
        {
            Expr x = v[..half], y = v[half..];
            var ax = 1.0 - x;
            var yx = y - Ad.Dot(x, x);
            return Ad.Dot(ax, ax) + (100.0 * Ad.Dot(yx, yx));
        });
    }

    /// <summary>sin(x) of a scalar input.</summary>
    public static DifferentiableFunction Sine() => DifferentiableFunction.Create("sine", 1, Ad.Sin);

    /// <summary>−x0² + x1² (a saddle: the paper's quadratic-inverse ablation).</summary>
    public static DifferentiableFunction QuadraticInverse() =>
        DifferentiableFunction.Create("quadratic_inverse", 2, v => -(v[0] * v[0]) + (v[1] * v[1]));

    /// <summary>A dense network evaluated on the input; its output layer must have one unit.</summary>
    public static DifferentiableFunction Network(string name, DenseNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return DifferentiableFunction.Create(name, network.InputDimension, network.Apply);
    }

    private static void RequireEven(int dimension, string name)
    {
        if (dimension <= 0 || dimension % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"{name} needs a positive even dimension (two halves).");
        }
    }

    internal static void RequireFinite(double[,] m, string what)
    {
        for (var i = 0; i < m.GetLength(0); i++)
        {
            for (var j = 0; j < m.GetLength(1); j++)
            {
                if (!double.IsFinite(m[i, j]))
                {
                    throw new ArgumentException($"{what}[{i},{j}] is {m[i, j]}; every entry must be finite.");
                }
            }
        }
    }
}
