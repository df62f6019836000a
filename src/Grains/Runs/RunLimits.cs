using System.Globalization;

namespace AutoMon.Grains.Runs;

/// <summary>
/// The sizes a run or monitor can have, checked before anything is allocated: a dimension whose d×d matrices cannot exist,
/// or a run whose data and matrices need more memory than the machine has, is refused at once with the numbers, instead of
/// running for minutes and failing on an overflow or out of memory.
/// </summary>
public static class RunLimits
{
    /// <summary>
    /// The largest dimension: the Hessian and ADCD-E's matrix are d×d arrays, and .NET arrays hold at most
    /// <see cref="Array.MaxLength"/> elements.
    /// </summary>
    public static int MaxDimension { get; } = (int)Math.Sqrt(Array.MaxLength);

    /// <summary>The problem with dimension <paramref name="dimension"/>, naming <paramref name="setting"/>; null when it fits.</summary>
    public static string? DimensionProblem(long dimension, string setting) =>
        dimension > MaxDimension
            ? string.Create(CultureInfo.InvariantCulture,
                $"{setting} {dimension} is too large: f's Hessian and the safe zone's matrix are d×d, at most {MaxDimension} for d")
            : null;

    /// <summary>
    /// A bound on the memory a run needs: its rows (every node's rows of d numbers, tuning prefix included) and the d×d
    /// matrices (one per node, a few at the coordinator's eigen-decomposition), in bytes.
    /// </summary>
    public static double EstimatedBytes(int nodes, int iterations, int tuningIterations, int dimension)
    {
        const double Coordinator = 4;
        double d = dimension;
        return sizeof(double) * ((nodes * (double)(iterations + tuningIterations) * d) + ((nodes + Coordinator) * d * d));
    }

    /// <summary>
    /// The problem when <paramref name="run"/> (of dimension <paramref name="dimension"/>) needs more than
    /// <paramref name="availableBytes"/>; null when it fits.
    /// </summary>
    public static string? MemoryProblem(RunDefinition run, int dimension, long availableBytes)
    {
        ArgumentNullException.ThrowIfNull(run);
        var needed = EstimatedBytes(run.Nodes, run.Iterations, run.TuningIterations, dimension);
        return needed <= availableBytes ? null : string.Create(CultureInfo.InvariantCulture,
            $"the run needs about {Gigabytes(needed)} of memory (--nodes {run.Nodes} × --iterations {run.Iterations} rows of --dim {dimension}, " +
            $"and a {dimension}×{dimension} matrix per node) and this machine has {Gigabytes(availableBytes)}; lower --dim, --nodes or --iterations");
    }

    /// <summary>The memory this process may use (the GC's view: physical memory or the container's limit).</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static string Gigabytes(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):0.##} GB");
}
