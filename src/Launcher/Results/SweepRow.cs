using AutoMon.Grains.Results;
using Pacing = AutoMon.Grains.Experiments.Pacing;
using System.Globalization;
using System.Text;
using AutoMon.Launcher.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Launcher.Results;

/// <summary>One error bound of a sweep: AutoMon's cost and accuracy next to the baselines on the same data.</summary>
/// <param name="ErrorBound">ε (NaN for a centralisation run).</param>
/// <param name="MaxError">Largest |f(x̄) − f(x0)| over rounds 1...</param>
/// <param name="MeanError">Mean of the same.</param>
/// <param name="Messages">Messages (the reference's total, broadcasts counted per recipient).</param>
/// <param name="PayloadBytes">Bytes in the reference's message layout, both directions.</param>
/// <param name="WireBytes">Bytes measured on the network, when the engine has one.</param>
/// <param name="Rounds">Rounds (round 0 included).</param>
/// <param name="FullSyncs">Full syncs.</param>
/// <param name="LazySyncs">Lazy syncs.</param>
/// <param name="NeighborhoodSize">ADCD-X neighbourhood size at the end (NaN: none).</param>
/// <param name="CentralizationMessages">Centralisation: one message per data update.</param>
/// <param name="CentralizationBytes">Its bytes.</param>
/// <param name="PeriodicPeriod">Periodic with AutoMon's message budget: its period.</param>
/// <param name="PeriodicMaxError">... and its max error.</param>
/// <param name="OraclePeriod">Periodic oracle: the largest period whose error stays within ε (reference <c>plot_monitoring_stats</c>);
/// 0 when the run has no per-round values (paced).</param>
/// <param name="OracleMessages">... and its messages.</param>
/// <param name="WallSeconds">Wall time of the data loop.</param>
/// <param name="Folder">The error bound's result folder, relative to the sweep's.</param>
internal sealed record SweepRow(
    double ErrorBound,
    double MaxError,
    double MeanError,
    long Messages,
    long PayloadBytes,
    long? WireBytes,
    int Rounds,
    int FullSyncs,
    long LazySyncs,
    double NeighborhoodSize,
    long CentralizationMessages,
    long CentralizationBytes,
    int PeriodicPeriod,
    double PeriodicMaxError,
    int OraclePeriod,
    long OracleMessages,
    double WallSeconds,
    string Folder)
{
    public const string CsvHeader =
        "error_bound,max_error,mean_error,messages,payload_bytes,wire_bytes,rounds,full_syncs,lazy_syncs,neighborhood_size," +
        "centralization_messages,centralization_bytes,periodic_period,periodic_max_error,periodic_oracle_period," +
        "periodic_oracle_messages,reduction_vs_centralization,reduction_vs_periodic,wall_seconds,folder";

    /// <summary>An adaptive run (--adaptive), shown beside plain AutoMon's at the same ε.</summary>
    public bool Adaptive { get; init; }

    /// <summary>AutoMon, or the competitor of a --protocol sweep, shown beside AutoMon's at the same ε.</summary>
    public MonitoringProtocol Protocol { get; init; }

    /// <summary>Silos lost under the run and recovered from (summary.json's <c>faults</c>; not a results.csv column).</summary>
    public IReadOnlyList<SiloFault> Faults { get; init; } = [];

    /// <summary>Centralisation's messages over AutoMon's (∞ when AutoMon sent none).</summary>
    public double ReductionVsCentralization => Ratio(CentralizationMessages, Messages);

    /// <summary>The periodic oracle's messages (same accuracy guarantee in hindsight) over AutoMon's (NaN when not computed).</summary>
    public double ReductionVsPeriodic => OraclePeriod == 0 ? double.NaN : Ratio(OracleMessages, Messages);

    public static SweepRow From(ExperimentSpec spec, ExperimentResult result, string folder)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(result);
        var rounds = result.Rounds;
        var n = result.NodeCount;
        var d = result.Dimension;
        if (result.Monitoring is { } m)
        {
            // Every round's f(x̄) is known (paced runs too: computed as the paper does), so the periodic baseline replays on it.
            var perRound = spec.Network.Pacing == Pacing.Lockstep || result.Paced is not null;
            var oracle = perRound ? m.PeriodicOracle.Period : 0;
            var oracleMessages = perRound ? m.PeriodicOracle.Messages : 0;
            return new SweepRow(spec.ErrorBound, m.MaxError, m.MeanError, result.Messages, result.PayloadBytes, result.Wire?.Total,
                m.Rounds, m.Statistics.FullSyncs.Count, m.Statistics.LazySyncs, m.NeighborhoodSize < 0 ? double.NaN : m.NeighborhoodSize,
                m.Centralization.Messages, m.Centralization.Bytes, perRound ? m.Periodic.Period : 0, perRound ? m.Periodic.MaxError : double.NaN,
                oracle, oracleMessages, m.WallSeconds, folder) { Faults = result.Faults, Adaptive = spec.Adaptive, Protocol = spec.Protocol };
        }

        var c = result.Centralization!;
        return new SweepRow(double.NaN, 0, 0, c.Messages, c.PayloadBytes, result.Wire?.Total, c.Rounds.Count, 0, 0, double.NaN,
            c.Messages, c.PayloadBytes, 1, 0, 1, Baselines.Periodic(rounds, 1, n, d).Messages, c.WallSeconds, folder);
    }

    public string ToCsv()
    {
        var fields = new[]
        {
            F(ErrorBound), F(MaxError), F(MeanError), I(Messages), I(PayloadBytes), WireBytes is { } w ? I(w) : string.Empty,
            I(Rounds), I(FullSyncs), I(LazySyncs), F(NeighborhoodSize), I(CentralizationMessages), I(CentralizationBytes),
            PeriodicPeriod == 0 ? string.Empty : I(PeriodicPeriod), F(PeriodicMaxError), OraclePeriod == 0 ? string.Empty : I(OraclePeriod),
            OraclePeriod == 0 ? string.Empty : I(OracleMessages), F(ReductionVsCentralization),
            F(ReductionVsPeriodic), F(WallSeconds), Folder,
        };
        return string.Join(',', fields);

        static string F(double v) => double.IsNaN(v) ? string.Empty : ResultCsv.Format(v);
        static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// results.csv: a header and one row per experiment, in sweep order; an <c>adaptive</c> column only in a sweep with
    /// adaptive runs and a <c>protocol</c> column only in one with a competitor, so the paper's sweeps write what they
    /// always did.
    /// </summary>
    public static string Csv(IEnumerable<SweepRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var adaptive = list.Any(r => r.Adaptive);
        var protocol = list.Any(r => r.Protocol != MonitoringProtocol.AutoMon);
        var text = new StringBuilder(CsvHeader).Append(adaptive ? ",adaptive" : string.Empty).Append(protocol ? ",protocol\n" : "\n");
        foreach (var row in list)
        {
            text.Append(row.ToCsv()).Append(adaptive ? (row.Adaptive ? ",true" : ",false") : string.Empty)
                .Append(protocol ? "," + row.Protocol.Name() + "\n" : "\n");
        }

        return text.ToString();
    }

    private static double Ratio(long baseline, long automon) => automon == 0 ? double.PositiveInfinity : (double)baseline / automon;
}

/// <summary>Baseline curves computed from one run's per-round true values (SPEC j).</summary>
internal static class BaselineCurves
{
    /// <summary>The periodic baseline's (messages, max error) for each period.</summary>
    public static IReadOnlyList<(int Period, long Messages, long Bytes, double MaxError)> Periodic(IReadOnlyList<RoundValue> rounds, IEnumerable<int> periods, int nodeCount, int dimension)
    {
        ArgumentNullException.ThrowIfNull(periods);
        return periods
            .Where(p => p < Math.Max(2, rounds.Count))
            .Select(p => Baselines.Periodic(rounds, p, nodeCount, dimension))
            .Select(b => (b.Period, b.Messages, b.Bytes, b.MaxError))
            .ToList();
    }
}
