using AutoMon.Numerics.Functions;
using AutoMon.Protocol;

namespace AutoMon.Grains.Results;

/// <summary>What summary.json's "config" object (and the launcher's config.json) says about a run.</summary>
public sealed record RunConfig
{
    public required MonitoredFunction Function { get; init; }

    public required int Nodes { get; init; }

    public required int Iterations { get; init; }

    public required int TuningIterations { get; init; }

    public required int Window { get; init; }

    public required int Dimension { get; init; }

    /// <summary>Null for the centralisation baseline.</summary>
    public double? ErrorBound { get; init; }

    public double? NeighborhoodSize { get; init; }

    public required string Slack { get; init; }

    public required string Sync { get; init; }

    public bool SingleSampleRounds { get; init; }

    /// <summary>The adaptive fallback; written only when on, so the paper's runs write what they always did.</summary>
    public bool Adaptive { get; init; }

    /// <summary>AutoMon or a competitor; written only for a competitor, so AutoMon's runs write what they always did.</summary>
    public MonitoringProtocol Protocol { get; init; }

    /// <summary>A path, or "generated (seed s)".</summary>
    public required string Data { get; init; }
}
