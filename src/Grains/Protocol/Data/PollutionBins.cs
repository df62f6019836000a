namespace AutoMon.Protocol.Data;

/// <summary>
/// The reference's binning of particulate concentrations for the KLD air-quality workload
/// (<c>DataGeneratorKldAirQuality.prepare_pm_data</c>): with k classes per frequency vector (d = 2k),
/// step = 500 / (k − 1), edges = <c>np.arange(0, 500, step)</c> = i·step, and a concentration c (µg/m³) goes to
/// <c>np.digitize(clip(c, 0, 500), edges) − 1</c>, i.e. the number of edges ≤ c, minus one.
/// </summary>
/// <remarks>
/// There are ⌈500/step⌉ edges, which is k − 1 for every k the reference uses: concentrations of 500 − step and above share
/// the top bin k − 2, and class k − 1 stays empty, exactly as in the reference.
/// </remarks>
public sealed class PollutionBins
{
    /// <summary>Concentrations are clipped to [0, <see cref="MaxConcentration"/>] before binning.</summary>
    public const double MaxConcentration = 500;

    /// <summary>Creates the bins for <paramref name="classes"/> classes per frequency vector (k = d/2, at least 2).</summary>
    public PollutionBins(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        Classes = classes;
        Step = MaxConcentration / (classes - 1);
        EdgeCount = (int)Math.Ceiling(MaxConcentration / Step);
    }

    /// <summary>Classes per frequency vector, k.</summary>
    public int Classes { get; }

    /// <summary>Width of a bin, 500 / (k − 1).</summary>
    public double Step { get; }

    /// <summary>Number of bin edges (lower edges of the bins in use).</summary>
    public int EdgeCount { get; }

    /// <summary>Lower edge of bin <paramref name="index"/>: index · step, as numpy's arange computes it.</summary>
    public double Edge(int index) => index * Step;

    /// <summary>The class index of a concentration; NaN is refused.</summary>
    public int IndexOf(double concentration)
    {
        if (double.IsNaN(concentration))
        {
            throw new ArgumentException("A concentration is NaN.", nameof(concentration));
        }

        var c = Math.Clamp(concentration, 0, MaxConcentration);
        // Count edges <= c by binary search over the same doubles numpy compares against.
        int lo = 0, hi = EdgeCount;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Edge(mid) <= c)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo - 1;
    }
}
