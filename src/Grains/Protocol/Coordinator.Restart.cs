namespace AutoMon.Protocol;

public sealed partial class Coordinator
{
    /// <summary>
    /// Restarts the protocol after nodes lost their state (a silo died): back to the state before the first sync, so that
    /// every node, restarted too (<see cref="Node.Restart"/>, constraint version 0), reports and the reports are resolved
    /// with one full sync, as at the start of a run. Unlike <see cref="Reset"/> it keeps what the run has counted
    /// (statistics, the iteration, the neighbourhood size, the estimate in force until that sync), so the restart's
    /// messages are counted as any others; the iteration only grows, to at least <paramref name="iteration"/>, so the
    /// constraint versions handed out next are newer than any a node held or a late message carries.
    /// </summary>
    /// <param name="iteration">The iteration to continue from (a host that lost its coordinator passes the last it stored, plus one).</param>
    /// <param name="statistics">The statistics to continue from (a host that lost its coordinator passes the stored ones); null keeps these.</param>
    public void Restart(int iteration, CoordinatorStatistics? statistics = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iteration);
        Iteration = Math.Max(Iteration, iteration);
        if (statistics is not null)
        {
            Statistics = statistics;
        }

        ForgetNodes();

        // The reports of restarted nodes are resolved by a full sync, never by a lazy one against constraints they lost.
        _faultySafeZone = true;
    }

    // Everything known of the nodes: what is being resolved, their vectors, slacks, constraint versions (0: none yet), and
    // whether they hold the ADCD-E matrix.
    private void ForgetNodes()
    {
        State = CoordinatorState.Idle;
        _awaitedLocalVectors.Clear();
        ResetRound();
        foreach (var row in _localVectors)
        {
            Array.Clear(row);
        }

        foreach (var row in _slacks)
        {
            Array.Clear(row);
        }

        Array.Clear(_hasUpdatedLocalVector);
        Array.Clear(_hasViolation);
        Array.Clear(_hasViolationBefore);
        Array.Clear(_hasSignedHessian);
        if (_options.Adaptive)
        {
            // Adaptive runs never ship the ADCD-E matrix: nodes derive it (Node.DerivesConstantHessian), so the setup stays small.
            Array.Fill(_hasSignedHessian, true);
        }

        Array.Clear(_constraintVersions);
        Array.Clear(_lruCounters);
        _consecutiveDomainViolations = 0;
    }
}
