using System.Collections.Immutable;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using static AutoMon.Grains.Tests.Orleans.Experiments;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// A driver outside the cluster can run a lockstep experiment's rounds on the coordinator's silo
/// (<see cref="ExperimentDriverOptions.RoundsOnCoordinatorSilo"/>): the rounds, counters and sync history are still the
/// simulation's, and the rounds' grain lives beside the coordinator.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LockstepOnCoordinatorSiloTests(ClusterFixture fixture)
{
    private static readonly ExperimentDriverOptions OnCoordinatorSilo = new() { RoundsOnCoordinatorSilo = true };

    [Theory]
    [InlineData(SyncType.LazyLRU)]
    [InlineData(SyncType.Eager)]
    public async Task Inner_product_rounds_on_the_coordinator_silo_equal_the_simulation(SyncType sync)
    {
        var (config, data) = InnerProduct(sync);

        var result = await new ExperimentDriver(fixture.Client, OnCoordinatorSilo).RunAsync(NewId("ip-remote"), config, data);

        var expected = Simulate(config, data);
        Assert.True(expected.Statistics.FullSyncs.Count > 1, "the case must exercise several syncs");
        AssertSameAsSimulation(expected, result);
    }

    [Fact]
    public async Task Quadratic_rounds_on_the_coordinator_silo_equal_the_simulation()
    {
        var (config, data) = Quadratic(SyncType.LazyRandom);

        var result = await new ExperimentDriver(fixture.Client, OnCoordinatorSilo).RunAsync(NewId("quad-remote"), config, data);

        AssertSameAsSimulation(Simulate(config, data), result);
    }

    [Fact]
    public async Task The_rounds_run_in_a_grain_on_the_coordinator_silo_and_in_parts_as_asked()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, iterations: 80);
        var id = NewId("remote-parts");
        var run = await new ExperimentDriver(fixture.Client, OnCoordinatorSilo).StartLockstepAsync(id, config, data);

        Assert.True(run.OnCoordinatorSilo);
        Assert.Equal(1, run.RoundsClosed);
        Assert.Equal(7, await run.RunRoundsAsync(7));
        Assert.Equal(8, run.RoundsClosed);
        Assert.True(run.Steps > 0, "the grain reports its steps");

        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var roundsId = fixture.Client.GetGrain<ILockstepGrain>(id).GetGrainId();
        var activation = Assert.Single(await management.GetDetailedGrainStatistics(), a => a.GrainId == roundsId);
        Assert.Equal(fixture.CoordinatorSilo, activation.SiloAddress.ToString());

        while (!run.IsComplete)
        {
            await run.RunRoundsAsync(int.MaxValue);
        }

        AssertSameAsSimulation(Simulate(config, data), await run.ResultAsync());
    }

    [Fact]
    public async Task On_the_coordinator_silo_too_slices_for_progress_keep_the_steps_and_a_cap_is_exact()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, errorBound: 0.5, iterations: 120);
        var whole = await StartAsync("remote-whole");
        await whole.RunRoundsAsync(int.MaxValue);
        var sliced = await StartAsync("remote-sliced");
        while (!sliced.IsComplete)
        {
            Assert.True(await sliced.RunRoundsAsync(1, int.MaxValue) >= 1);
        }

        var capped = await StartAsync("remote-capped");
        while (!capped.IsComplete)
        {
            Assert.Equal(Math.Min(3, capped.TotalRounds - capped.RoundsClosed), await capped.RunRoundsAsync(3, 3));
        }

        Assert.Equal(whole.Steps, sliced.Steps);
        Assert.True(capped.Steps > sliced.Steps, $"{capped.Steps} steps three rounds at a time, {sliced.Steps} uncapped");
        var expected = Simulate(config, data);
        AssertSameAsSimulation(expected, await sliced.ResultAsync());
        AssertSameAsSimulation(expected, await capped.ResultAsync());

        Task<LockstepRun> StartAsync(string name) => new ExperimentDriver(fixture.Client, OnCoordinatorSilo).StartLockstepAsync(NewId(name), config, data);
    }

    [Fact]
    public async Task Data_larger_than_one_message_arrives_in_pieces_and_runs_as_the_simulation()
    {
        // 15,000 rounds of 6 nodes × 6 values: 540,000 values, more than one LoadData piece.
        var (config, data) = InnerProduct(SyncType.LazyLRU, iterations: 15_000, errorBound: 0.5);
        Assert.True(data.Values.Length > 1 << 19);

        var result = await new ExperimentDriver(fixture.Client, OnCoordinatorSilo).RunAsync(NewId("remote-big"), config, data);

        AssertSameAsSimulation(Simulate(config, data), result);
    }

    [Fact]
    public async Task Data_that_does_not_fill_the_rows_is_refused_before_any_round()
    {
        var grain = fixture.Client.GetGrain<ILockstepGrain>(NewId("remote-short"));
        var (config, _) = InnerProduct(SyncType.LazyLRU);
        await grain.LoadData([1.0, 2.0, 3.0]);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => grain.Start(new LockstepPlan(config, 3, [0, 1], 8)));

        Assert.Contains("2 rows of 3 values need 6 values; 3 were loaded", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rounds_are_refused_before_the_start_and_data_after_it()
    {
        var (config, data) = InnerProduct(SyncType.LazyLRU, iterations: 20);
        var id = NewId("remote-order");
        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Client.GetGrain<ILockstepGrain>(NewId("remote-none")).RunRounds(1, 1));
        Assert.Contains("has not been started", early.Message, StringComparison.Ordinal);

        await new ExperimentDriver(fixture.Client, OnCoordinatorSilo).StartLockstepAsync(id, config, data);

        var grain = fixture.Client.GetGrain<ILockstepGrain>(id);
        var late = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.LoadData([1.0]));
        Assert.Contains("has started", late.Message, StringComparison.Ordinal);
        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Start(new LockstepPlan(config, data.PointLength, [.. data.NodeSchedule], 8)));
        Assert.Contains("already been started", again.Message, StringComparison.Ordinal);
    }
}
