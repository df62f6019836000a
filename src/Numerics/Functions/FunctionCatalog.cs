using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics.Functions;

/// <summary>How to build a catalog function: its dimension, and where its parameters come from.</summary>
public sealed record FunctionOptions
{
    /// <summary>d; null takes the function's default (the paper's).</summary>
    public int? Dimension { get; init; }

    /// <summary>Quadratic: an np.savetxt text file with H (d×d); null draws H from <see cref="Seed"/>.</summary>
    public string? HMatrixPath { get; init; }

    /// <summary>Quadratic: H itself (takes precedence over the path).</summary>
    public double[,]? HMatrix { get; init; }

    /// <summary>mlp/dnn: a .npz of float arrays W0, b0, W1, b1, … (W_k of shape inputs×outputs, as x @ W + b); null initialises from <see cref="Seed"/>.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>mlp/dnn: the bytes of such a .npz (takes precedence over the path): how weights reach silos on other machines.</summary>
    public byte[]? WeightsNpz { get; init; }

    /// <summary>Seed for parameters that are not given.</summary>
    public int Seed { get; init; }
}

/// <summary>A monitored function with what the protocol needs to know about its range and domain.</summary>
/// <param name="Function">f.</param>
/// <param name="Domain">Per-coordinate domain [lo, hi] of the local vectors, or null for all of R^d.</param>
/// <param name="MinValue">A lower bound of f over the domain (−∞ when unknown).</param>
/// <param name="MaxValue">An upper bound of f over the domain (+∞ when unknown).</param>
public sealed record MonitoredFunction(DifferentiableFunction Function, (double Low, double High)? Domain, double MinValue, double MaxValue)
{
    // One box per function: 10,000 node grains sharing a function would otherwise hold 10,000 equal boxes (7 MB at d = 40).
    private static readonly ConditionalWeakTable<MonitoredFunction, BoxDomain> DomainBoxes = new();

    public string Name => Function.Name;

    public int Dimension => Function.Dimension;

    /// <summary><see cref="Domain"/> on each of the <see cref="Dimension"/> coordinates, or null; the same (immutable) box every time.</summary>
    public BoxDomain? DomainBox() => Domain is null
        ? null
        : DomainBoxes.GetValue(this, static f => BoxDomain.Uniform(f.Dimension, f.Domain!.Value.Low, f.Domain.Value.High));
}

