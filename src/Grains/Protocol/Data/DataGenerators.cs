using System.Globalization;

namespace AutoMon.Protocol.Data;

/// <summary>Size and seed of a generated data set.</summary>
/// <param name="NodeCount">Number of nodes n; rows are dealt round-robin (row k to node k mod n) unless noted.</param>
/// <param name="Iterations">Data points per node in the monitored part (rows = Iterations × n). For
/// <see cref="Workload.IntrusionDetection"/> it counts rows in total, as the reference's DNN experiment does.</param>
/// <param name="Dimension">Local vector length d (2 for variance, classes for entropy, 2k for KLD, 41 for intrusion detection).</param>
/// <param name="Seed">Seed of the generator; the same options give the same data.</param>
/// <param name="TuningIterations">Data points per node in the neighbourhood-tuning prefix (0 = none).</param>
public sealed record GeneratorOptions(int NodeCount, int Iterations, int Dimension, int Seed, int TuningIterations = 0);

/// <summary>
/// Seeded data generators, one per workload, producing the same kind of data as the reference's
/// <c>test_utils/data_generator.py</c> (same distributions, shapes, drifts and phases; not numpy's random numbers).
/// Like the reference, the tuning prefix and the monitored part are generated one after the other by the same process.
/// </summary>
public static partial class DataGenerators
{
    /// <summary>Generates the data set of <paramref name="workload"/>.</summary>
    /// <exception cref="ArgumentException">The options do not fit the workload (e.g. odd d for the inner product).</exception>
    public static DataSet Generate(Workload workload, GeneratorOptions options) => workload switch
    {
        Workload.InnerProduct => InnerProduct(options),
        Workload.Quadratic => Quadratic(options),
        Workload.Rosenbrock => Rosenbrock(options),
        Workload.Variance => Variance(options),
        Workload.Entropy => Entropy(options),
        Workload.CosineSimilarity => CosineSimilarity(options),
        Workload.Sine => Sine(options),
        Workload.Mlp => Mlp(options),
        Workload.QuadraticInverse => QuadraticInverse(options),
        Workload.IntrusionDetection => IntrusionDetection(options),
        Workload.AirQualityKld => AirQualityKld(options),
        _ => throw new ArgumentOutOfRangeException(nameof(workload), workload, "Unknown workload."),
    };

    /// <summary>
    /// Inner product: x ~ N(1, 0.01) in the first d/2 components, y chosen so that ⟨x, y⟩ follows a five-phase trajectory
    /// (rising line 0→1, fast sine, flat line alternating +1, slow sine, rising line), y ~ N(target/Σx, 0.01).
    /// </summary>
    public static DataSet InnerProduct(GeneratorOptions options)
    {
        RequireEven(options);
        var half = options.Dimension / 2;
        return Compose(options, options.Dimension, (random, rows) =>
        {
            if (rows == 0)
            {
                return [];
            }

            var perPart = rows / 5;
            if (perPart == 0)
            {
                throw new ArgumentException($"The inner-product trajectory has 5 phases; {rows} rows are too few.", nameof(options));
            }

            var target = InnerProductTrajectory(rows, perPart);
            var data = new double[rows * options.Dimension];
            for (var i = 0; i < rows; i++)
            {
                var row = data.AsSpan(i * options.Dimension, options.Dimension);
                var sum = 0.0;
                for (var j = 0; j < half; j++)
                {
                    row[j] = random.Normal(1, 0.01);
                    sum += row[j];
                }

                var loc = target[i] / sum;
                for (var j = half; j < options.Dimension; j++)
                {
                    row[j] = random.Normal(loc, 0.01);
                }
            }

            return data;
        });
    }

