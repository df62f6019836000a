using System.Globalization;
using System.Numerics;

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

        if (AllFinite(dataPoint))
        {
            return;
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

    /// <summary>v − v is 0 for every finite v and NaN for NaN and ±∞; checks a vector of lanes at a time.</summary>
    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= values.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var v = new Vector<double>(values[i..]);
                if (!Vector.EqualsAll(v - v, Vector<double>.Zero))
                {
                    return false;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                return false;
            }
        }

        return true;
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
