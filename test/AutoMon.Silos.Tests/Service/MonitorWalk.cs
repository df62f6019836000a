using AutoMon.Numerics.Functions;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// Points for an inner-product monitor (d = 4) whose nodes each take one point per round: seeded random walks from
/// (1, 0.5, 1, 0.5), mostly small steps, now and then a jump that forces a sync. The same seed gives the same walk.
/// </summary>
internal static class MonitorWalk
{
    /// <summary>Round r, node i: <c>walk[r][i]</c>.</summary>
    public static List<double[][]> Create(int nodes, int rounds, int seed)
    {
        var random = new Random(seed);
        var at = Enumerable.Range(0, nodes).Select(_ => new[] { 1.0, 0.5, 1.0, 0.5 }).ToArray();
        var walk = new List<double[][]>();
        for (var r = 0; r < rounds; r++)
        {
            for (var i = 0; i < at.Length; i++)
            {
                var step = random.NextDouble() < 0.1 ? 0.4 : 0.03;
                at[i] = [.. at[i].Select(v => v + (step * ((2 * random.NextDouble()) - 1)))];
            }

            walk.Add([.. at.Select(p => p.ToArray())]);
        }

        return walk;
    }

    /// <summary>f(x̄) after <paramref name="rounds"/> rounds, each node's local vector the mean of its last <paramref name="window"/> points.</summary>
    public static double Truth(List<double[][]> walk, int rounds, int window)
    {
        var f = FunctionCatalog.Create("inner_product", new FunctionOptions { Dimension = 4 }).Function.CreateEvaluator();
        var recent = walk.Skip(Math.Max(0, rounds - window)).Take(Math.Min(window, rounds)).ToList();
        double[] mean = [.. Enumerable.Range(0, 4).Select(j => recent.Average(round => round.Average(p => p[j])))];
        return f.Value(mean);
    }
}