    /// <summary>
    /// Quadratic: every point ~ N(0, 0.1) per component, except node 0's first point of every second batch of 40 points
    /// per node, which jumps to N(−10, 0.1): a periodic outlier that makes the quadratic form spike.
    /// </summary>
    public static DataSet Quadratic(GeneratorOptions options)
    {
        Require(options);
        const int batchSize = 40;
        var d = options.Dimension;
        var n = options.NodeCount;
        return Compose(options, d, (random, rows) =>
        {
            var data = new double[rows * d];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = random.Normal(0, 0.1);
            }

            var oddBatch = false;
            for (var start = 0; start < rows; start += batchSize * n)
            {
                if (oddBatch)
                {
                    for (var j = 0; j < d; j++)
                    {
                        data[(start * d) + j] = random.Normal(-10, 0.1);
                    }
                }

                oddBatch = !oddBatch;
            }

            return data;
        });
    }

    /// <summary>H for the quadratic form: standard normal entries as the reference's <c>randn(d, d).astype(float32)</c>,
    /// already rounded the way <c>H_matrix.txt</c> stores them (6 decimals, read back as float32), so writing and reading
    /// the matrix changes nothing.</summary>
    public static double[,] QuadraticHMatrix(int dimension, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        var random = new SeededRandom(seed);
        var h = new double[dimension, dimension];
        for (var r = 0; r < dimension; r++)
        {
            for (var c = 0; c < dimension; c++)
            {
                var stored = ((float)random.NextGaussian()).ToString("F6", CultureInfo.InvariantCulture);
                h[r, c] = (float)double.Parse(stored, CultureInfo.InvariantCulture);
            }
        }

        return h;
    }

    /// <summary>Rosenbrock: every component ~ N(0, 0.2) (x and y halves drawn alike).</summary>
    public static DataSet Rosenbrock(GeneratorOptions options)
    {
        RequireEven(options);
        return Compose(options, options.Dimension, (random, rows) => Gaussian(random, rows * options.Dimension, 0, 0.2));
    }

    /// <summary>Variance: scalars ~ N(0, 1); the local vector (dimension 2) holds their first and second moments.</summary>
    public static DataSet Variance(GeneratorOptions options)
    {
        Require(options);
        if (options.Dimension != 2)
        {
            throw new ArgumentException($"Variance monitors first and second moments: dimension 2, not {options.Dimension}.", nameof(options));
        }

        return Compose(options, 1, (random, rows) => Gaussian(random, rows, 0, 1));
    }

    /// <summary>
    /// Entropy: class indices 0..d−1 drawn in batches of 50; in each batch class 0 has probability p_high and the others
    /// share the rest, p_high stepping by 0.05 per batch from 0.35 and wrapping at 1, so the entropy sweeps up and down.
    /// </summary>
    public static DataSet Entropy(GeneratorOptions options)
    {
        Require(options);
        var d = options.Dimension;
        if (d < 2)
        {
            throw new ArgumentException("Entropy needs at least 2 classes.", nameof(options));
        }

        return Compose(options, 1, (random, rows) =>
        {
            const int batchSize = 50;
            var data = new double[rows];
            var p = new double[d];
            var pHigh = 0.3;
            for (var start = 0; start < rows; start += batchSize)
            {
                pHigh = (pHigh + 0.05) % 1;
                Array.Fill(p, (1 - pHigh) / (d - 1));
                p[0] = pHigh;
                var end = Math.Min(rows, start + batchSize);
                for (var i = start; i < end; i++)
                {
                    data[i] = random.Choice(p);
                }
            }

            return data;
        });
    }

    /// <summary>Cosine similarity: first half ~ N(2, 1), second half ~ N(4, 1).</summary>
    public static DataSet CosineSimilarity(GeneratorOptions options)
    {
        RequireEven(options);
        var d = options.Dimension;
        var half = d / 2;
        return Compose(options, d, (random, rows) =>
        {
            var data = new double[rows * d];
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    data[(i * d) + j] = random.Normal(j < half ? 2 : 4, 1);
                }
            }

            return data;
        });
    }

    /// <summary>Sine: row i ~ N(loc_i, 0.2) with loc running linearly from 0 to 8π; one draw per row, copied to every
    /// component (the reference assigns a scalar to the whole row).</summary>
    public static DataSet Sine(GeneratorOptions options)
    {
        Require(options);
        var d = options.Dimension;
        return Compose(options, d, (random, rows) =>
        {
            var loc = NumpyCompat.Linspace(0, 8 * Math.PI, rows);
            var data = new double[rows * d];
            for (var i = 0; i < rows; i++)
            {
                data.AsSpan(i * d, d).Fill(random.Normal(loc[i], 0.2));
            }

            return data;
        });
    }

    private static double[] InnerProductTrajectory(int rows, int perPart)
    {
        var part1 = NumpyCompat.Linspace(0, 1, perPart);
        var part2 = NumpyCompat.Linspace(0, 10, perPart);
        for (var i = 0; i < perPart; i++)
        {
            part2[i] = Math.Sin(part2[i]) + part1[^1];
        }

        var part3 = NumpyCompat.Linspace(part2[^1], part2[^1], perPart);
        for (var i = 0; i < perPart; i += 2)
        {
            part3[i] += 1;
        }

        var part4 = NumpyCompat.Linspace(0, 40, perPart);
        for (var i = 0; i < perPart; i++)
        {
            part4[i] = Math.Sin(part4[i]) + part3[^1];
        }

        var part5 = NumpyCompat.Linspace(part4[^1], part4[^1] + 1, rows - (4 * perPart));
        return [.. part1, .. part2, .. part3, .. part4, .. part5];
    }

    private static double[] Gaussian(SeededRandom random, int count, double mean, double standardDeviation)
    {
        var data = new double[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = random.Normal(mean, standardDeviation);
        }

        return data;
    }

    /// <summary>Generates the tuning prefix then the monitored part with one random stream; round-robin schedule.</summary>
    private static DataSet Compose(GeneratorOptions options, int pointLength, Func<SeededRandom, int, double[]> generate)
    {
        var random = new SeededRandom(options.Seed);
        var tuningRows = options.TuningIterations * options.NodeCount;
        var monitoringRows = options.Iterations * options.NodeCount;
        var tuning = generate(random, tuningRows);
        var monitoring = generate(random, monitoringRows);
        // Without a tuning prefix the monitored rows are the data: no second copy of them (96 MB at 10,000 nodes).
        double[] values = tuning.Length == 0 ? monitoring : [.. tuning, .. monitoring];
        return new DataSet(
            values,
            pointLength,
            DataSet.RoundRobinSchedule(tuningRows + monitoringRows, options.NodeCount),
            options.NodeCount,
            tuningRows);
    }

    private static void Require(GeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.NodeCount < 1 || options.Iterations < 0 || options.TuningIterations < 0 || options.Dimension < 1)
        {
            throw new ArgumentException(
                $"Need at least 1 node and dimension 1, and non-negative iterations (got {options}).", nameof(options));
        }

        if ((long)(options.Iterations + (long)options.TuningIterations) * options.NodeCount * options.Dimension > Array.MaxLength)
        {
            throw new ArgumentException($"{options} asks for more data than one array holds.", nameof(options));
        }
    }

    private static void RequireEven(GeneratorOptions options)
    {
        Require(options);
        if (options.Dimension % 2 != 0)
        {
            throw new ArgumentException($"This workload splits x into two halves: dimension must be even, not {options.Dimension}.", nameof(options));
        }
    }
}
