using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using Xunit.Abstractions;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>Lockstep experiments on a coordinator silo and two node silos equal the in-process simulation exactly.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LockstepTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData(SyncType.LazyLRU, 0)]
    [InlineData(SyncType.LazyLRU, 64)]
    [InlineData(SyncType.Eager, 8)]
    public async Task Inner_product_in_lockstep_equals_the_simulation(SyncType sync, int lookahead)
    {
        var (config, data) = InnerProduct(sync);
        var driver = new ExperimentDriver(fixture.Client, new ExperimentDriverOptions { MaxLookaheadRounds = lookahead });

        var result = await driver.RunAsync(NewId("ip"), config, data);

        var expected = Simulate(config, data);
        Assert.True(expected.Statistics.FullSyncs.Count > 1 && expected.Statistics.LazySyncs + expected.Statistics.FullSyncs.Count > 3,
            "the case must exercise several syncs");
        AssertSameAsSimulation(expected, result);
    }

    [Fact]
    public async Task A_lookahead_capped_by_bytes_takes_more_steps_and_equals_the_simulation()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU);
        var oneRound = config.NodeCount * (6 + 6) * sizeof(double); // a round's rows and queued local vectors, d = 6
        var free = await StepsAsync(new ExperimentDriverOptions { MaxLookaheadRounds = 64 });
        var capped = await StepsAsync(new ExperimentDriverOptions { MaxLookaheadRounds = 64, MaxLookaheadBytes = oneRound });

        Assert.True(capped.Steps > free.Steps, $"one round ahead took {capped.Steps} steps, 64 rounds {free.Steps}");
        AssertSameAsSimulation(Simulate(config, data), capped.Result);
        Assert.All(capped.Result.Nodes, n => Assert.Equal(0, n.QueuedRows));

        async Task<(int Steps, ExperimentResult Result)> StepsAsync(ExperimentDriverOptions options)
        {
            var run = await new ExperimentDriver(fixture.Client, options).StartLockstepAsync(NewId("cap"), config, data);
            await run.RunRoundsAsync(int.MaxValue);
            return (run.Steps, await run.ResultAsync());
        }
    }

    [Theory]
    [InlineData(SyncType.LazyRandom)]
    [InlineData(SyncType.Eager)]
    public async Task Quadratic_in_lockstep_equals_the_simulation(SyncType sync)
    {
        var (config, data) = Quadratic(sync);
        var driver = new ExperimentDriver(fixture.Client);

        var result = await driver.RunAsync(NewId("quad"), config, data);

        var expected = Simulate(config, data);
        Assert.True(expected.Statistics.SyncMessages > 2 * config.NodeCount, "the case must exercise several syncs");
        AssertSameAsSimulation(expected, result);
    }

    [Fact]
    public async Task Single_sample_rounds_close_a_round_after_every_point_as_in_the_simulation()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, nodes: 4, iterations: 30);
        config = config with { SingleSampleRounds = true };

        var result = await new ExperimentDriver(fixture.Client).RunAsync(NewId("single"), config, data);

        AssertSameAsSimulation(Simulate(config, data), result);
    }

    [Fact]
    public async Task Adcd_x_with_neighbourhood_tuning_at_the_coordinator_equals_the_simulation()
    {
        var config = new ExperimentConfig
        {
            Function = new FunctionSpec { Name = "rozenbrock", Dimension = 2 },
            NodeCount = 4,
            StreamKind = StreamKind.WindowedAverage,
            WindowSize = 5,
            ErrorBound = 0.05,
            NeighborhoodSize = 0.5,
        };
        var data = DataGenerators.Rosenbrock(new GeneratorOptions(4, 40, 2, Seed: 2, TuningIterations: 20));

        var result = await new ExperimentDriver(fixture.Client).RunAsync(NewId("rosen"), config, data);

        var expected = Simulate(config, data);
        Assert.NotNull(expected.Tuning);
        Assert.Equal(expected.Tuning!.ChosenSize, result.Summary.Tuning!.ChosenSize);
        AssertSameAsSimulation(expected, result);
    }

    [Fact]
    public async Task Rounds_run_in_parts_give_the_same_result_as_one_run()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU);
        var run = await new ExperimentDriver(fixture.Client).StartLockstepAsync(NewId("parts"), config, data);

        while (!run.IsComplete)
        {
            Assert.True(await run.RunRoundsAsync(7) > 0);
        }

        AssertSameAsSimulation(Simulate(config, data), await run.ResultAsync());
    }

    [Fact]
    public async Task A_run_reporting_its_progress_keeps_the_steps_of_one_run_and_equals_the_simulation()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, errorBound: 0.5, iterations: 120);
        var whole = await StartAsync("whole");
        await whole.RunRoundsAsync(int.MaxValue);
        var reported = new List<int>();
        var watched = await StartAsync("watched");
        await watched.RunToEndAsync(run => reported.Add(run.RoundsClosed));
        var cut = await StartAsync("cut");
        await cut.RunToEndAsync(null, cutStepsToSlices: true);

        Assert.Equal(whole.Steps, watched.Steps);
        Assert.True(reported.Count > 3 && reported.SequenceEqual(reported.Order()) && reported[^1] == watched.TotalRounds, string.Join(",", reported));
        Assert.True(cut.Steps > 2 * watched.Steps, $"{cut.Steps} steps cut to the slices, {watched.Steps} not");
        var expected = Simulate(config, data);
        AssertSameAsSimulation(expected, await watched.ResultAsync());
        AssertSameAsSimulation(expected, await cut.ResultAsync());

        Task<LockstepRun> StartAsync(string name) => new ExperimentDriver(fixture.Client).StartLockstepAsync(NewId(name), config, data);
    }

    [Fact]
    public async Task Wire_bytes_of_protocol_messages_exceed_the_reference_layout_and_are_reported_with_their_ratio()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU);

        var result = await new ExperimentDriver(fixture.Client).RunAsync(NewId("wire"), config, data);

        Assert.True(result.ProtocolBytes > 0);
        Assert.True(result.Wire.Messages >= result.Statistics.TotalMessagesBroadcastDisabled, $"{result.Wire.Messages} Orleans messages");
        Assert.True(result.Wire.HeaderBytes > 0 && result.Wire.BodyBytes > 0);
        Assert.True(result.WireToProtocolRatio > 1, $"ratio {result.WireToProtocolRatio}");
        output.WriteLine($"protocol {result.ProtocolBytes} B in {result.Statistics.TotalMessagesBroadcastDisabled} messages; " +
            $"Orleans {result.Wire.TotalBytes} B (headers {result.Wire.HeaderBytes}, bodies {result.Wire.BodyBytes}) in {result.Wire.Messages} messages; ratio {result.WireToProtocolRatio:F2}");
    }

    [Fact]
    public async Task Quiet_stretches_are_committed_several_rounds_per_step()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, errorBound: 0.5, iterations: 120);
        var run = await new ExperimentDriver(fixture.Client).StartLockstepAsync(NewId("quiet"), config, data);

        await run.RunRoundsAsync(int.MaxValue);

        var expected = Simulate(config, data);
        output.WriteLine($"{run.Steps} steps for {run.TotalRounds} rounds, {expected.Statistics.RoundsWithViolation} with violations");
        Assert.True(run.Steps < run.TotalRounds / 3, $"{run.Steps} steps for {run.TotalRounds} rounds");
        AssertSameAsSimulation(expected, await run.ResultAsync());
    }
}
