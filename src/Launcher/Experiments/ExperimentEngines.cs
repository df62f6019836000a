using System.CommandLine;
using AutoMon.Launcher.Cluster;

namespace AutoMon.Launcher.Experiments;

/// <summary>The engines <c>--engine</c> selects.</summary>
internal static class ExperimentEngines
{
    /// <summary>The engine a run uses when none is named.</summary>
    public const string Default = GrainsRunner.Name;

    /// <summary>Every engine name.</summary>
    public static IReadOnlyList<string> Names { get; } = [GrainsRunner.Name, SimulationRunner.Name];

    /// <summary>
    /// The engines of one command line: with the launcher's <c>--verbose</c>, the embedded silo's log goes to the
    /// command's error writer.
    /// </summary>
    public static Func<string, IExperimentRunner> For(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var siloLog = parseResult.GetValue(LauncherApp.VerboseOption) ? parseResult.InvocationConfiguration.Error : null;
        return name => Create(name, siloLog);
    }

    /// <summary>Creates the engine called <paramref name="name"/>; an embedded silo logs to <paramref name="siloLog"/> if given.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static IExperimentRunner Create(string name, TextWriter? siloLog = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            GrainsRunner.Name or "orleans" => new GrainsRunner(siloLog),
            SimulationRunner.Name or "sim" => new SimulationRunner(),
            _ => throw new ArgumentException($"Unknown --engine '{name}'. Engines: {string.Join(", ", Names)}."),
        };
    }

    /// <summary>The engine called <paramref name="name"/> on a local multi-process cluster (only the grains engine has silos).</summary>
    /// <exception cref="ArgumentException">Another engine, or invalid cluster options; the message names the option.</exception>
    public static IExperimentRunner CreateOnLocalCluster(string name, LocalClusterOptions cluster, FaultInjection? injection = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(cluster);
        return name.Trim().ToLowerInvariant() switch
        {
            GrainsRunner.Name or "orleans" => new GrainsRunner(new LocalSiloCluster(cluster), injection),
            SimulationRunner.Name or "sim" => throw new ArgumentException(
                "--silos runs the grains engine on a local cluster; the simulation engine runs in this process (drop --silos or --engine simulation)."),
            _ => throw new ArgumentException($"Unknown --engine '{name}'. Engines: {string.Join(", ", Names)}."),
        };
    }
}
