namespace AutoMon.Grains.Experiments;

/// <summary>
/// What a paced experiment's coordinator grain writes to the <c>AutoMon</c> grain storage (when the silo writes
/// checkpoints): enough for an activation on another silo to continue the run's counts after its silo died. The protocol
/// state itself is not stored: a recovery restarts it with one full sync.
/// </summary>
[GenerateSerializer, Alias("AutoMon.Grains.ExperimentCoordinatorState")]
public sealed record ExperimentCoordinatorState
{
    /// <summary>The experiment's settings.</summary>
    [Id(0)]
    public required ExperimentConfig Config { get; init; }

    /// <summary>Statistics, tuning, neighbourhood size and wire bytes at the last write.</summary>
    [Id(1)]
    public required CoordinatorReport Report { get; init; }

    /// <summary>The protocol coordinator's iteration at the last write (constraint versions continue above it).</summary>
    [Id(2)]
    public int Iteration { get; init; }
}
