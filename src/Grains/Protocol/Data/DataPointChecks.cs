using System.Globalization;

namespace AutoMon.Protocol.Data;

/// <summary>Argument checks shared by the streams; they run before any state changes.</summary>
internal static class DataPointChecks
{
    public static void Finite(ReadOnlySpan<double> dataPoint, int expectedLength)
    {
        if (dataPoint.Length != expectedLength)
        {
            throw new ArgumentException(
                $"Data point has {dataPoint.Length} components, the stream expects {expectedLength}.", nameof(dataPoint));
        }

        for (var i = 0; i < dataPoint.Length; i++)
        {
            if (!double.IsFinite(dataPoint[i]))
            {
                throw new ArgumentException(
                    $"Data point component {i} is {dataPoint[i].ToString(CultureInfo.InvariantCulture)}; values must be finite.",
                    nameof(dataPoint));
            }
        }
    }

    /// <summary>
    /// A class index must be a whole number in [0, classes). The reference truncates with <c>int()</c>; we refuse
    /// anything that truncation would change, so a corrupt file cannot silently shift a class.
    /// </summary>
    public static int ClassIndex(double value, int classes, int component)
    {
        if (!double.IsInteger(value) || value < 0 || value >= classes)
        {
            throw new ArgumentException(
                $"Data point component {component} is {value.ToString(CultureInfo.InvariantCulture)}; expected a class index 0..{classes - 1}.",
                "dataPoint");
        }

        return (int)value;
    }
}
