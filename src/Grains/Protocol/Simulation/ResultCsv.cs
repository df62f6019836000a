using System.Globalization;
using System.Text;

namespace AutoMon.Protocol.Simulation;

/// <summary>
/// The per-run CSV files every host writes (the <c>simulate</c> command, the launcher's sweeps, a silo running an
/// experiment), in one place so their formats cannot drift: <c>sync_history.csv</c> and <c>function_values.csv</c>.
/// </summary>
public static class ResultCsv
{
    /// <summary>The header of function_values.csv.</summary>
    public const string FunctionValuesHeader = "round,true_value,estimate,error,lower_threshold,upper_threshold";

    /// <summary>sync_history.csv: per full sync, the iteration and then x0's coordinates at full precision; no header.</summary>
    public static string SyncHistory(IReadOnlyList<FullSyncRecord> syncs)
    {
        ArgumentNullException.ThrowIfNull(syncs);
        var text = new StringBuilder();
        foreach (var sync in syncs)
        {
            text.Append(sync.Iteration.ToString(CultureInfo.InvariantCulture));
            foreach (var v in sync.ReferencePoint)
            {
                text.Append(',').Append(Format(v));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>function_values.csv: per round (paced runs: per checkpoint), f(x̄), f(x0), the error and the thresholds L, U.</summary>
    public static string FunctionValues(IReadOnlyList<RoundValue> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        var text = new StringBuilder(FunctionValuesHeader).Append('\n');
        foreach (var r in rounds)
        {
            text.Append(r.Round.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Format(r.TrueValue)).Append(',')
                .Append(Format(r.Estimate)).Append(',')
                .Append(Format(r.Error)).Append(',')
                .Append(Format(r.LowerThreshold)).Append(',')
                .Append(Format(r.UpperThreshold)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Round-trip invariant text; infinities as Infinity/-Infinity (what numpy's loadtxt reads back).</summary>
    public static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : v.ToString("R", CultureInfo.InvariantCulture);
}
