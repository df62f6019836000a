using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol;

namespace AutoMon.Grains.Tests.Protocol;

/// <summary>
/// The protocol objects of a small lockstep run over seeded random-walk local vectors (the simulator's loop: each round
/// every node's update, then the round's violations resolved), for tests that disturb such a run and compare it with the
/// undisturbed one: "inner_product" (d = 4, ADCD-E) or "sine" (d = 1, ADCD-X with a neighbourhood box), ε = 0.3.
/// </summary>
internal sealed class LockstepWalk
{
    private readonly Random _random;
    private readonly double[][] _vectors;
    private readonly double[] _global;

    public LockstepWalk(int seed, SyncType sync, string functionName, int nodeCount, bool checkpoints = false)
    {
        var dimension = functionName == "sine" ? 1 : 4;
        Function = functionName == "sine"
            ? new MonitoredFunction(MonitoredFunctions.Sine(), null, -1, 1)
            : new MonitoredFunction(MonitoredFunctions.InnerProduct(dimension), null, double.NegativeInfinity, double.PositiveInfinity);
        Coordinator = new Coordinator(Function, new CoordinatorOptions
        {
            NodeCount = nodeCount, ErrorBound = 0.3, SyncType = sync, SlackType = SlackType.Drift,
            NeighborhoodSize = functionName == "sine" ? 0.5 : null,
        }, new NumpyLegacyRandom(1));
        Nodes = [.. Enumerable.Range(0, nodeCount).Select(i => new Node(i, Function, checkpoints))];
        _random = new Random(seed);
        _vectors = [.. Enumerable.Range(0, nodeCount).Select(_ => Enumerable.Range(0, dimension).Select(_ => _random.NextDouble()).ToArray())];
        _global = new double[dimension];
    }

    public MonitoredFunction Function { get; }

    public Coordinator Coordinator { get; }

    public Node[] Nodes { get; }

    /// <summary>Node <paramref name="i"/>'s data update of this round: its vector takes a random step; its violation or null.</summary>
    public Violation? Step(int i)
    {
        var vector = _vectors[i];
        for (var k = 0; k < vector.Length; k++)
        {
            vector[k] += (_random.NextDouble() - 0.5) * 0.2;
        }

        return Nodes[i].UpdateData(vector);
    }

    /// <summary>
    /// Closes the round as the simulator does: x̄ to the coordinator, the round's <paramref name="violations"/> resolved
    /// with the nodes until nothing is left to send, then the round's end.
    /// </summary>
    public void CloseRound(List<INodeMessage> violations)
    {
        SetGlobalVector();
        var batch = violations;
        while (batch.Count > 0)
        {
            var output = Coordinator.Handle(batch);
            batch = [.. output.Select(m => Nodes[m.NodeIndex].Handle(m)).OfType<INodeMessage>()];
        }

        Coordinator.EndRound();
    }

    /// <summary>Gives the coordinator x̄ of the nodes' vectors (for its error statistics), after the round's updates.</summary>
    public void SetGlobalVector()
    {
        for (var k = 0; k < _global.Length; k++)
        {
            _global[k] = _vectors.Average(v => v[k]);
        }

        Coordinator.SetGlobalVector(_global);
    }
}
