using System.Globalization;

namespace AutoMon.Launcher.Results;

/// <summary>One published point of the paper's AWS experiments: a workload at one error bound.</summary>
/// <param name="ErrorBound">ε.</param>
/// <param name="MaxError">The max error over every data round of the AWS run.</param>
/// <param name="Messages">Its messages.</param>
/// <param name="PayloadBytes">Its payload bytes (the reference's message layout).</param>
internal readonly record struct PaperAwsPoint(double ErrorBound, double MaxError, long Messages, long PayloadBytes);

/// <summary>
/// The paper's published AWS results (Sivan, Gabel, Schuster, "AutoMon: Automatic Distributed Monitoring for Arbitrary
/// Multivariate Functions", SIGMOD 2022; its AWS experiment figures), shipped as <c>PaperAwsResults.csv</c> embedded in the
/// launcher, so sweeps can show them beside ours.
/// </summary>
internal static class PaperAwsResults
{
    private const string ResourceName = "AutoMon.Launcher.Results.PaperAwsResults.csv";
    private const string Header = "function,error_bound,aws_max_error,aws_messages,aws_payload_bytes";

    private static readonly Lazy<Dictionary<string, PaperAwsPoint[]>> s_byNodeType = new(Load);

    /// <summary>The paper's points of <paramref name="nodeType"/> in ascending ε; empty for a workload the paper did not run on AWS.</summary>
    public static IReadOnlyList<PaperAwsPoint> For(string nodeType)
    {
        ArgumentNullException.ThrowIfNull(nodeType);
        return s_byNodeType.Value.TryGetValue(nodeType, out var points) ? points : [];
    }

    /// <summary>The paper's point of <paramref name="nodeType"/> at exactly <paramref name="errorBound"/>, when it published one.</summary>
    public static bool TryGet(string nodeType, double errorBound, out PaperAwsPoint point)
    {
        foreach (var candidate in For(nodeType))
        {
            if (candidate.ErrorBound.Equals(errorBound))
            {
                point = candidate;
                return true;
            }
        }

        point = default;
        return false;
    }

    /// <summary>The paper's points of <paramref name="nodeType"/> as a max-error-vs-<paramref name="cost"/> curve.</summary>
    public static IReadOnlyList<CostPoint> Curve(string nodeType, Func<PaperAwsPoint, long> cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return For(nodeType)
            .Select(p => new CostPoint(cost(p), p.MaxError, "ε=" + p.ErrorBound.ToString("G4", CultureInfo.InvariantCulture)))
            .ToList();
    }

    private static Dictionary<string, PaperAwsPoint[]> Load()
    {
        using var stream = typeof(PaperAwsResults).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The launcher was built without its {ResourceName} resource.");
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .ToList();
        if (lines.Count == 0 || lines[0] != Header)
        {
            throw new InvalidDataException($"{ResourceName} does not start with the header '{Header}'.");
        }

        return lines.Skip(1)
            .Select(line => line.Split(','))
            .GroupBy(fields => fields[0], StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.Select(f => new PaperAwsPoint(Double(f[1]), Double(f[2]), Long(f[3]), Long(f[4]))).OrderBy(p => p.ErrorBound).ToArray(),
                StringComparer.Ordinal);

        static double Double(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        static long Long(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
