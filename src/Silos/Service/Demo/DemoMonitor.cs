using System.Collections.Immutable;
using AutoMon.Grains.Monitors;

namespace AutoMon.Silos.Service.Demo;

/// <summary>
/// The demo monitor (<c>serve --demo</c>, docs/service.md): a formula of d = 6 over 4 nodes, each fed a slowly rotating
/// sinusoid with a node's own phase and period plus a little noise (<see cref="Point"/>), averaged over a window of 20.
/// </summary>
public static class DemoMonitor
{
    /// <summary>The monitor's id.</summary>
    public const string Id = "demo";

    /// <summary>f: the formula docs/formulas.md opens with.</summary>
    public const string Formula = "dot(x[0:3], x[3:6]) - log(1 + sum(x[0:3]^2))";

    /// <summary>d.</summary>
    public const int Dimension = 6;

    /// <summary>Window size: each node's local vector is the mean of its last 20 points (2 s at the default pace).</summary>
    public const int Window = 20;

    /// <summary>ε: at the default pace, a full sync every few seconds and a lazy one or two a second in between.</summary>
    public const double ErrorBound = 0.1;

    /// <summary>The nodes' names.</summary>
    public static ImmutableArray<string> Nodes { get; } = ["n0", "n1", "n2", "n3"];

    /// <summary>The monitor as <c>POST /api/monitors</c> would create it.</summary>
    public static MonitorDefinition Definition { get; } = new()
    {
        Id = Id, Function = Formula, Dimension = Dimension, ErrorBound = ErrorBound, Nodes = Nodes, Window = Window,
    };

    // One turn of node i's sinusoid takes BasePeriod · (1 + i/4) steps: 60 s for n0 at 100 ms a step.
    private const double BasePeriod = 600;
    private const double Amplitude = 0.4;
    private const double Noise = 0.1;

    /// <summary>
    /// Point <paramref name="step"/> (0, 1, ...) of node <paramref name="node"/> (0 ≤ node &lt; 4): coordinate j is
    /// 0.5 + 0.4 · sin(2π · step / period + phase + j · π/3) plus uniform noise in ±0.05, where the node's period and phase
    /// grow with its index. A pure function of (seed, node, step): the same seed gives the same data on every run.
    /// </summary>
    public static double[] Point(int seed, int node, long step)
    {
        var period = BasePeriod * (1 + (node / 4.0));
        var angle = (2 * Math.PI * step / period) + (0.7 * node);
        var point = new double[Dimension];
        for (var j = 0; j < Dimension; j++)
        {
            var noise = Noise * (Uniform(seed, node, step, j) - 0.5);
            point[j] = 0.5 + (Amplitude * Math.Sin(angle + (j * Math.PI / 3))) + noise;
        }

        return point;
    }

    // A uniform number in [0, 1) from (seed, node, step, j): SplitMix64 of their combination.
    private static double Uniform(int seed, int node, long step, int j)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)node << 56) ^ ((ulong)step << 8) ^ (ulong)j;
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}

/// <summary>How the demo producer runs.</summary>
public sealed record DemoOptions
{
    /// <summary>The time between two rounds (each node one point per round); 100 ms by default.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The seed of the data's noise.</summary>
    public int Seed { get; init; } = 1;
}
