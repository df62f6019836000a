using System.Globalization;

namespace AutoMon.Launcher.Tests.Experiments;

/// <summary>Runs the launcher in-process with captured output.</summary>
internal static class LauncherRun
{
    public static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = await LauncherApp.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs and asserts success (exit 0, nothing on stderr); a failure shows the failed runs' error.txt.</summary>
    public static async Task<string> Succeeds(params string[] args)
    {
        var (exitCode, output, error) = await Run(args);
        Assert.True(exitCode == 0, $"exit {exitCode}: {error}\n{output}{FailedRuns(args)}");
        Assert.Equal(string.Empty, error);
        return output;
    }

    // The whole exception of each failed run (the one-line reason on stderr cuts it short): what a flaky failure needs.
    private static string FailedRuns(string[] args)
    {
        var at = Array.IndexOf(args, "--output");
        if (at < 0 || at + 1 >= args.Length || !Directory.Exists(args[at + 1]))
        {
            return string.Empty;
        }

        return string.Concat(Directory.EnumerateFiles(args[at + 1], "error.txt", SearchOption.AllDirectories)
            .Select(file => $"\n--- {file}\n{File.ReadAllText(file)}"));
    }

    /// <summary>Runs and asserts failure with exactly one line on stderr; returns that line.</summary>
    public static async Task<string> FailsWithOneLine(params string[] args)
    {
        var (exitCode, _, error) = await Run(args);
        Assert.NotEqual(0, exitCode);
        var line = error.TrimEnd();
        Assert.False(string.IsNullOrEmpty(line), "nothing on stderr");
        Assert.DoesNotContain('\n', line);
        return line;
    }

    /// <summary>The rows of a CSV file with a header, as dictionaries by column name.</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(line =>
        {
            var fields = line.Split(',');
            Assert.Equal(header.Length, fields.Length);
            return header.Zip(fields).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }).ToList();
    }

    public static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Width and height from a PNG's IHDR chunk, after checking the signature.</summary>
    public static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(signature), $"{path} is not a PNG");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BigEndian(bytes, 16), BigEndian(bytes, 20));

        static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
    }
}
