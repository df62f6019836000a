namespace AutoMon.Protocol;

/// <summary>
/// The adaptive fallback (<see cref="CoordinatorOptions.Adaptive"/>, docs/design.md "Adaptive fallback"): before resolving a
/// round's violations the coordinator checks that even the costliest resolution keeps the run within what centralisation
/// would have sent for the same updates (<see cref="CentralizationBudget"/>); when it would not, it switches every node to
/// reporting every update instead. Without the option nothing here runs.
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
        // Centralisation's count once round `Iteration` (0-based) closed: (R + 1)·u with R = Iteration + 1 rounds; round 0's
        // first sync is the setup, against centralisation's 2u for it.
        var perRound = _options.UpdatesPerRound ?? _n;
        return CentralizeIfOverBudget(violations, (Iteration + 2L) * perRound, 2L * perRound, reserveSwitch: false);
    }

    /// <summary>
    /// As <see cref="CentralizeIfOverBudget(IReadOnlyList{INodeMessage})"/> for hosts without rounds (a monitor): centralisation
    /// would have sent one report per update, <paramref name="updates"/> so far (a lower bound serves: it only switches
    /// sooner). The first full sync is the setup, against centralisation's n reports (a point from every node) for it.
    /// </summary>
    public bool CentralizeIfOverBudget(IReadOnlyList<INodeMessage> violations, long updates) =>
        CentralizeIfOverBudget(violations, updates, _n, reserveSwitch: true);

    /// <summary>
    /// Hosts without rounds: true when resolving <paramref name="violations"/> keeps the run within what centralisation would
    /// send for <paramref name="updates"/> updates (always, without the option or once centralised). Changes nothing: a host
    /// that learns of more updates may ask again before <see cref="CentralizeIfOverBudget(IReadOnlyList{INodeMessage}, long)"/>.
    /// </summary>
    public bool AffordsResolving(IReadOnlyList<INodeMessage> violations, long updates) =>
        !OverBudget(violations, updates, _n, reserveSwitch: true);

    private bool OverBudget(IReadOnlyList<INodeMessage> violations, long centralization, long setupCentralization, bool reserveSwitch)
    {
        ArgumentNullException.ThrowIfNull(violations);
        if (!_options.Adaptive || IsCentralized || TuningMode || State != CoordinatorState.Idle || Statistics.FullSyncs.Count == 0)
        {
            // The first sync is the setup every AutoMon run pays (the budget starts after it); mid-exchange never.
            return false;
        }

        _budget ??= new CentralizationBudget(_n, _d, setupCentralization, Statistics, reserveSwitch);
        return !_budget.Affords(Statistics, centralization, violations);
    }

    private bool CentralizeIfOverBudget(IReadOnlyList<INodeMessage> violations, long centralization, long setupCentralization, bool reserveSwitch)
    {
        if (!OverBudget(violations, centralization, setupCentralization, reserveSwitch))
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

    /// <summary>
    /// Centralised hosts without rounds (a monitor): node <paramref name="node"/> took <paramref name="count"/> updates, each
    /// reported as centralisation reports it, and <paramref name="localVector"/> is its vector after the last; the estimate
    /// is f of the mean of the exact local vectors at once.
    /// </summary>
    public void ReportUpdates(int node, ReadOnlySpan<double> localVector, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ReportUpdate(node, localVector);
        Statistics.CentralizedReports += count - 1;
        Statistics.BytesReceived += (count - 1) * CentralizationBudget.ReportSize(_d);
        EstimateFromReports();
    }

    /// <summary>
    /// Centralised hosts without rounds, after the switch: the estimate from the exact vectors the coordinator holds (the
    /// violations that caused it and the reports since).
    /// </summary>
    public void EstimateCentrally()
    {
        if (!IsCentralized)
        {
            throw new InvalidOperationException("EstimateCentrally is for runs the adaptive fallback switched to centralisation.");
        }

        EstimateFromReports();
    }

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
