using System.Globalization;
using System.Text;

namespace AutoMon.Grains.Results;

/// <summary>
/// Writes a file whole or not at all: the content goes to a temporary file in the target's folder, which is then moved
/// over the target (a rename within one folder, so a reader sees the old file or the new one, never half of one).
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8WithoutBom = new(encoderShouldEmitUTF8Identifier: false);
    private static int _temporaryFiles;

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string contents) =>
        Write(path, temporary => File.WriteAllText(temporary, contents, Utf8WithoutBom));

    /// <summary>
    /// Lets <paramref name="writeTemporary"/> write the whole file at the temporary path it is given (in the target's folder,
    /// ending in the target's extension for writers that choose the format by it), then moves it over <paramref name="path"/>.
    /// If writing fails, the temporary file is removed and the target is left as it was.
    /// </summary>
    public static void Write(string path, Action<string> writeTemporary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(writeTemporary);
        var full = Path.GetFullPath(path);
        var unique = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-"
            + Interlocked.Increment(ref _temporaryFiles).ToString(CultureInfo.InvariantCulture);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $"{Path.GetFileName(full)}.tmp-{unique}{Path.GetExtension(full)}");
        try
        {
            writeTemporary(temporary);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            // Nothing is left behind when writing or moving failed (after a move the temporary path no longer exists).
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
