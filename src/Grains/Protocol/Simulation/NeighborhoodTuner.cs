namespace AutoMon.Protocol.Simulation;

/// <summary>
/// Neighbourhood-size tuning on a prefix of the data (paper Sec. 3.6; reference <c>test_utils/tune_neighborhood_size.py</c>):
/// find a size with some Domain violations, shrink until safe-zone violations stop dominating, grow until Domain violations
/// vanish (or the domain is covered), try 8 sizes evenly between the extremes, and keep the size with the fewest violations.
/// </summary>
public static class NeighborhoodTuner
{
    // The reference loops without bound; a size halved or doubled this often has found nothing more to learn.
    private const int MaxSteps = 60;

    /// <summary>
    /// Tunes on <paramref name="tuningData"/> with the given coordinator and nodes (reset before each trial), then leaves
    /// them reset with the chosen size installed and dynamic doubling enabled.
    /// </summary>
    public static NeighborhoodTuningResult Tune(Coordinator coordinator, Node[] nodes, Data.DataSet tuningData, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(tuningData);
        ArgumentNullException.ThrowIfNull(options);
        var entireDomain = options.Function.Domain is { } domain ? domain.High - domain.Low : double.PositiveInfinity;

        NeighborhoodTrial Trial(double size)
        {
            ResetAll(coordinator, nodes);
            coordinator.TuningMode = true;
            coordinator.SetNeighborhoodSize(size);
            Simulator.RunRounds(coordinator, nodes, tuningData, options, out _);
            var s = coordinator.Statistics;
            return new NeighborhoodTrial(size, s.TotalViolationMessages, s.SafeZoneViolations, s.DomainViolations);
        }

        var trial = Trial(1.0);
        for (var step = 0; trial.DomainViolations == 0 && step < MaxSteps; step++)
        {
            trial = Trial(trial.NeighborhoodSize / 2);
        }

        // Sorted by size, smallest first.
        List<NeighborhoodTrial> trials = [trial];
        for (var step = 0; trial.SafeZoneViolations > 0 && trial.DomainViolations < 2 * trial.SafeZoneViolations && step < MaxSteps; step++)
        {
            trial = Trial(trial.NeighborhoodSize / 2);
            trials.Insert(0, trial);
        }

        trial = trials[^1];
        for (var step = 0; trial.DomainViolations > 0 && 2 * trial.NeighborhoodSize <= entireDomain && step < MaxSteps; step++)
        {
            trial = Trial(trial.NeighborhoodSize * 2);
            trials.Add(trial);
        }

        double smallest = trials[0].NeighborhoodSize, largest = trials[^1].NeighborhoodSize;
        if (smallest != largest)
        {
            // np.linspace(smallest, largest, 10)[1:-1]: start + i * step.
            var step = (largest - smallest) / 9;
            for (var i = 1; i <= 8; i++)
            {
                trials.Add(Trial((i * step) + smallest));
            }

            trials = [.. trials.OrderBy(t => t.NeighborhoodSize)];
        }

        ResetAll(coordinator, nodes);
        var best = trials[0];
        foreach (var t in trials)
        {
            if (t.TotalViolations < best.TotalViolations)
            {
                best = t;
            }
        }

        coordinator.TuningMode = false;
        coordinator.SetNeighborhoodSize(best.NeighborhoodSize);
        return new NeighborhoodTuningResult(trials, best.NeighborhoodSize);
    }

    private static void ResetAll(Coordinator coordinator, Node[] nodes)
    {
        coordinator.Reset();
        foreach (var node in nodes)
        {
            node.Reset();
        }
    }
}
