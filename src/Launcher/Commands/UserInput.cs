namespace AutoMon.Launcher.Commands;

/// <summary>
/// Where a command may ask the person at the terminal a question (cleanup's confirmation): the reader of their answers,
/// and whether it is a terminal at all. Without one (a script, CI, a test capturing the output) a command that must ask
/// refuses instead, telling which option confirms.
/// </summary>
public sealed record UserInput(TextReader Reader, bool IsTerminal)
{
    /// <summary>The process's standard input; a terminal unless it is redirected.</summary>
    public static UserInput Console => new(System.Console.In, !System.Console.IsInputRedirected);

    /// <summary>No one to ask.</summary>
    public static UserInput None { get; } = new(TextReader.Null, false);

    /// <summary>Asks a yes/no question on <paramref name="output"/>; true only for an answer of y or yes.</summary>
    public bool Confirm(TextWriter output, string question)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write($"{question} [y/N] ");
        output.Flush();
        var answer = Reader.ReadLine()?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) ||
               string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }
}
