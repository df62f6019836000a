using System.Collections;
using System.CommandLine;
using AutoMon.Grains.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// How the <c>AutoMon.Silos</c> host is configured, the .NET way: appsettings.json (the working folder's), then
/// <c>AUTOMON_</c>-prefixed environment variables, then the command line, later sources winning. Every source names a
/// setting by its key — <c>SiloPort</c> at the root, <c>Experiment:ErrorBound</c> for a run (environment:
/// <c>AUTOMON_SILOPORT</c>, <c>AUTOMON_EXPERIMENT__ERRORBOUND</c>; command line: <c>--silo-port</c>,
/// <c>--error-bound</c>) — and every value goes through the setting's one parser (<see cref="SiloSettings"/>,
/// <see cref="RunSettings"/>, <see cref="ExperimentRequest.Settings"/>).
/// </summary>
public static partial class SiloCommandLine
{
    /// <summary>The configuration section of an experiment's settings.</summary>
    public const string ExperimentSection = "Experiment";

    /// <summary>The prefix of the environment variables the silo reads.</summary>
    public const string EnvironmentPrefix = "AUTOMON_";

    /// <summary>The JSON file read from the working folder, when there is one.</summary>
    public const string SettingsFile = "appsettings.json";

    /// <summary>The root command; <paramref name="run"/> receives the parsed, validated options.</summary>
    public static RootCommand Create(Func<SiloHostOptions, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (root, options) = Command();
        root.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!TryBind(parseResult, options, Sources.Process, out var bound, out var problems))
            {
                // Before any host: a logger of its own (disposing it writes the lines out).
                using var loggers = SiloLogging.CreateLoggerFactory(bound.LogFormat);
                var log = loggers.CreateLogger(typeof(SiloCommandLine));
                foreach (var problem in problems)
                {
                    LogInvalidOption(log, problem);
                }

                return 2;
            }

            return await run(bound, cancellationToken).ConfigureAwait(false);
        });
        return root;
    }

    /// <summary>Parses and validates <paramref name="args"/> over the process's appsettings.json and environment.</summary>
    public static bool TryParse(string[] args, out SiloHostOptions options, out IReadOnlyList<string> problems) =>
        TryParse(args, Sources.Process, out options, out problems);

    /// <summary>Parses and validates <paramref name="args"/> over the given appsettings.json folder and environment.</summary>
    public static bool TryParse(string[] args, Sources sources, out SiloHostOptions options, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(sources);
        var (root, settings) = Command();
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            options = new SiloHostOptions();
            problems = parseResult.Errors.Select(e => e.Message).ToList();
            return false;
        }

        return TryBind(parseResult, settings, sources, out options, out problems);
    }

    /// <summary>
    /// The silo host's command line for <paramref name="options"/>: what <see cref="TryParse(string[], out SiloHostOptions, out IReadOnlyList{string})"/>
    /// reads back as the same options (settings at their defaults are left out).
    /// </summary>
    public static IReadOnlyList<string> ToArguments(SiloHostOptions options) => SiloSettings.ToArguments(options);

    /// <summary>The settings a silo binds from <paramref name="configuration"/>; false with every problem, each naming its setting.</summary>
    public static bool TryBind(IConfiguration configuration, out SiloHostOptions options, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var found = new List<string>();
        var given = new HashSet<string>(StringComparer.Ordinal);
        options = SettingBinder.Bind(SiloSettings.All, new SiloHostOptions(), key => Value(configuration, key), found, given);
        if (!given.Contains("role"))
        {
            found.Add("--role is required (configuration key Role): coordinator, node or all-in-one");
        }

        if (given.Contains("coordinator-join-timeout") && !options.StopWhenCoordinatorLeaves)
        {
            found.Add("--coordinator-join-timeout goes with --stop-when-coordinator-leaves");
        }

        var experiment = configuration.GetSection(ExperimentSection);
        var runGiven = new HashSet<string>(StringComparer.Ordinal);
        var run = RunSettings.Bind(key => Value(experiment, key), found, given: runGiven);
        var hostingGiven = new HashSet<string>(StringComparer.Ordinal);
        var request = SettingBinder.Bind(ExperimentRequest.Settings, new ExperimentRequest { Run = run }, key => Value(experiment, key), found, hostingGiven);
        if (runGiven.Contains("function"))
        {
            options.Experiment = request;
            found.AddRange(request.Validate());
            if (request.Standby && options.Role != SiloRole.Coordinator)
            {
                found.Add("--standby applies to a coordinator silo (--role coordinator): it stands by for the active coordinator silo");
            }
        }
        else
        {
            foreach (var name in runGiven.Concat(hostingGiven))
            {
                found.Add($"--{name} applies to an --experiment (--function F runs one on this silo)");
            }
        }

        found.AddRange(options.Validate());
        problems = found;
        return found.Count == 0;
    }

    private static bool TryBind(ParseResult parseResult, CommandOptions settings, Sources sources, out SiloHostOptions options, out IReadOnlyList<string> problems)
    {
        var builder = new ConfigurationBuilder();
        var file = Path.Combine(sources.SettingsFolder, SettingsFile);
        if (File.Exists(file))
        {
            builder.AddJsonFile(file, optional: true, reloadOnChange: false);
        }

        builder.AddInMemoryCollection(EnvironmentEntries(sources.Environment));
        builder.AddInMemoryCollection(settings.Silo.Given(parseResult).Concat(settings.Run.Given(parseResult)).Concat(settings.Hosting.Given(parseResult)));
        IConfiguration configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            options = new SiloHostOptions();
            problems = [$"{file} is not valid JSON: {e.InnerException?.Message ?? e.Message}"];
            return false;
        }

        return TryBind(configuration, out options, out problems);
    }

    // AUTOMON_EXPERIMENT__ERRORBOUND → Experiment:ErrorBound, as Microsoft.Extensions.Configuration's environment source does.
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentEntries(IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && entry.Value is string value)
            {
                yield return new(key[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), value);
            }
        }
    }

    private static string? Value(IConfiguration configuration, string key) => configuration[key] is { Length: > 0 } text ? text : null;

    private static (RootCommand Root, CommandOptions Options) Command()
    {
        var options = new CommandOptions(
            new SettingOptions<SiloHostOptions>(SiloSettings.All),
            new SettingOptions<RunDefinition>(RunSettings.All, ExperimentSection),
            new SettingOptions<ExperimentRequest>(ExperimentRequest.Settings, ExperimentSection));
        var root = new RootCommand(
            "AutoMon silo host: an Orleans silo with a coordinator, node or all-in-one role; with --function it runs that experiment on the cluster, then stops. " +
            $"Settings come from {SettingsFile}, {EnvironmentPrefix}* environment variables and the command line, later ones winning.");
        options.Silo.AddTo(root);
        options.Run.AddTo(root);
        options.Hosting.AddTo(root);
        return (root, options);
    }

    /// <summary>Where settings come from besides the command line.</summary>
    /// <param name="SettingsFolder">The folder whose appsettings.json is read (when it exists).</param>
    /// <param name="Environment">The environment variables (those starting with AUTOMON_ are read).</param>
    public sealed record Sources(string SettingsFolder, IDictionary Environment)
    {
        /// <summary>The working folder and the process's environment.</summary>
        public static Sources Process => new(Directory.GetCurrentDirectory(), System.Environment.GetEnvironmentVariables());
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon.Silos: {Problem}")]
    private static partial void LogInvalidOption(ILogger logger, string problem);

    private sealed record CommandOptions(
        SettingOptions<SiloHostOptions> Silo, SettingOptions<RunDefinition> Run, SettingOptions<ExperimentRequest> Hosting);
}
