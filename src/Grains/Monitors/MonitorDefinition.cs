using AutoMon.Grains.Runs;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// A monitor as its users write it: the body of <c>POST /api/monitors</c> and the argument of the .NET client's
/// <c>CreateMonitorAsync</c> (docs/service.md). Only id, function, dimension, errorBound and nodes are required.
/// </summary>
public sealed record MonitorDefinition
{
    /// <summary>The monitor's id.</summary>
    public string? Id { get; init; }

    /// <summary>A function catalog name or a formula over x.</summary>
    public string? Function { get; init; }

    /// <summary>d.</summary>
    public int? Dimension { get; init; }

    /// <summary>ε.</summary>
    public double? ErrorBound { get; init; }

    /// <summary>The nodes' names.</summary>
    public IReadOnlyList<string>? Nodes { get; init; }

    /// <summary>Window size; omitted: 1 (every point is the node's local vector).</summary>
    public int? Window { get; init; }

    /// <summary>ADCD-X neighbourhood size.</summary>
    public double? Neighborhood { get; init; }

    /// <summary>drift or none.</summary>
    public string? Slack { get; init; }

    /// <summary>eager, lazy-lru or lazy-random.</summary>
    public string? Sync { get; init; }

    /// <summary>[low, high] for every coordinate.</summary>
    public IReadOnlyList<double>? Domain { get; init; }

    /// <summary>
    /// The adaptive fallback: the monitor never sends more than centralisation would for its points (docs/design.md
    /// "Adaptive fallback"); omitted: on. False runs the paper's protocol unchanged.
    /// </summary>
    public bool? Adaptive { get; init; }

    /// <summary>The most points a node takes between two writes of its state; omitted: 100.</summary>
    public int? CheckpointInterval { get; init; }

    /// <summary>The monitor's config, or null with the problems by field (id, function, dimension, errorBound, nodes, ...).</summary>
    public MonitorConfig? ToConfig(out IDictionary<string, string[]> errors)
    {
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string problem)
        {
            if (!found.TryGetValue(field, out var list))
            {
                found[field] = list = [];
            }

            list.Add(problem);
        }

        var run = RunDefinition.Defaults with
        {
            Function = Function,
            Dimension = Dimension,
            ErrorBound = ErrorBound ?? double.NaN,
            Window = Window ?? 1,
            Neighborhood = Neighborhood,
            Adaptive = Adaptive ?? true,
        };
        if (ErrorBound is null)
        {
            Add("errorBound", "errorBound is required");
        }

        if (Slack is { } slack)
        {
            if (SettingText.Slack.TryParse(slack, out var value))
            {
                run = run with { Slack = value };
            }
            else
            {
                Add("slack", $"slack '{slack}' is not one of {string.Join(", ", SettingText.Slack.Names)}");
            }
        }

        if (Sync is { } sync)
        {
            if (SettingText.Sync.TryParse(sync, out var value))
            {
                run = run with { Sync = value };
            }
            else
            {
                Add("sync", $"sync '{sync}' is not one of {string.Join(", ", SettingText.Sync.Names)}");
            }
        }

        if (Domain is { } domain)
        {
            if (domain.Count == 2)
            {
                run = run with { Domain = new DomainBounds(domain[0], domain[1]) };
            }
            else
            {
                Add("domain", "domain must be [low, high]");
            }
        }

        if (CheckpointInterval is < 1)
        {
            Add("checkpointInterval", $"checkpointInterval must be at least 1 (points between two writes of a node's state); got {CheckpointInterval}");
        }

        var config = MonitorConfig.Create(Id, Nodes, run, out var problems);
        foreach (var (field, problem) in problems)
        {
            if (!(field == "errorBound" && ErrorBound is null))
            {
                Add(field, problem);
            }
        }

        errors = found.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        return found.Count > 0 ? null : config! with { CheckpointInterval = CheckpointInterval ?? MonitorConfig.DefaultCheckpointInterval };
    }
}
