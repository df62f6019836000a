namespace AutoMon.Protocol.Data;

public static partial class DataGenerators
{
    /// <summary>
    /// MLP: the first 20 points per node sit near (−2, 0, …, 0); then even nodes sit near y = +2 and odd nodes near y = −2
    /// in every component but the first, while the first component moves from −2 by 0.008 every batch of 2 points per node.
    /// Short excursions as in the reference: batches 361–369 and 381–389 jump to x = 0 (σ 0.05), and in batches 391–399
    /// the even nodes drop to y = 0.5. σ = 0.1 otherwise.
    /// </summary>
    public static DataSet Mlp(GeneratorOptions options)
    {
        Require(options);
        var d = options.Dimension;
        var n = options.NodeCount;
        return Compose(options, d, (random, rows) =>
        {
            var warmUp = 20 * n;
            if (rows == 0)
            {
                return [];
            }

            if (rows < warmUp)
            {
                throw new ArgumentException($"The MLP data starts with 20 points per node ({warmUp} rows); {rows} rows are too few.", nameof(options));
            }

            var data = new double[rows * d];
            for (var i = 0; i < warmUp; i++)
            {
                FillNormal(random, data.AsSpan(i * d, d), -2, 0, 0.1);
            }

            const double movePerBatch = 0.008;
            var batchSize = 2 * n;
            var xLoc = -2.0;
            for (var i = 0; i < rows - warmUp; i++)
            {
                var node = i % n;
                var batch = i / batchSize;
                if (i > 0 && i % batchSize == 0)
                {
                    xLoc += movePerBatch;
                }

                var yLoc = node % 2 == 0 ? 2.0 : -2.0;
                var row = data.AsSpan((i + warmUp) * d, d);
                if ((batch > 360 && batch < 370) || (batch > 380 && batch < 390))
                {
                    FillNormal(random, row, 0, yLoc, 0.05);
                }
                else if (batch > 390 && batch < 400 && node % 2 == 0)
                {
                    FillNormal(random, row, xLoc, yLoc - 1.5, 0.1);
                }
                else
                {
                    FillNormal(random, row, xLoc, yLoc, 0.1);
                }
            }

            return data;
        });
    }

    /// <summary>
    /// Quadratic inverse (ablation study; 4 nodes, d = 2): after 20 points at the origin, node 0 walks the diagonal to (1, 1),
    /// node 1 to (1, −1), node 2 along the x axis to 1.6 and node 3 to −1.6 (σ 0.01, x exact on the axis trails). Two short
    /// bursts two thirds of the way (10 points each, 30 apart) pull nodes 0 and 1 to (0.2, ±0.2) and (0.3, ±0.3).
    /// </summary>
    public static DataSet QuadraticInverse(GeneratorOptions options)
    {
        Require(options);
        if (options.NodeCount != 4 || options.Dimension != 2)
        {
            throw new ArgumentException(
                $"Quadratic inverse follows four fixed trails in the plane: 4 nodes and dimension 2 (got {options.NodeCount} and {options.Dimension}).",
                nameof(options));
        }

        return Compose(options, 2, (random, rows) =>
        {
            var perNode = rows / 4;
            var data = new double[rows * 2];
            (double X, double Y)[] ends = [(1, 1), (1, -1), (1.6, 0), (-1.6, 0)];
            for (var node = 0; node < 4; node++)
            {
                var locX = NumpyCompat.Linspace(0, ends[node].X, perNode);
                var locY = NumpyCompat.Linspace(0, ends[node].Y, perNode);
                var onAxis = node >= 2;
                for (var i = 20; i < perNode; i++)
                {
                    var row = ((4 * i) + node) * 2;
                    data[row] = onAxis ? locX[i] : random.Normal(locX[i], 0.01);
                    data[row + 1] = random.Normal(locY[i], 0.01);
                }
            }

            const int changeLength = 10;
            var changeStart = perNode / 3 * 2;
            Burst(random, data, perNode, node: 0, changeStart, changeLength, 0.2, 0.2, 0.01);
            Burst(random, data, perNode, node: 1, changeStart, changeLength, 0.2, -0.2, 0.001);
            Burst(random, data, perNode, node: 0, changeStart + 30, changeLength, 0.3, 0.3, 0.01);
            Burst(random, data, perNode, node: 1, changeStart + 30, changeLength, 0.3, -0.3, 0.01);
            return data;
        });
    }

    private static void Burst(SeededRandom random, double[] data, int perNode, int node, int start, int length, double x, double y, double sigma)
    {
        // The reference would fail on a burst past the end of a short trail; we keep the part that fits.
        for (var i = start; i < Math.Min(start + length, perNode); i++)
        {
            var row = ((4 * i) + node) * 2;
            data[row] = random.Normal(x, sigma);
            data[row + 1] = random.Normal(y, sigma);
        }
    }

    /// <summary>First component ~ N(x, σ), the others ~ N(y, σ).</summary>
    private static void FillNormal(SeededRandom random, Span<double> row, double x, double y, double sigma)
    {
        row[0] = random.Normal(x, sigma);
        for (var j = 1; j < row.Length; j++)
        {
            row[j] = random.Normal(y, sigma);
        }
    }
}
