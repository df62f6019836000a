using AutoMon.Numerics.Functions;

namespace AutoMon.Protocol.Data;

/// <summary>The monitored workloads of the paper and the reference's experiments, each with its own data generator.</summary>
public enum Workload
{
    /// <summary>Inner product of the two halves of x; rows are vectors (d even).</summary>
    InnerProduct,

    /// <summary>Quadratic form xᵀHx; rows are vectors.</summary>
    Quadratic,

    /// <summary>Rosenbrock function; rows are vectors (d even).</summary>
    Rosenbrock,

    /// <summary>Variance from first and second moments; rows are scalars, d = 2.</summary>
    Variance,

    /// <summary>Entropy of a frequency vector; rows are class indices 0..d-1.</summary>
    Entropy,

    /// <summary>Cosine similarity of the two halves of x; rows are vectors (d even).</summary>
    CosineSimilarity,

    /// <summary>Sine of the average; rows are vectors whose components are equal.</summary>
    Sine,

    /// <summary>A small multilayer perceptron; rows are network inputs.</summary>
    Mlp,

    /// <summary>The ablation study's quadratic-inverse function; 4 nodes, d = 2.</summary>
    QuadraticInverse,

    /// <summary>DNN intrusion detection on KDD Cup 99 style connection records; 9 nodes, d = 41.</summary>
    IntrusionDetection,

    /// <summary>KL divergence of PM10 and PM2.5 histograms of air-quality stations; rows are pairs of class indices, d = 2k.</summary>
    AirQualityKld,
}

/// <summary>Names and stream kinds of the <see cref="Workload"/>s.</summary>
public static class Workloads
{
    // Keyed by the function catalog's names: the one name table (FunctionCatalog.TryResolve) also gives the aliases.
    private static readonly Dictionary<string, Workload> ByFunction = new(StringComparer.Ordinal)
    {
        ["inner_product"] = Workload.InnerProduct,
        ["quadratic"] = Workload.Quadratic,
        ["rozenbrock"] = Workload.Rosenbrock,
        ["variance"] = Workload.Variance,
        ["entropy"] = Workload.Entropy,
        ["cosine_similarity"] = Workload.CosineSimilarity,
        ["sine"] = Workload.Sine,
        ["mlp"] = Workload.Mlp,
        ["quadratic_inverse"] = Workload.QuadraticInverse,
        ["dnn"] = Workload.IntrusionDetection,
        ["kld"] = Workload.AirQualityKld,
    };

    /// <summary>The workload (data generator) of a function, by any name the function catalog accepts.</summary>
    public static bool TryParse(string name, out Workload workload)
    {
        workload = default;
        return FunctionCatalog.TryResolve(name, out var function) && ByFunction.TryGetValue(function, out workload);
    }

    /// <summary>The function catalog's names of the functions that have a workload.</summary>
    public static IEnumerable<string> Names => ByFunction.Keys;

    /// <summary>The catalog function a workload monitors.</summary>
    public static string FunctionOf(Workload workload) =>
        ByFunction.First(pair => pair.Value == workload).Key;

    /// <summary>The stream that turns this workload's rows into local vectors.</summary>
    public static StreamKind StreamKindOf(Workload workload) => workload switch
    {
        Workload.Variance => StreamKind.FirstAndSecondMoments,
        Workload.Entropy => StreamKind.Frequency,
        Workload.AirQualityKld => StreamKind.ConcatenatedFrequencies,
        Workload.InnerProduct or Workload.Quadratic or Workload.Rosenbrock or Workload.CosineSimilarity or Workload.Sine
            or Workload.Mlp or Workload.QuadraticInverse or Workload.IntrusionDetection => StreamKind.WindowedAverage,
        _ => throw new ArgumentOutOfRangeException(nameof(workload), workload, "Unknown workload."),
    };
}
