namespace AutoMon.Protocol;

/// <summary>
/// The adaptive fallback (<see cref="CoordinatorOptions.Adaptive"/>, docs/design.md "Adaptive fallback"): before resolving a
/// round's violations the coordinator checks that even the costliest resolution keeps the run within what centralisation
/// would have sent for the same updates (<see cref="CentralizationBudget"/>); when it would not, it switches every node to
/// reporting every update instead. Simulation hosts only, like <see cref="EndRound"/>; without the option nothing here runs.
/// </summary>
public sealed partial class Coordinator
{
    private CentralizationBudget? _budget;

    /// <summary>True once the adaptive fallback switched the run to centralisation: every update is reported, the estimate is exact.</summary>
    public bool IsCentralized { get; private set; }

    /// <summary>
    /// Adaptive runs: decides how a round's <paramref name="violations"/> are resolved. False: resolve them with
    /// <see cref="Handle(IReadOnlyList{INodeMessage})"/> as usual. True: the run switched to centralisation instead (one switch
    /// message to each node, counted); the host then reports every node's current vector with <see cref="ReportUpdate"/>,
    /// this round and every round after.
    /// </summary>
    public bool CentralizeIfOverBudget(IReadOnlyList<INodeMessage> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        if (!_options.Adaptive || IsCentralized || TuningMode || State != CoordinatorState.Idle || Statistics.FullSyncs.Count == 0)
        {
            // Round 0's first sync is the setup every AutoMon run pays (the budget starts after it); mid-exchange never.
            return false;
        }

        _budget ??= new CentralizationBudget(_n, _d, _options.UpdatesPerRound ?? _n, Statistics);
        if (_budget.Affords(Statistics, Iteration, violations))
        {
            return false;
        }

        // The violations were sent: count them as received, but resolve nothing (the reports replace any sync).
        foreach (var violation in violations)
        {
            Statistics.BytesReceived += violation.WireSize;
            Statistics.TotalViolationMessages++;
            UpdateLocalVector(violation.NodeIndex, violation.LocalVector.AsSpan());
        }

        IsCentralized = true;
        Statistics.CentralizationSwitchRound = Iteration;
        Statistics.CentralizationSwitchMessages += _n;
        Statistics.BytesSent += (long)_n * CentralizationBudget.SwitchMessageSize;
        Array.Clear(_hasViolation);
        return true;
    }

    /// <summary>
    /// Centralised runs: node <paramref name="node"/>'s local vector after an update (one report of d values, as
    /// centralisation sends). A node whose violation already carried this round's vector is not reported again.
    /// </summary>
    public void ReportUpdate(int node, ReadOnlySpan<double> localVector)
    {
        if (!IsCentralized)
        {
            throw new InvalidOperationException("ReportUpdate is for runs the adaptive fallback switched to centralisation.");
        }

        if (localVector.Length != _d)
        {
            throw new ArgumentException($"The local vector has {localVector.Length} components; the dimension is {_d}.", nameof(localVector));
        }

        Statistics.CentralizedReports++;
        Statistics.BytesReceived += CentralizationBudget.ReportSize(_d);
        localVector.CopyTo(_localVectors[(uint)node < (uint)_n ? node : throw new ArgumentOutOfRangeException(nameof(node))]);
    }

    /// <summary>True when node <paramref name="node"/>'s vector of this round is already at the coordinator (its violation carried it).</summary>
    public bool HasFreshVector(int node) => _hasUpdatedLocalVector[node];

    // Centralised: the estimate is f(mean of the exact local vectors), so the bound holds with error 0 (up to rounding).
    private void EstimateFromReports()
    {
        Array.Clear(_meanX);
        foreach (var x in _localVectors)
        {
            for (var j = 0; j < _d; j++)
            {
                _meanX[j] += x[j];
            }
        }

        for (var j = 0; j < _d; j++)
        {
            _meanX[j] /= _n;
        }

        Estimate = _evaluator.Value(_meanX);
        LowerThreshold = Estimate - _options.ErrorBound;
        UpperThreshold = Estimate + _options.ErrorBound;
        Array.Clear(_hasUpdatedLocalVector);
    }
}
