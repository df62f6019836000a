using System.CommandLine;
using AutoMon.Grains.Runs;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// The command-line face of a table of <see cref="Setting{TTarget}"/>s: one option per setting (named as the setting,
/// described by it), whose text goes unparsed to the setting's one parser. Values are strings here so that the command
/// line, appsettings.json and environment variables reach the same parser.
/// </summary>
/// <typeparam name="TTarget">The options record the settings belong to.</typeparam>
public sealed class SettingOptions<TTarget>
{
    private readonly List<(Setting<TTarget> Setting, Option Option)> _options = [];

    /// <summary>Options for <paramref name="settings"/>; their values go under <paramref name="section"/> in configuration.</summary>
    public SettingOptions(IEnumerable<Setting<TTarget>> settings, string section = "")
    {
        ArgumentNullException.ThrowIfNull(settings);
        Section = section;
        foreach (var setting in settings)
        {
            var aliases = setting.Aliases.Select(a => "--" + a).ToArray();
            Option option = setting.IsFlag
                ? new Option<bool>("--" + setting.Name, aliases) { Description = setting.Description }
                : new Option<string>("--" + setting.Name, aliases) { Description = setting.Description };
            _options.Add((setting, option));
        }
    }

    /// <summary>The configuration section the values go under ("" for the root).</summary>
    public string Section { get; }

    /// <summary>The options, in the settings' order.</summary>
    public IEnumerable<Option> Options => _options.Select(o => o.Option);

    /// <summary>The option of the setting called <paramref name="name"/>.</summary>
    public Option this[string name] => _options.Single(o => o.Setting.Name == name).Option;

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public SettingOptions<TTarget> AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in Options)
        {
            command.Options.Add(option);
        }

        return this;
    }

    /// <summary>The text given on the command line for each setting, by configuration key (the section's prefix included).</summary>
    public IEnumerable<KeyValuePair<string, string?>> Given(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        foreach (var (setting, option) in _options)
        {
            if (parseResult.GetResult(option) is not { Implicit: false } result)
            {
                continue;
            }

            var text = setting.IsFlag
                ? (result.GetValueOrDefault<bool>() ? "true" : "false")
                : result.GetValueOrDefault<string>();
            yield return new(Section.Length == 0 ? setting.Key : Section + ":" + setting.Key, text);
        }
    }

    /// <summary>Looks a setting's key up among the options given on the command line (for commands without configuration).</summary>
    public Func<string, string?> Lookup(ParseResult parseResult)
    {
        var given = Given(parseResult).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        return key => given.GetValueOrDefault(Section.Length == 0 ? key : Section + ":" + key);
    }

    /// <summary>True when any of the options named (without dashes) was given.</summary>
    public bool AnyGiven(ParseResult parseResult, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return names.Any(name => parseResult.GetResult(this[name]) is { Implicit: false });
    }
}
