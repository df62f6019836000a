using System.Globalization;
using AutoMon.Protocol;

namespace AutoMon.Launcher.Results;

/// <summary>
/// What a sweep's two max-error-vs-cost figures show, for a local sweep and an AWS download alike: AutoMon per ε, the
/// periodic baseline per period, centralisation, and the paper's AWS points for a workload the paper ran on AWS.
/// </summary>
internal static class SweepCostFigures
{
    /// <summary>The max error vs messages and vs bytes figures of one workload's sweep.</summary>
    /// <param name="nodeType">The workload, whose paper AWS points (<see cref="PaperAwsResults"/>) join the figures.</param>
    /// <param name="title">The figures' title.</param>
    /// <param name="autoMon">AutoMon's rows, any order (empty for a centralisation run); adaptive rows make their own curve.</param>
    /// <param name="periodic">The periodic baseline per period (empty when it could not be replayed).</param>
    /// <param name="centralization">A row whose centralisation baseline is drawn.</param>
    public static (CostFigure Messages, CostFigure Bytes) Of(string nodeType, string title, IReadOnlyList<SweepRow> autoMon,
        IReadOnlyList<(int Period, long Messages, long Bytes, double MaxError)> periodic, SweepRow centralization)
    {
        ArgumentNullException.ThrowIfNull(autoMon);
        ArgumentNullException.ThrowIfNull(periodic);
        ArgumentNullException.ThrowIfNull(centralization);
        var automon = autoMon.Where(r => !r.Adaptive && r.Protocol == MonitoringProtocol.AutoMon).OrderBy(r => r.ErrorBound)
            .Select(r => (Row: r, Label: "ε=" + r.ErrorBound.ToString("G4", CultureInfo.InvariantCulture))).ToList();
        var adaptive = autoMon.Where(r => r.Adaptive).OrderBy(r => r.ErrorBound).ToList();
        var competitor = autoMon.Where(r => r.Protocol != MonitoringProtocol.AutoMon).OrderBy(r => r.ErrorBound).ToList();
        var competitorName = competitor.Count > 0 ? competitor[0].Protocol.Name().ToUpperInvariant() : string.Empty;

        var byMessages = new CostFigure(title,
            automon.Select(a => new CostPoint(a.Row.Messages, a.Row.MaxError, a.Label)).ToList(),
            periodic.Select(p => new CostPoint(p.Messages, p.MaxError, Period(p.Period))).ToList(),
            new CostPoint(centralization.CentralizationMessages, 0, "centralisation"))
        {
            PaperAws = PaperAwsResults.Curve(nodeType, p => p.Messages),
            Adaptive = adaptive.Select(r => new CostPoint(r.Messages, r.MaxError, string.Empty)).ToList(),
            Competitor = competitor.Select(r => new CostPoint(r.Messages, r.MaxError, string.Empty)).ToList(),
            CompetitorName = competitorName,
        };

        // Payload bytes (the reference's message layout) for every curve, so they compare; wire bytes as AutoMon's second curve.
        var byBytes = new CostFigure(title,
            automon.Select(a => new CostPoint(a.Row.PayloadBytes, a.Row.MaxError, a.Label)).ToList(),
            periodic.Select(p => new CostPoint(p.Bytes, p.MaxError, Period(p.Period))).ToList(),
            new CostPoint(centralization.CentralizationBytes, 0, "centralisation"))
        {
            AutoMonWire = automon.Where(a => a.Row.WireBytes is not null).Select(a => new CostPoint(a.Row.WireBytes!.Value, a.Row.MaxError, a.Label)).ToList(),
            PaperAws = PaperAwsResults.Curve(nodeType, p => p.PayloadBytes),
            Adaptive = adaptive.Select(r => new CostPoint(r.PayloadBytes, r.MaxError, string.Empty)).ToList(),
            Competitor = competitor.Select(r => new CostPoint(r.PayloadBytes, r.MaxError, string.Empty)).ToList(),
            CompetitorName = competitorName,
        };
        return (byMessages, byBytes);
    }

    private static string Period(int period) => "T=" + period.ToString(CultureInfo.InvariantCulture);
}
