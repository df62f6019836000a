namespace AutoMon.Protocol;

/// <summary>
/// The coordinator's members for hosts that know the global vector x̄ of each round: the in-process simulation and the
/// grains' lockstep replay (reference <c>update_statistics</c>, <c>_log_violation_type</c>), and the neighbourhood tuning
/// they run on a data prefix. A live deployment never calls them; the protocol itself is in <c>Coordinator.cs</c>.
/// </summary>
public sealed partial class Coordinator
{
    // The round's global vector x̄ and f(x̄), set by SetGlobalVector; what happened in the round, cleared by EndRound.
    private readonly double[] _globalVector;
    private bool _hasGlobalVector;
    private double _valueAtGlobalVector;
    private bool _violationThisRound;
    private bool _eagerSyncThisRound;

    /// <summary>
    /// Neighbourhood-tuning mode (reference <c>b_tune_neighborhood_mode</c>): the neighbourhood is never doubled. Cleared by <see cref="Reset"/>.
    /// </summary>
    public bool TuningMode { get; set; }

    /// <summary>
    /// Sets the initial neighbourhood size and the current one (reference <c>_set_tuning_mode</c>); applies to the next full sync.
    /// </summary>
    public void SetNeighborhoodSize(double size)
    {
        if (!(size > 0) || !double.IsFinite(size))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The neighbourhood size must be a positive finite number.");
        }

        _initialNeighborhoodSize = size;
        _neighborhoodSize = size;
    }

    /// <summary>
    /// Simulation only: the global vector x̄ at the end of the current round (the reference's verifier vector). It is used
    /// to classify violations (true / false global / false local), to detect missed violations and for per-round values.
    /// </summary>
    public void SetGlobalVector(ReadOnlySpan<double> globalVector)
    {
        if (globalVector.Length != _d)
        {
            throw new ArgumentException($"The global vector has {globalVector.Length} components; the dimension is {_d}.", nameof(globalVector));
        }

        globalVector.CopyTo(_globalVector);
        _valueAtGlobalVector = _evaluator.Value(_globalVector);
        _hasGlobalVector = true;
    }

    /// <summary>
    /// Simulation only: closes a data round (reference <c>update_statistics</c>): advances the iteration, counts a missed
    /// violation when f(x̄) left [L, U] without any node reporting, and records f(x̄), f(x0) and the error.
    /// </summary>
    public void EndRound()
    {
        if (!_hasGlobalVector)
        {
            throw new InvalidOperationException("EndRound needs the round's global vector: call SetGlobalVector first.");
        }

        var round = Iteration;
        Iteration++;
        if (IsCentralized)
        {
            EstimateFromReports();
        }

        if (Array.IndexOf(_hasViolation, true) < 0 && !InsideAdmissibleRegion())
        {
            Statistics.MissedViolations++;
        }

        Statistics.AddRound(new RoundValue(round, _valueAtGlobalVector, Estimate, Math.Abs(_valueAtGlobalVector - Estimate), LowerThreshold, UpperThreshold));
        if (_violationThisRound)
        {
            Statistics.RoundsWithViolation++;
        }

        if (_eagerSyncThisRound)
        {
            Statistics.RoundsWithFullSync++;
        }

        _violationThisRound = false;
        _eagerSyncThisRound = false;
    }

    // A new violation in the round: counted for the round, and classified once x̄ is known.
    private void RecordViolationInRound()
    {
        _violationThisRound = true;
        if (_hasGlobalVector)
        {
            ClassifyViolation();
        }
    }

    private void RecordFullSyncInRound() => _eagerSyncThisRound = true;

    private void ResetRound()
    {
        _violationThisRound = false;
        _eagerSyncThisRound = false;
        _hasGlobalVector = false;
    }

    // Reference _log_violation_type: classify against the global vector (simulation statistics).
    private void ClassifyViolation()
    {
        var admissible = InsideAdmissibleRegion();
        var insideSafeZone = VerifierAccepts(_globalVector);
        if (!admissible)
        {
            Statistics.TrueViolations++;
        }

        if (!insideSafeZone && admissible)
        {
            Statistics.FalseGlobalViolations++;
        }

        if (insideSafeZone)
        {
            Statistics.FalseLocalViolations++;
        }
    }

    private bool InsideAdmissibleRegion() => LowerThreshold <= _valueAtGlobalVector && _valueAtGlobalVector <= UpperThreshold;
}
