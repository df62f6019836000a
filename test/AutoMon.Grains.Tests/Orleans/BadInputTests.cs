using System.Collections.Immutable;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>Bad input through the grain API is rejected with an error naming the problem, and the experiment runs on unharmed.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Bad_calls_are_rejected_and_the_experiment_still_equals_the_simulation()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU);
        var id = NewId("bad");
        var driver = new ExperimentDriver(fixture.Client);
        var run = await driver.StartLockstepAsync(id, config, data);
        await run.RunRoundsAsync(10);
        var coordinator = fixture.Client.GetGrain<ICoordinatorGrain>(id);
        var node = fixture.Client.GetGrain<INodeGrain>(ExperimentKeys.Node(id, 2));

        // Duplicate start, through the driver and through the grains.
        var duplicate = await Assert.ThrowsAsync<InvalidOperationException>(() => driver.StartLockstepAsync(id, config, data));
        Assert.Contains("already been started", duplicate.Message, StringComparison.Ordinal);
        var configured = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Configure(config));
        Assert.Contains("already configured", configured.Message, StringComparison.Ordinal);

        // Wrong vector lengths: a global vector, a violation's local vector, a sync's slack.
        var shortVector = await Assert.ThrowsAsync<ArgumentException>(() => coordinator.CloseRounds(new RoundBatch([1, 2, 3], [], [])));
        Assert.Contains("dimension 6", shortVector.Message, StringComparison.Ordinal);
        var shortViolation = await Assert.ThrowsAsync<ArgumentException>(() => coordinator.CloseRounds(new RoundBatch(
            [], [new SequencedViolation(1_000_000, new Violation(2, 1, ViolationOrigin.SafeZone, [1, 2]))], [1, 2, 3, 4, 5, 6])));
        Assert.Contains("local vector of 2 components", shortViolation.Message, StringComparison.Ordinal);
        var shortSlack = await Assert.ThrowsAsync<ArgumentException>(() => node.Deliver(new LazySync(2, 99, [0.5])));
        Assert.Contains("slack has 1 components", shortSlack.Message, StringComparison.Ordinal);
        var wrongNode = await Assert.ThrowsAsync<ArgumentException>(() => node.Deliver(new GetLocalVector(3, 1)));
        Assert.Contains("addressed to node 3", wrongNode.Message, StringComparison.Ordinal);

        // NaN in data and in a global vector.
        var nanRow = await Assert.ThrowsAsync<ArgumentException>(() => node.Step(new NodeStepRequest(
            new DataRows([1, 2, 3, double.NaN, 5, 6], [1_000_000]), -1, -1)));
        Assert.Contains("data point 1000000 component 3 is NaN", nanRow.Message, StringComparison.Ordinal);
        var nanGlobal = await Assert.ThrowsAsync<ArgumentException>(() => coordinator.CloseRounds(new RoundBatch([1, 2, double.NaN, 4, 5, 6], [], [])));
        Assert.Contains("NaN", nanGlobal.Message, StringComparison.Ordinal);

        // Rows out of order and rows of the wrong length.
        var shortRow = await Assert.ThrowsAsync<ArgumentException>(() => node.Step(new NodeStepRequest(new DataRows([1, 2, 3], [1_000_000]), -1, -1)));
        Assert.Contains("every data point has 6 components", shortRow.Message, StringComparison.Ordinal);
        Assert.StartsWith("node 2 of experiment '", shortRow.Message, StringComparison.Ordinal);

        // Unknown experiments.
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => driver.GetReportAsync(NewId("nobody")));
        Assert.Contains("Unknown experiment", unknown.Message, StringComparison.Ordinal);
        var unknownNode = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            fixture.Client.GetGrain<INodeGrain>(ExperimentKeys.Node(NewId("nobody"), 0)).Step(new NodeStepRequest(DataRows.Empty, -1, -1)));
        Assert.Contains("Unknown experiment", unknownNode.Message, StringComparison.Ordinal);

        // The experiment runs on and still equals the simulation.
        await run.RunRoundsAsync(int.MaxValue);
        AssertSameAsSimulation(Simulate(config, data), await run.ResultAsync());
    }

    [Fact]
    public async Task A_configuration_that_cannot_work_is_rejected_before_any_grain_starts()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU);
        var driver = new ExperimentDriver(fixture.Client);

        var wrongNodes = await Assert.ThrowsAsync<ArgumentException>(() => driver.RunAsync(NewId("n"), config with { NodeCount = 5 }, data));
        Assert.Contains("5 nodes", wrongNodes.Message, StringComparison.Ordinal);
        var badBound = await Assert.ThrowsAsync<ArgumentException>(() => driver.RunAsync(NewId("e"), config with { ErrorBound = double.NaN }, data));
        Assert.Contains("error bound", badBound.Message, StringComparison.Ordinal);
        var unknownFunction = await Assert.ThrowsAsync<ArgumentException>(() =>
            driver.RunAsync(NewId("f"), config with { Function = new FunctionSpec { Name = "no_such_function" } }, data));
        Assert.Contains("Unknown function 'no_such_function'", unknownFunction.Message, StringComparison.Ordinal);
        var badId = await Assert.ThrowsAsync<ArgumentException>(() => driver.RunAsync("a/b", config, data));
        Assert.Contains("'a/b'", badId.Message, StringComparison.Ordinal);
    }
}
