using System.Globalization;

namespace AutoMon.Launcher.Commands;

/// <summary>An option's comma-separated list ("a,b,c"): entries trimmed, and a blank entry an error, not a skipped one.</summary>
internal static class CommaList
{
    /// <summary>The trimmed entries of <paramref name="text"/>.</summary>
    public static string[] Split(string text) => text.Split(',', StringSplitOptions.TrimEntries);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> if <paramref name="entries"/> (from <see cref="Split"/>) is empty, or names the
    /// first blank entry: a stray comma is a typo, not a request to run fewer than were written.
    /// </summary>
    public static void RequireEntries(IReadOnlyList<string> entries, string option, string example)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.All(e => string.IsNullOrWhiteSpace(e)))
        {
            throw new ArgumentException($"{option} is empty; give e.g. \"{example}\".");
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(entries[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{option}: entry {i + 1} of \"{string.Join(',', entries)}\" is empty; separate the entries with single commas."));
            }
        }
    }
}
