using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Monitors;

/// <summary>
/// A monitor: a run definition (function, d, ε, window, neighbourhood, slack, sync, domain) bound to named nodes whose
/// points come from their users. The grains run it exactly as a paced experiment's: the same protocol node and coordinator,
/// completed syncs as the coordinator's clock.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.MonitorConfig")]
public sealed record MonitorConfig
{
    /// <summary>The monitor's id (the coordinator grain's key).</summary>
    [Id(0)]
    public required string Id { get; init; }

    /// <summary>The nodes' names, in node-index order.</summary>
    [Id(1)]
    public required ImmutableArray<string> Nodes { get; init; }

    /// <summary>The protocol's settings (window, ε, slack, sync, neighbourhood) and the function.</summary>
    [Id(2)]
    public required ExperimentConfig Run { get; init; }

    /// <summary>The most points a node grain takes between two writes of its state (it also writes at every sync).</summary>
    [Id(3)]
    public int CheckpointInterval { get; init; } = DefaultCheckpointInterval;

    /// <summary>The <see cref="CheckpointInterval"/> of a definition that gives none.</summary>
    public const int DefaultCheckpointInterval = 100;

    /// <summary>d.</summary>
    public int Dimension => Run.Function.Dimension ?? 0;

    /// <summary>
    /// Binds <paramref name="run"/> to the nodes <paramref name="nodes"/> of monitor <paramref name="id"/>. A window of 1
    /// (a monitor's default) makes every point the node's local vector itself.
    /// </summary>
    /// <returns>The config, or null with every problem (each naming its field: id, nodes, function, dimension, errorBound,
    /// window, neighborhood, slack, sync, domain).</returns>
    public static MonitorConfig? Create(string? id, IReadOnlyList<string>? nodes, RunDefinition run, out IReadOnlyList<(string Field, string Problem)> problems)
    {
        ArgumentNullException.ThrowIfNull(run);
        var found = new List<(string, string)>();
        var inv = CultureInfo.InvariantCulture;
        if (!MonitorKeys.IsValidName(id))
        {
            found.Add(("id", $"the monitor id '{id}' must be non-empty, without '/' or spaces at either end"));
        }

        if (nodes is null || nodes.Count == 0)
        {
            found.Add(("nodes", "a monitor needs at least one node"));
        }
        else
        {
            foreach (var node in nodes)
            {
                if (!MonitorKeys.IsValidName(node))
                {
                    found.Add(("nodes", $"node name '{node}' must be non-empty, without '/' or spaces at either end"));
                }
            }

            foreach (var duplicate in nodes.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                found.Add(("nodes", $"node name '{duplicate.Key}' is given twice"));
            }
        }

        // The run definition's own checks, each mapped to the field that carries it.
        run = run with { Nodes = Math.Max(nodes?.Count ?? 1, 1), Iterations = run.Window + 1 };
        foreach (var problem in run.Validate())
        {
            if (FieldOf(problem) is { } field)
            {
                found.Add((field, Rename(problem)));
            }
        }

        if (run.Dimension is null)
        {
            found.Add(("dimension", "dimension is required"));
        }

        // A monitor's nodes each hold a d×d matrix: refuse one the silo could not hold before any is allocated.
        if (found.Count == 0 && RunLimits.MemoryProblem(run, run.Dimension!.Value, RunLimits.AvailableBytes) is { } tooLarge)
        {
            found.Add(("dimension", Rename(tooLarge
                .Replace(string.Create(inv, $" × --iterations {run.Iterations} rows"), " windows", StringComparison.Ordinal)
                .Replace(", --nodes or --iterations", " or nodes", StringComparison.Ordinal))));
        }

        ExperimentConfig? config = null;
        if (found.Count == 0)
        {
            var spec = new FunctionSpec
            {
                Name = run.FunctionName!,
                Dimension = run.Dimension,
                Seed = run.Seed,
                DomainLow = run.Domain?.Low,
                DomainHigh = run.Domain?.High,
                MinValue = run.MinF,
                MaxValue = run.MaxF,
            };
            try
            {
                // Builds f once here, so a dimension the function cannot take is a problem now, not on a silo later.
                _ = spec.Create();
                config = new ExperimentConfig
                {
                    Function = spec,
                    NodeCount = nodes!.Count,
                    StreamKind = StreamKind.WindowedAverage,
                    WindowSize = run.Window,
                    ErrorBound = run.ErrorBound,
                    SlackType = run.Slack,
                    SyncType = run.Sync,
                    NeighborhoodSize = run.Neighborhood,
                    Pacing = Pacing.Paced,
                    Adaptive = run.Adaptive,
                };
            }
            catch (Exception exception) when (exception is ArgumentException or IOException)
            {
                found.Add(("dimension", string.Create(inv, $"{run.FunctionName} cannot be built with dimension {run.Dimension}: {exception.Message}")));
            }
        }

        problems = found;
        return config is null ? null : new MonitorConfig { Id = id!, Nodes = [.. nodes!], Run = config };
    }

    // RunDefinition names its settings as the command line does; a monitor's are JSON fields.
    private static readonly (string Option, string Field)[] Fields =
    [
        ("--function", "function"), ("--dim", "dimension"), ("--error-bound", "errorBound"), ("--window", "window"),
        ("--neighborhood", "neighborhood"), ("--slack", "slack"), ("--domain", "domain"), ("--nodes", "nodes"),
        ("--min-f", "domain"),
    ];

    private static string? FieldOf(string problem)
    {
        foreach (var (option, field) in Fields)
        {
            if (problem.StartsWith(option + " ", StringComparison.Ordinal) || problem.StartsWith(option + ",", StringComparison.Ordinal))
            {
                return field;
            }
        }

        // Settings a monitor does not have (iterations, data files, pacing) cannot be wrong here.
        return null;
    }

    private static string Rename(string problem)
    {
        foreach (var (option, field) in Fields.OrderByDescending(f => f.Option.Length))
        {
            problem = problem.Replace(option, field, StringComparison.Ordinal);
        }

        return problem;
    }
}

/// <summary>Grain keys of a monitor's grains.</summary>
public static class MonitorKeys
{
    /// <summary>The key of the monitors' list (one per cluster).</summary>
    public const string Registry = "monitors";

    /// <summary>A node grain's key: <c>monitor/node</c>.</summary>
    public static string Node(string monitor, string node) => monitor + "/" + node;

    /// <summary>True for a usable monitor or node name: non-empty, no '/', no spaces at either end.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && !name.Contains('/', StringComparison.Ordinal) && name.Trim().Length == name.Length;
}
