using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AutoMon.Protocol;

namespace AutoMon.Grains.Runs;

/// <summary>
/// The one parser and formatter of setting values, for command lines, appsettings.json and environment variables alike:
/// numbers in the invariant culture, durations with a unit, and the protocol's enums by their command-line names.
/// </summary>
public static class SettingText
{
    /// <summary>
    /// Parses a duration: a non-negative number with a unit — <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c> (<c>250ms</c>,
    /// <c>1.5s</c>, <c>30m</c>, <c>8h</c>) — or .NET's <c>hh:mm:ss[.fffffff]</c>. A bare number is refused (is <c>1</c> a
    /// second or a millisecond?), except <c>0</c>.
    /// </summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration, [NotNullWhen(false)] out string? problem)
    {
        duration = TimeSpan.Zero;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero)
            {
                problem = null;
                return true;
            }

            problem = $"'{text}' is not a duration (e.g. 250ms, 1.5s, 30m, 8h or 00:00:01.5)";
            return false;
        }

        var (number, ticksPerUnit) = trimmed.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (trimmed[..^2], TimeSpan.TicksPerMillisecond)
            : trimmed.EndsWith('s') || trimmed.EndsWith('S') ? (trimmed[..^1], TimeSpan.TicksPerSecond)
            : trimmed.EndsWith('m') || trimmed.EndsWith('M') ? (trimmed[..^1], TimeSpan.TicksPerMinute)
            : trimmed.EndsWith('h') || trimmed.EndsWith('H') ? (trimmed[..^1], TimeSpan.TicksPerHour)
            : (trimmed, 0L);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= 0) || !double.IsFinite(value)
            || value * ticksPerUnit > TimeSpan.MaxValue.Ticks)
        {
            problem = $"'{text}' is not a duration (e.g. 250ms, 1.5s, 30m, 8h)";
            return false;
        }

        if (ticksPerUnit == 0)
        {
            if (value != 0)
            {
                problem = $"'{text}' needs a unit: ms, s, m or h (e.g. {number}s)";
                return false;
            }

            ticksPerUnit = 1;
        }

        duration = TimeSpan.FromTicks((long)Math.Round(value * ticksPerUnit));
        problem = null;
        return true;
    }

    /// <summary>
    /// The text <see cref="TryParseDuration"/> reads back as exactly <paramref name="duration"/>: whole milliseconds as
    /// <c>Nms</c> (whole seconds as <c>Ns</c>), anything finer as <c>hh:mm:ss.fffffff</c>.
    /// </summary>
    public static string FormatDuration(TimeSpan duration)
    {
        if (duration.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            return (duration.Ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
        }

        return duration.Ticks % TimeSpan.TicksPerMillisecond == 0
            ? (duration.Ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms"
            : duration.ToString("c", CultureInfo.InvariantCulture);
    }

    /// <summary>A number as it round-trips (<c>R</c>, invariant culture).</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An integer in the invariant culture.</summary>
    public static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The slack names: <c>drift</c>, <c>none</c>.</summary>
    public static readonly EnumNames<SlackType> Slack = new(("drift", SlackType.Drift), ("none", SlackType.NoSlack));

    /// <summary>The sync names: <c>eager</c>, <c>lazy-lru</c>, <c>lazy-random</c>.</summary>
    public static readonly EnumNames<SyncType> Sync = new(("eager", SyncType.Eager), ("lazy-lru", SyncType.LazyLRU), ("lazy-random", SyncType.LazyRandom));

    /// <summary>The protocol names: <c>automon</c>, <c>gm</c>, <c>cb</c>, <c>rlv</c>.</summary>
    public static readonly EnumNames<MonitoringProtocol> Protocol =
        new([.. Enum.GetValues<MonitoringProtocol>().Select(p => (p.Name(), p))]);

    /// <summary>The pacing names: <c>lockstep</c>, <c>paced</c>.</summary>
    public static readonly EnumNames<Experiments.Pacing> Pacing = new(("lockstep", Experiments.Pacing.Lockstep), ("paced", Experiments.Pacing.Paced));
}

/// <summary>An enum's names on command lines and in configuration; parsing ignores case and takes '_' for '-'.</summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class EnumNames<T>
    where T : struct, Enum
{
    private readonly (string Name, T Value)[] _names;

    /// <summary>The names in the order given; the first name of a value is the one written.</summary>
    public EnumNames(params (string Name, T Value)[] names) => _names = names;

    /// <summary>The accepted names.</summary>
    public IEnumerable<string> Names => _names.Select(n => n.Name);

    /// <summary>Parses a name.</summary>
    public bool TryParse(string? text, out T value)
    {
        var key = (text ?? string.Empty).Trim().Replace('_', '-');
        foreach (var (name, candidate) in _names)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The name of <paramref name="value"/>.</summary>
    public string Format(T value) => _names.First(n => EqualityComparer<T>.Default.Equals(n.Value, value)).Name;
}
