using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;

namespace AutoMon.Silos.Hosting;

/// <summary>The HTTP API's keys (docs/service.md, "Authentication"): what a key may be, reading one from a file, making one.</summary>
public static class ApiKeys
{
    /// <summary>The shortest key accepted.</summary>
    public const int MinimumLength = 16;

    /// <summary>A new random key: 32 bytes from the system's cryptographic generator, base64url (43 characters).</summary>
    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Why <paramref name="key"/> (described as <paramref name="what"/>) cannot be a key; null when it can.</summary>
    public static string? Check(string key, string what)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            return $"{what} is empty";
        }

        if (key.Length < MinimumLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{what} has {key.Length} characters; a key needs at least {MinimumLength} (e.g. 32 random bytes in base64url)");
        }

        // It travels in an HTTP header and a query parameter: visible ASCII only (no spaces, no control characters).
        return key.All(c => c is > ' ' and <= '~') ? null : $"{what} holds characters other than visible ASCII (no spaces or control characters)";
    }

    /// <summary>The key in the file at <paramref name="path"/> (its content, trimmed); false with the problem, naming the file.</summary>
    public static bool TryRead(string path, out string key, out string problem)
    {
        ArgumentNullException.ThrowIfNull(path);
        key = "";
        try
        {
            key = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = $"--api-key-file {path}: cannot read it ({e.Message})";
            return false;
        }

        problem = Check(key, $"--api-key-file {path}") ?? "";
        return problem.Length == 0;
    }
}
