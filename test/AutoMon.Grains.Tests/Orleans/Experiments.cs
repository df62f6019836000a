using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>Small generated experiments and the comparison of a grain run with the in-process simulation.</summary>
internal static class Experiments
{
    private static int _counter;

    public static string NewId(string name) => $"{name}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}";

    public static (ExperimentConfig Config, DataSet Data) InnerProduct(SyncType sync = SyncType.LazyLRU, int nodes = 6, int iterations = 60, double errorBound = 0.05) =>
        (new ExperimentConfig
        {
            Function = new FunctionSpec { Name = "inner_product", Dimension = 6 },
            NodeCount = nodes,
            StreamKind = StreamKind.WindowedAverage,
            WindowSize = 8,
            ErrorBound = errorBound,
            SyncType = sync,
        }, DataGenerators.InnerProduct(new GeneratorOptions(nodes, iterations, 6, Seed: 5)));

    public static (ExperimentConfig Config, DataSet Data) Quadratic(SyncType sync) =>
        (new ExperimentConfig
        {
            Function = new FunctionSpec { Name = "quadratic", Dimension = 4, Seed = 3 },
            NodeCount = 5,
            StreamKind = StreamKind.WindowedAverage,
            WindowSize = 6,
            ErrorBound = 0.02,
            SyncType = sync,
        }, DataGenerators.Quadratic(new GeneratorOptions(5, 90, 4, Seed: 9)));

    public static SimulationResult Simulate(ExperimentConfig config, DataSet data) =>
        Simulator.Run(config.ToSimulationOptions(config.Function.Create()), data);

    /// <summary>Asserts the grain run produced exactly the simulation's counters, rounds, sync history and bytes.</summary>
    public static void AssertSameAsSimulation(SimulationResult expected, ExperimentResult actual)
    {
        var e = expected.Statistics;
        var a = actual.Statistics;
        Assert.Equal(
            CoordinatorStatistics.CounterNames.Zip(e.Counters, (name, value) => $"{name}={value}"),
            CoordinatorStatistics.CounterNames.Zip(a.Counters, (name, value) => $"{name}={value}"));
        Assert.Equal(e.BytesSent, a.BytesSent);
        Assert.Equal(e.BytesReceived, a.BytesReceived);
        Assert.Equal(e.LazySyncs, a.LazySyncs);
        Assert.Equal(e.StaleMessages, a.StaleMessages);
        Assert.Equal(e.Rounds, a.Rounds);
        Assert.Equal(e.FullSyncs.Count, a.FullSyncs.Count);
        for (var k = 0; k < e.FullSyncs.Count; k++)
        {
            Assert.Equal(e.FullSyncs[k].Iteration, a.FullSyncs[k].Iteration);
            Assert.Equal(e.FullSyncs[k].ReferencePoint, a.FullSyncs[k].ReferencePoint);
        }

        Assert.Equal(expected.DataUpdates, actual.Summary.DataUpdates);
        Assert.Equal(expected.Rounds, actual.Summary.Rounds);
        Assert.Equal(expected.IsHessianConstant, actual.Summary.IsHessianConstant);
        Assert.Equal(expected.NeighborhoodSize, actual.Summary.NeighborhoodSize);
        Assert.Equal(expected.Periodic, actual.Summary.Periodic);
        Assert.Equal(expected.Centralization, actual.Summary.Centralization);
    }
}
