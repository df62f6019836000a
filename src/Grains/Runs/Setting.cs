using System.Globalization;
using System.Text;

namespace AutoMon.Grains.Runs;

/// <summary>Parses a setting's text; on failure says why (the caller adds the setting's name).</summary>
public delegate bool ValueParser<T>(string text, out T value, out string? problem);

/// <summary>
/// One setting of a <typeparamref name="TTarget"/>, declared once: its command-line name (<c>--error-bound</c>), its
/// configuration key (<c>ErrorBound</c>, so <c>AUTOMON_Experiment__ErrorBound</c> in the environment), its description,
/// and how its value is parsed, written back and validated.
/// </summary>
/// <typeparam name="TTarget">The options record the setting belongs to.</typeparam>
public abstract class Setting<TTarget>
{
    private protected Setting(string name, string description, IReadOnlyList<string> aliases)
    {
        Name = name;
        Key = KeyOf(name);
        Description = description;
        Aliases = aliases;
    }

    /// <summary>The command-line name without dashes, e.g. <c>error-bound</c>.</summary>
    public string Name { get; }

    /// <summary>The configuration key, e.g. <c>ErrorBound</c>.</summary>
    public string Key { get; }

    /// <summary>What the setting means, with its default.</summary>
    public string Description { get; }

    /// <summary>Other command-line names accepted for it (without dashes).</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>A switch: given alone on a command line it means true.</summary>
    public abstract bool IsFlag { get; }

    /// <summary>The problem <paramref name="why"/> with this setting: <c>--error-bound 'x' is not a number (configuration key ErrorBound)</c>.</summary>
    public string Problem(string? why) => $"--{Name} {why} (configuration key {Key})";

    /// <summary>Parses <paramref name="text"/> into <paramref name="target"/>; false with a problem naming the setting.</summary>
    public abstract bool TryApply(ref TTarget target, string text, out string? problem);

    /// <summary>The setting's text in <paramref name="target"/>; null when it equals the one in <paramref name="defaults"/>.</summary>
    public abstract string? Format(TTarget target, TTarget defaults);

    /// <summary><c>error-bound</c> → <c>ErrorBound</c>.</summary>
    public static string KeyOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (c == '-')
            {
                upper = true;
                continue;
            }

            key.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return key.ToString();
    }
}

/// <summary>A setting holding a <typeparamref name="TValue"/>.</summary>
/// <typeparam name="TTarget">The options record.</typeparam>
/// <typeparam name="TValue">The value's type.</typeparam>
public sealed class Setting<TTarget, TValue> : Setting<TTarget>
{
    private readonly Func<TTarget, TValue> _get;
    private readonly Func<TTarget, TValue, TTarget> _set;
    private readonly ValueParser<TValue> _parse;
    private readonly Func<TValue, string> _format;

    /// <summary>A setting read with <paramref name="get"/>, written with <paramref name="set"/>.</summary>
    public Setting(string name, string description, Func<TTarget, TValue> get, Func<TTarget, TValue, TTarget> set,
        ValueParser<TValue> parse, Func<TValue, string> format, params string[] aliases)
        : base(name, description, aliases)
    {
        _get = get;
        _set = set;
        _parse = parse;
        _format = format;
    }

    /// <inheritdoc/>
    public override bool IsFlag => typeof(TValue) == typeof(bool);

    /// <summary>The value in <paramref name="target"/>.</summary>
    public TValue Get(TTarget target) => _get(target);

    /// <inheritdoc/>
    public override bool TryApply(ref TTarget target, string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!_parse(text.Trim(), out var value, out var why))
        {
            problem = Problem(why);
            return false;
        }

        target = _set(target, value);
        problem = null;
        return true;
    }

    /// <inheritdoc/>
    public override string? Format(TTarget target, TTarget defaults)
    {
        var value = _get(target);
        return EqualityComparer<TValue>.Default.Equals(value, _get(defaults)) ? null : _format(value);
    }
}

/// <summary>Binds settings from key/value text and writes them back as a command line.</summary>
public static class SettingBinder
{
    /// <summary>
    /// Applies every setting whose key <paramref name="lookup"/> finds to <paramref name="start"/>; each unparsable value
    /// adds a problem naming its setting. <paramref name="given"/> collects the names of the settings found.
    /// </summary>
    public static TTarget Bind<TTarget>(IEnumerable<Setting<TTarget>> settings, TTarget start, Func<string, string?> lookup,
        ICollection<string> problems, ISet<string>? given = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(problems);
        var target = start;
        foreach (var setting in settings)
        {
            if (lookup(setting.Key) is not { } text)
            {
                continue;
            }

            given?.Add(setting.Name);
            if (!setting.TryApply(ref target, text, out var problem))
            {
                problems.Add(problem!);
            }
        }

        return target;
    }

    /// <summary>
    /// The command line that binds back to <paramref name="value"/>: every setting that differs from
    /// <paramref name="defaults"/>, as <c>--name text</c> (a true switch as <c>--name</c>).
    /// </summary>
    public static List<string> ToArguments<TTarget>(IEnumerable<Setting<TTarget>> settings, TTarget value, TTarget defaults)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var arguments = new List<string>();
        foreach (var setting in settings)
        {
            if (setting.Format(value, defaults) is not { } text)
            {
                continue;
            }

            if (setting.IsFlag && text == "true")
            {
                arguments.Add("--" + setting.Name);
            }
            else
            {
                arguments.AddRange(["--" + setting.Name, text]);
            }
        }

        return arguments;
    }

    /// <summary>Parses an int.</summary>
    public static bool ParseInt(string text, out int value, out string? problem)
    {
        problem = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) ? null : $"'{text}' is not a whole number";
        return problem is null;
    }

    /// <summary>Parses a double.</summary>
    public static bool ParseDouble(string text, out double value, out string? problem)
    {
        // NaN and infinities parse: whether they fit is the validation's to say (e.g. "must be a positive number").
        problem = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) ? null : $"'{text}' is not a number";
        return problem is null;
    }

    /// <summary>Parses <c>true</c> / <c>false</c>.</summary>
    public static bool ParseBool(string text, out bool value, out string? problem)
    {
        problem = bool.TryParse(text, out value) ? null : $"'{text}' is not true or false";
        return problem is null;
    }

    /// <summary>Any non-empty text.</summary>
    public static bool ParseText(string text, out string? value, out string? problem)
    {
        value = text;
        problem = text.Length > 0 ? null : "is empty";
        return problem is null;
    }

    /// <summary>A duration (<see cref="SettingText.TryParseDuration"/>).</summary>
    public static bool ParseDuration(string text, out TimeSpan value, out string? problem) => SettingText.TryParseDuration(text, out value, out problem);

    /// <summary>An optional value: the parser of its type.</summary>
    public static ValueParser<T?> Optional<T>(ValueParser<T> parse)
        where T : struct =>
        (string text, out T? value, out string? problem) =>
        {
            var ok = parse(text, out var inner, out problem);
            value = ok ? inner : null;
            return ok;
        };

    /// <summary>An enum by its names.</summary>
    public static ValueParser<T> Enum<T>(EnumNames<T> names)
        where T : struct, System.Enum =>
        (string text, out T value, out string? problem) =>
        {
            problem = names.TryParse(text, out value) ? null : $"'{text}' is not one of {string.Join(", ", names.Names)}";
            return problem is null;
        };
}
