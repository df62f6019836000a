using AutoMon.Numerics.Functions;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol;
using BenchmarkDotNet.Attributes;

namespace AutoMon.Benchmarks;

/// <summary>
/// Per workload: one node check of a data update that stays inside the safe zone (the hot path: x − slack, domain,
/// DC constraints, bounds) and one coordinator full sync of 10 nodes (x0, thresholds, ADCD-X search when the Hessian is
/// not constant, slacks, 10 Sync messages, the verifier).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public class ProtocolBenchmarks
{
    private const int Nodes = 10;
    private Node _node = null!;
    private double[] _x = null!;
    private Coordinator _coordinator = null!;
    private double[][] _vectors = null!;

    [Params("inner_product", "quadratic", "kld", "entropy", "variance", "cosine_similarity", "rozenbrock", "sine", "quadratic_inverse", "mlp", "dnn")]
    public string Function { get; set; } = "inner_product";

    [GlobalSetup]
    public void Setup()
    {
        var catalog = FunctionCatalog.Create(Function, new FunctionOptions { Seed = 1 });
        var function = catalog with { Domain = catalog.Domain, MinValue = double.NegativeInfinity, MaxValue = double.PositiveInfinity };
        var d = function.Dimension;
        var random = new Random(7);
        _vectors = new double[Nodes][];
        for (var i = 0; i < Nodes; i++)
        {
            _vectors[i] = TypicalPoint(Function, d, random);
        }

        _x = _vectors[0];
        var neighborhood = Function is "rozenbrock" or "mlp" or "dnn" or "kld" ? 0.5 : (double?)null;

        // One node synced by a one-node coordinator, then fed its own x: inside (x − s = x0).
        var single = new Coordinator(function, new CoordinatorOptions { NodeCount = 1, ErrorBound = 0.5, SyncType = SyncType.Eager, NeighborhoodSize = neighborhood }, new NumpyLegacyRandom(1));
        _node = new Node(0, function);
        foreach (var message in single.Handle(_node.UpdateData(_x)!))
        {
            _node.Handle(message);
        }

        if (_node.UpdateData(_x) is not null)
        {
            throw new InvalidOperationException($"{Function}: x0 itself should be inside the safe zone.");
        }

        _coordinator = new Coordinator(function, new CoordinatorOptions
        {
            NodeCount = Nodes, ErrorBound = 0.5, SyncType = SyncType.Eager, NeighborhoodSize = neighborhood, IterationClock = IterationClock.Syncs,
        }, new NumpyLegacyRandom(1));
    }

    [Benchmark]
    public Violation? NodeCheck() => _node.UpdateData(_x);

    /// <summary>Every node reports at once, so the coordinator has all vectors and syncs immediately.</summary>
    [Benchmark]
    public int CoordinatorFullSync()
    {
        var violations = new INodeMessage[Nodes];
        for (var i = 0; i < Nodes; i++)
        {
            violations[i] = new Violation(i, _coordinator.ConstraintVersionOf(i), ViolationOrigin.SafeZone, [.. _vectors[i]]);
        }

        return _coordinator.Handle(violations).Count;
    }

    private static double[] TypicalPoint(string function, int d, Random random)
    {
        var x = new double[d];
        switch (function)
        {
            case "entropy":
            case "kld":
                // Frequency vectors (two halves for KLD), each summing to 1.
                var parts = function == "kld" ? 2 : 1;
                var k = d / parts;
                for (var p = 0; p < parts; p++)
                {
                    var sum = 0.0;
                    for (var i = 0; i < k; i++)
                    {
                        x[(p * k) + i] = 0.5 + random.NextDouble();
                        sum += x[(p * k) + i];
                    }

                    for (var i = 0; i < k; i++)
                    {
                        x[(p * k) + i] /= sum;
                    }
                }

                break;
            case "variance":
                x[0] = 0.1 * random.NextDouble();
                x[1] = 1 + random.NextDouble();
                break;
            case "dnn":
                var norm = 0.0;
                for (var i = 0; i < d; i++)
                {
                    x[i] = random.NextDouble();
                    norm += x[i] * x[i];
                }

                for (var i = 0; i < d; i++)
                {
                    x[i] /= Math.Sqrt(norm);
                }

                break;
            default:
                for (var i = 0; i < d; i++)
                {
                    x[i] = 0.2 + (0.3 * random.NextDouble());
                }

                break;
        }

        return x;
    }
}
