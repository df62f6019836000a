namespace AutoMon.Protocol.Simulation;

/// <summary>What a simulation run produced.</summary>
public sealed class SimulationResult
{
    internal SimulationResult(
        CoordinatorStatistics statistics,
        int nodeCount,
        int dimension,
        long dataUpdates,
        double nodeCheckMeanNanoseconds,
        double wallSeconds,
        bool hessianConstant,
        NeighborhoodTuningResult? tuning,
        double neighborhoodSize,
        BaselineResult centralization,
        BaselineResult periodic,
        BaselineResult periodicOracle)
    {
        Statistics = statistics;
        NodeCount = nodeCount;
        Dimension = dimension;
        DataUpdates = dataUpdates;
        NodeCheckMeanNanoseconds = nodeCheckMeanNanoseconds;
        WallSeconds = wallSeconds;
        IsHessianConstant = hessianConstant;
        Tuning = tuning;
        NeighborhoodSize = neighborhoodSize;
        Centralization = centralization;
        Periodic = periodic;
        PeriodicOracle = periodicOracle;
    }

    /// <summary>AutoMon, or the competitor that ran (no ADCD then: <see cref="IsHessianConstant"/> is false).</summary>
    public MonitoringProtocol Protocol { get; internal set; }

    /// <summary>The coordinator's statistics of the monitoring run.</summary>
    public CoordinatorStatistics Statistics { get; }

    /// <summary>n.</summary>
    public int NodeCount { get; }

    /// <summary>d.</summary>
    public int Dimension { get; }

    /// <summary>Rounds run (round 0 included).</summary>
    public int Rounds => Statistics.Rounds.Count;

    /// <summary>Data updates the nodes checked (every node in round 0, then one per data point).</summary>
    public long DataUpdates { get; }

    /// <summary>Mean time of one node check, in nanoseconds.</summary>
    public double NodeCheckMeanNanoseconds { get; }

    /// <summary>Wall time of the monitoring loop (after the windows filled), in seconds.</summary>
    public double WallSeconds { get; }

    /// <summary>Data updates per second of wall time.</summary>
    public double UpdatesPerSecond => WallSeconds > 0 ? DataUpdates / WallSeconds : double.PositiveInfinity;

    /// <summary>True when ADCD-E was used.</summary>
    public bool IsHessianConstant { get; }

    /// <summary>Neighbourhood tuning, when it ran.</summary>
    public NeighborhoodTuningResult? Tuning { get; }

    /// <summary>The neighbourhood size in force at the end (−1 = none).</summary>
    public double NeighborhoodSize { get; }

    /// <summary>Largest |f(x̄) − f(x0)| over rounds 1.. (round 0 is the first sync).</summary>
    public double MaxError => Statistics.Rounds.Count > 1 ? Statistics.Rounds.Skip(1).Max(r => r.Error) : 0;

    /// <summary>Mean |f(x̄) − f(x0)| over rounds 1...</summary>
    public double MeanError => Statistics.Rounds.Count > 1 ? Statistics.Rounds.Skip(1).Average(r => r.Error) : 0;

    /// <summary>Mean full-sync time at the coordinator in milliseconds, the first (one-time setup) excluded when there are more.</summary>
    public double FullSyncMeanMilliseconds => MeanExcludingFirst(Statistics.FullSyncMilliseconds);

    /// <summary>Mean ADCD-X search time in milliseconds (NaN for ADCD-E).</summary>
    public double AdcdXMeanMilliseconds => Statistics.AdcdXMilliseconds.Count == 0 ? double.NaN : Statistics.AdcdXMilliseconds.Average();

    /// <summary>Centralisation baseline: every update's local vector sent to the coordinator.</summary>
    public BaselineResult Centralization { get; }

    /// <summary>Periodic baseline: every node sends its local vector every T rounds (T given, else the reference's
    /// "periodic equivalent" of AutoMon's message count).</summary>
    public BaselineResult Periodic { get; }

    /// <summary>Periodic with the largest period that keeps every round within the error bound (the reference's oracle).</summary>
    public BaselineResult PeriodicOracle { get; }

    private static double MeanExcludingFirst(IReadOnlyList<double> values) =>
        values.Count switch
        {
            0 => double.NaN,
            1 => values[0],
            _ => values.Skip(1).Average(),
        };
}

/// <summary>A baseline's cost and accuracy on the same data.</summary>
/// <param name="Name">centralization or periodic.</param>
/// <param name="Period">Rounds between reports (1 for centralisation).</param>
/// <param name="Messages">Messages sent.</param>
/// <param name="Bytes">Bytes in the reference wire layout (12-byte header + d doubles per message).</param>
/// <param name="MaxError">Largest |f(x̄) − estimate| over all rounds.</param>
/// <param name="MeanError">Mean |f(x̄) − estimate| over rounds 1...</param>
public sealed record BaselineResult(string Name, int Period, long Messages, long Bytes, double MaxError, double MeanError);

/// <summary>One neighbourhood size tried while tuning (reference <c>ViolationsStats</c>).</summary>
public sealed record NeighborhoodTrial(double NeighborhoodSize, long TotalViolations, long SafeZoneViolations, long DomainViolations);

/// <summary>The outcome of neighbourhood tuning: every size tried (by size) and the chosen one (fewest violations).</summary>
public sealed record NeighborhoodTuningResult(IReadOnlyList<NeighborhoodTrial> Trials, double ChosenSize);
