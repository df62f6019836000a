namespace AutoMon.Launcher.Experiments;

/// <summary>The engines <c>--engine</c> selects.</summary>
internal static class ExperimentEngines
{
    /// <summary>The engine a run uses when none is named.</summary>
    public const string Default = GrainsRunner.Name;

    /// <summary>Every engine name.</summary>
    public static IReadOnlyList<string> Names { get; } = [GrainsRunner.Name, SimulationRunner.Name];

    /// <summary>Creates the engine called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static IExperimentRunner Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            GrainsRunner.Name or "orleans" => new GrainsRunner(),
            SimulationRunner.Name or "sim" => new SimulationRunner(),
            _ => throw new ArgumentException($"Unknown --engine '{name}'. Engines: {string.Join(", ", Names)}."),
        };
    }
}
