using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using AutoMon.Grains.Placement;
using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// Runs <see cref="LockstepRounds"/> on the coordinator's silo: the driver's steps go from here straight to the node
/// silos and every round closes in memory, instead of each call crossing from a client through a gateway.
/// </summary>
[CoordinatorPlacement]
internal sealed class LockstepGrain : Grain, ILockstepGrain
{
    // A call returns after about this long, so a long run never outlasts a grain call's response timeout.
    private static readonly TimeSpan CallBudget = TimeSpan.FromSeconds(5);

    private readonly List<double> _values = [];
    private LockstepRounds? _rounds;

    private string Experiment => this.GetPrimaryKeyString();

    public Task LoadData(ImmutableArray<double> values)
    {
        if (_rounds is not null)
        {
            throw new InvalidOperationException($"Lockstep experiment '{Experiment}' has started; its data is loaded before the start.");
        }

        _values.AddRange(values.IsDefault ? [] : values);
        return Task.CompletedTask;
    }

    public async Task<LockstepProgress> Start(LockstepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(plan.Config);
        if (_rounds is not null)
        {
            throw new InvalidOperationException($"Lockstep experiment '{Experiment}' has already been started; start it once.");
        }

        var schedule = plan.NodeSchedule.IsDefault ? [] : plan.NodeSchedule;
        if (plan.PointLength <= 0 || (long)schedule.Length * plan.PointLength != _values.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Lockstep experiment '{Experiment}': {schedule.Length} rows of {plan.PointLength} values need {(long)schedule.Length * plan.PointLength} values; {_values.Count} were loaded."));
        }

        var data = new DataSet([.. _values], plan.PointLength, [.. schedule], plan.Config.NodeCount);
        _values.Clear();
        _values.TrimExcess();
        var setup = ExperimentDriver.ExperimentSetup.Create(GrainFactory, Experiment, plan.Config, data);
        var rounds = new LockstepRounds(setup, plan.MaxLookaheadRounds);
        _rounds = rounds;
        await rounds.RoundZeroAsync(CancellationToken.None).ConfigureAwait(true);
        DelayDeactivation(TimeSpan.FromDays(7));
        return rounds.Progress;
    }

    public async Task<LockstepProgress> RunRounds(int minRounds, int maxRounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minRounds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRounds, minRounds);
        var rounds = _rounds ?? throw new InvalidOperationException($"Lockstep experiment '{Experiment}' has not been started here.");

        // A step at a time (at least a round each, none cut short of the cap), until the rounds asked for are closed or the
        // call's time is up.
        var started = Stopwatch.GetTimestamp();
        var closed = 0;
        while (closed < minRounds && !rounds.IsComplete && Stopwatch.GetElapsedTime(started) < CallBudget)
        {
            closed += await rounds.RunRoundsAsync(1, maxRounds - closed).ConfigureAwait(true);
        }

        if (rounds.IsComplete)
        {
            // The run is over; its results are the coordinator's and the nodes' to give.
            DeactivateOnIdle();
        }

        return rounds.Progress;
    }
}
