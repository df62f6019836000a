using AutoMon.Numerics.AutoDiff;

namespace AutoMon.Numerics.Functions;

/// <summary>Activation applied after a dense layer.</summary>
public enum Activation
{
    Identity,
    Relu,
    Tanh,
    Sigmoid,
}

/// <summary>One dense layer y = act(W x + b), W stored as (outputs × inputs).</summary>
public sealed record DenseLayer(double[,] Weights, double[] Bias, Activation Activation)
{
    public int Inputs => Weights.GetLength(1);

    public int Outputs => Weights.GetLength(0);
}

/// <summary>
/// A feed-forward network written with vectorised layer operations (one matrix-vector product per layer, not a loop per
/// weight). The paper's MLP (d-40-15-5-1, tanh) and intrusion-detection DNN (41-512-64-32-16-8-1, ReLU, sigmoid output) are
/// instances.
/// </summary>
public sealed class DenseNetwork
{
    public DenseNetwork(IReadOnlyList<DenseLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        }

        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            if (layer.Bias.Length != layer.Outputs)
            {
                throw new ArgumentException($"Layer {i}: {layer.Outputs} outputs but {layer.Bias.Length} biases.", nameof(layers));
            }

            if (i > 0 && layers[i - 1].Outputs != layer.Inputs)
            {
                throw new ArgumentException(
                    $"Layer {i} takes {layer.Inputs} inputs but layer {i - 1} gives {layers[i - 1].Outputs}.", nameof(layers));
            }

            MonitoredFunctions.RequireFinite(layer.Weights, $"W{i}");
            if (layer.Bias.Any(b => !double.IsFinite(b)))
            {
                throw new ArgumentException($"b{i} has a non-finite entry.", nameof(layers));
            }
        }

        if (layers[^1].Outputs != 1)
        {
            throw new ArgumentException($"The last layer must have one output; it has {layers[^1].Outputs}.", nameof(layers));
        }

        Layers = layers;
    }

    public IReadOnlyList<DenseLayer> Layers { get; }

    public int InputDimension => Layers[0].Inputs;

    /// <summary>The paper's MLP shape: d → 40 → 15 → 5 → 1 with tanh (reference test_utils/jax_mlp.py).</summary>
    public static int[] MlpShape(int inputDimension) => [inputDimension, 40, 15, 5, 1];

    /// <summary>The paper's intrusion-detection DNN: 41 → 512 → 64 → 32 → 16 → 8 → 1, ReLU, sigmoid output.</summary>
    public static int[] IntrusionDetectionShape => [41, 512, 64, 32, 16, 8, 1];

    /// <summary>Glorot-normal weights and tiny normal biases (as stax's Dense initialises), from a seed.</summary>
    public static DenseNetwork Initialize(int[] shape, Activation hidden, Activation output, int seed)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length < 2 || shape.Any(s => s <= 0))
        {
            throw new ArgumentException("A network shape needs at least two positive layer sizes.", nameof(shape));
        }

        var random = new Random(seed);
        var layers = new List<DenseLayer>();
        for (var l = 0; l + 1 < shape.Length; l++)
        {
            int inputs = shape[l], outputs = shape[l + 1];
            var std = Math.Sqrt(2.0 / (inputs + outputs));
            var w = new double[outputs, inputs];
            for (var o = 0; o < outputs; o++)
            {
                for (var i = 0; i < inputs; i++)
                {
                    w[o, i] = std * Gaussian(random);
                }
            }

            var b = new double[outputs];
            for (var o = 0; o < outputs; o++)
            {
                b[o] = 1e-6 * Gaussian(random);
            }

            layers.Add(new DenseLayer(w, b, l + 2 == shape.Length ? output : hidden));
        }

        return new DenseNetwork(layers);
    }

    /// <summary>The network applied to <paramref name="x"/>, recorded as one MatVec, one bias add and one activation per layer.</summary>
    public Expr Apply(Expr x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = x;
        foreach (var layer in Layers)
        {
            h = Ad.Dense(layer.Weights, layer.Bias, h);
            h = layer.Activation switch
            {
                Activation.Relu => Ad.Relu(h),
                Activation.Tanh => Ad.Tanh(h),
                Activation.Sigmoid => Ad.Sigmoid(h),
                _ => h,
            };
        }

        return h;
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
