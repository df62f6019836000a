namespace AutoMon.Protocol.Data.Files;

/// <summary>A data file that cannot be used as it is; the message names the file and, where it applies, the line.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the error for <paramref name="filePath"/>, line <paramref name="lineNumber"/> (1-based; null for the whole file).</summary>
    public DataFormatException(string filePath, int? lineNumber, string problem, Exception? innerException = null)
        : base(lineNumber is null ? $"{filePath}: {problem}" : $"{filePath} line {lineNumber}: {problem}", innerException)
    {
        FilePath = filePath;
        LineNumber = lineNumber;
    }

    /// <summary>Creates the error without file context (prefer the other constructor).</summary>
    public DataFormatException()
        : this(string.Empty, null, "malformed data file")
    {
    }

    /// <summary>Creates the error without file context (prefer the other constructor).</summary>
    public DataFormatException(string message)
        : this(string.Empty, null, message)
    {
    }

    /// <summary>Creates the error without file context (prefer the other constructor).</summary>
    public DataFormatException(string message, Exception innerException)
        : this(string.Empty, null, message, innerException)
    {
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line at fault, or null when the problem is the file as a whole.</summary>
    public int? LineNumber { get; }
}
