using System.Collections.Immutable;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// A lockstep experiment in progress: its rounds run in this process (<see cref="LockstepRounds"/>) or on the
/// coordinator's silo (<see cref="ILockstepGrain"/>, <see cref="ExperimentDriverOptions.RoundsOnCoordinatorSilo"/>); either
/// way the rounds and the result are the simulation's.
/// </summary>
public sealed class LockstepRun
{
    // Values per LoadData call: 4 MB messages, well under Orleans' message size limit.
    private const int LoadPieceValues = 1 << 19;

    private readonly ExperimentDriver.ExperimentSetup _setup;
    private readonly LockstepRounds? _local;
    private readonly ILockstepGrain? _remote;
    private LockstepProgress _progress;

    internal LockstepRun(ExperimentDriver.ExperimentSetup setup, LockstepRounds rounds)
    {
        _setup = setup;
        _local = rounds;
        _progress = rounds.Progress;
    }

    private LockstepRun(ExperimentDriver.ExperimentSetup setup, ILockstepGrain remote, LockstepProgress progress)
    {
        _setup = setup;
        _remote = remote;
        _progress = progress;
    }

    /// <summary>The experiment id.</summary>
    public string ExperimentId => _setup.Id;

    /// <summary>Rounds the data makes (round 0 included), as in the simulation.</summary>
    public int TotalRounds => Progress.TotalRounds;

    /// <summary>Rounds closed so far (round 0 included).</summary>
    public int RoundsClosed => Progress.RoundsClosed;

    /// <summary>True when every round is closed.</summary>
    public bool IsComplete => Progress.IsComplete;

    /// <summary>Steps (one call per node each) taken so far.</summary>
    public int Steps => Progress.Steps;

    /// <summary>Time spent waiting for the nodes' steps.</summary>
    public TimeSpan NodeTime => Progress.NodeTime;

    /// <summary>Time spent waiting for the coordinator to close rounds (syncs included).</summary>
    public TimeSpan CoordinatorTime => Progress.CoordinatorTime;

    /// <summary>True when the rounds run on the coordinator's silo.</summary>
    public bool OnCoordinatorSilo => _remote is not null;

    private LockstepProgress Progress => _local?.Progress ?? Volatile.Read(ref _progress);

    internal static async Task<LockstepRun> StartOnCoordinatorSiloAsync(
        IGrainFactory grains, ExperimentDriver.ExperimentSetup setup, int maxLookahead, CancellationToken cancellationToken)
    {
        var remote = grains.GetGrain<ILockstepGrain>(setup.Id);
        var length = setup.Monitoring.Values.Length;
        for (var start = 0; start < length; start += LoadPieceValues)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await remote.LoadData(Piece(setup.Monitoring, start, Math.Min(LoadPieceValues, length - start))).ConfigureAwait(false);
        }

        var plan = new LockstepPlan(setup.Config, setup.Monitoring.PointLength, [.. setup.Monitoring.NodeSchedule], maxLookahead);
        var progress = await remote.Start(plan).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new LockstepRun(setup, remote, progress);
    }

    private static ImmutableArray<double> Piece(Protocol.Data.DataSet data, int start, int count) => [.. data.Values.Slice(start, count)];

    /// <summary>Runs up to <paramref name="maxRounds"/> more rounds (fewer at the end of the data); returns the rounds closed.</summary>
    public Task<int> RunRoundsAsync(int maxRounds, CancellationToken cancellationToken = default) =>
        RunRoundsAsync(maxRounds, maxRounds, cancellationToken);

    /// <summary>
    /// Runs steps until at least <paramref name="minRounds"/> more rounds are closed, closing no more than
    /// <paramref name="maxRounds"/> (fewer at the end of the data); returns the rounds closed. A caller that only
    /// reports progress asks for a slice with no cap, so the steps stay as long as the look-ahead allows.
    /// </summary>
    public async Task<int> RunRoundsAsync(int minRounds, int maxRounds, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minRounds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRounds, minRounds);
        if (_local is not null)
        {
            return await _local.RunRoundsAsync(minRounds, maxRounds, cancellationToken).ConfigureAwait(false);
        }

        var before = RoundsClosed;
        while (RoundsClosed - before < minRounds && !IsComplete)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var closed = RoundsClosed - before;
            var progress = await _remote!.RunRounds(minRounds - closed, maxRounds - closed).WaitAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _progress, progress);
        }

        return RoundsClosed - before;
    }

    /// <summary>
    /// Runs the remaining rounds in slices of about 1 % of the run, calling <paramref name="afterSlice"/> after each (a
    /// progress bar). The steps are not cut to the slices, unless <paramref name="cutStepsToSlices"/> asks it of a caller
    /// that acts at a given round (a fault injected there), so that it sees the run within a slice of the round.
    /// </summary>
    public async Task RunToEndAsync(Action<LockstepRun>? afterSlice, bool cutStepsToSlices = false, CancellationToken cancellationToken = default)
    {
        var slice = Math.Max(1, TotalRounds / 100);
        while (!IsComplete)
        {
            await RunRoundsAsync(slice, cutStepsToSlices ? slice : int.MaxValue, cancellationToken).ConfigureAwait(false);
            afterSlice?.Invoke(this);
        }
    }

    /// <summary>The result so far (complete when <see cref="IsComplete"/>), in the simulation's shape.</summary>
    public Task<ExperimentResult> ResultAsync() => _setup.ResultAsync(Progress.Elapsed.TotalSeconds);
}