/// <summary>The library's functions by name (the reference's names: inner_product, quadratic, kld, …).</summary>
public static class FunctionCatalog
{
    /// <summary>Every name <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "inner_product", "quadratic", "kld", "entropy", "variance", "cosine_similarity", "rozenbrock", "sine",
        "quadratic_inverse", "mlp", "dnn",
    ];

    /// <summary>
    /// The paper's dimension for each function; for a formula (<see cref="IsFormula"/>) the smallest dimension that covers
    /// every index and slice end it uses (<c>x[0] * x[1]</c> → 2).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, or a formula whose length comes from the dimension (x alone, x[a:]).</exception>
    public static int DefaultDimension(string name)
    {
        if (IsFormula(name))
        {
            return Formula.ImpliedDimension(name) ?? throw new ArgumentException(
                $"a formula needs --dim: '{name}' uses x alone or a slice without an end, whose length is the dimension.");
        }

        return Normalize(name) switch
        {
            "inner_product" or "quadratic" => 40,
            "kld" => 20,
            "entropy" => 10,
            "variance" or "rozenbrock" or "quadratic_inverse" => 2,
            "cosine_similarity" => 10,
            "sine" => 1,
            "mlp" => 2,
            "dnn" => 41,
            var other => throw UnknownFunction(other),
        };
    }

    /// <summary>
    /// Builds the function called <paramref name="name"/>, or the formula <paramref name="name"/> is
    /// (<see cref="IsFormula"/>; its domain is all of R^d and its range unknown).
    /// </summary>
    public static MonitoredFunction Create(string name, FunctionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IsFormula(name))
        {
            var dimension = options.Dimension ?? DefaultDimension(name);
            if (dimension <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(options), dimension, "The dimension must be positive.");
            }

            return new(Formula.Parse(name, dimension), null, double.NegativeInfinity, double.PositiveInfinity);
        }

        var key = Normalize(name);
        var d = options.Dimension ?? DefaultDimension(key);
        if (d <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), d, "The dimension must be positive.");
        }

        RequireDimension(key, d);
        return key switch
        {
            "inner_product" => new(MonitoredFunctions.InnerProduct(d), null, double.NegativeInfinity, double.PositiveInfinity),
            "quadratic" => new(MonitoredFunctions.Quadratic(QuadraticMatrix(options, d)), null, double.NegativeInfinity, double.PositiveInfinity),
            // Frequencies live in [0, 1]; D(P‖Q) >= 0.
            "kld" => new(MonitoredFunctions.KlDivergence(d), (0, 1), 0, double.PositiveInfinity),
            // Entropy of k classes lies in [0, log k].
            "entropy" => new(MonitoredFunctions.Entropy(d), (0, 1), 0, Math.Log(d)),
            "variance" => new(MonitoredFunctions.Variance(), null, double.NegativeInfinity, double.PositiveInfinity),
            "cosine_similarity" => new(MonitoredFunctions.CosineSimilarity(d), null, -1, 1),
            "rozenbrock" => new(MonitoredFunctions.Rosenbrock(d), null, 0, double.PositiveInfinity),
            "sine" => new(MonitoredFunctions.Sine(), null, -1, 1),
            "quadratic_inverse" => new(MonitoredFunctions.QuadraticInverse(), null, double.NegativeInfinity, double.PositiveInfinity),
            "mlp" => new(MonitoredFunctions.Network("mlp", Network(options, DenseNetwork.MlpShape(d), Activation.Tanh, Activation.Identity)),
                null, double.NegativeInfinity, double.PositiveInfinity),
            // A sigmoid output lies in [0, 1].
            "dnn" => new(MonitoredFunctions.Network("dnn", Network(options, DenseNetwork.IntrusionDetectionShape, Activation.Relu, Activation.Sigmoid)),
                null, 0, 1),
            _ => throw UnknownFunction(key),
        };
    }

    private static void RequireDimension(string key, int d)
    {
        string? problem = key switch
        {
            "inner_product" or "kld" or "cosine_similarity" or "rozenbrock" when d % 2 != 0 => "an even dimension (two halves)",
            "variance" or "quadratic_inverse" when d != 2 => "dimension 2",
            "sine" when d != 1 => "dimension 1",
            "dnn" when d != 41 => "dimension 41 (the intrusion-detection features)",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException($"Function '{key}' needs {problem}; got {d}.");
        }
    }

    private static double[,] QuadraticMatrix(FunctionOptions options, int d)
    {
        var h = options.HMatrix;
        if (h is null && options.HMatrixPath is not null)
        {
            h = FunctionFiles.ReadMatrix(options.HMatrixPath);
        }

        if (h is null)
        {
            // As the reference makes H: standard normal entries as float32, written with 6 decimals.
            var random = new Random(options.Seed);
            h = new double[d, d];
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    var g = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                    h[i, j] = (float)Math.Round(g, 6);
                }
            }
        }

        if (h.GetLength(0) != d || h.GetLength(1) != d)
        {
            throw new ArgumentException(
                $"The H matrix{(options.HMatrixPath is null ? "" : $" in {options.HMatrixPath}")} is {h.GetLength(0)}×{h.GetLength(1)}, but the dimension is {d}.");
        }

        return h;
    }

    private static DenseNetwork Network(FunctionOptions options, int[] shape, Activation hidden, Activation output)
    {
        if (options.WeightsNpz is null && options.WeightsPath is null)
        {
            return DenseNetwork.Initialize(shape, hidden, output, options.Seed);
        }

        var (network, source) = options.WeightsNpz is { } npz
            ? (FunctionFiles.ReadNetwork(npz, "the given weights", hidden, output), "the given weights")
            : (FunctionFiles.ReadNetwork(options.WeightsPath!, hidden, output), options.WeightsPath!);
        if (network.InputDimension != shape[0])
        {
            throw new ArgumentException(
                $"The network in {source} takes {network.InputDimension} inputs, but the dimension is {shape[0]}.");
        }

        return network;
    }

    // The one table of other spellings: the reference's workload and experiment names for the same functions.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["rosenbrock"] = "rozenbrock",
        ["kl_divergence"] = "kld",
        ["kld_air_quality"] = "kld",
        ["intrusion_detection"] = "dnn",
        ["dnn_intrusion_detection"] = "dnn",
    };

    /// <summary>
    /// The catalog name of <paramref name="name"/>: any case, '-' for '_', and the reference's other names
    /// (rosenbrock, kl_divergence, kld_air_quality, intrusion_detection, dnn_intrusion_detection).
    /// </summary>
    public static bool TryResolve(string? name, [NotNullWhen(true)] out string? canonical)
    {
        var key = (name ?? string.Empty).Trim().ToLowerInvariant().Replace('-', '_');
        key = Aliases.GetValueOrDefault(key, key);
        canonical = Names.Contains(key) ? key : null;
        return canonical is not null;
    }

    /// <summary>
    /// True when <paramref name="name"/> is not a catalog name (<see cref="TryResolve"/>) but a formula over x
    /// (docs/formulas.md): it contains an x and is not a single word, so that a misspelt name such as "inner_prodcut_x"
    /// is still reported as an unknown function. Whether the formula is valid is <see cref="Formula.Parse"/>'s business.
    /// </summary>
    public static bool IsFormula([NotNullWhen(true)] string? name)
    {
        if (name is null || TryResolve(name, out _) || !name.Contains('x', StringComparison.Ordinal))
        {
            return false;
        }

        var text = name.Trim();
        return text == "x" || !text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    /// <summary>The catalog name of <paramref name="name"/> (<see cref="TryResolve"/>).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static string Resolve(string name) => TryResolve(name, out var canonical) ? canonical : throw UnknownFunction(name);

    private static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryResolve(name, out var canonical) ? canonical : name.Trim().ToLowerInvariant();
    }

    private static ArgumentException UnknownFunction(string name) =>
        new($"Unknown function '{name}'. Known functions: {string.Join(", ", Names)}; or a formula over x such as x[0] * x[1] (docs/formulas.md).");

    internal static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
