using System.Globalization;

namespace AutoMon.Protocol.Data;

/// <summary>
/// A workload's data in arrival order: one raw data point per row and the node each row goes to (reference:
/// <c>DataGenerator.data</c> and <c>node_schedule</c>). The first <see cref="TuningRowCount"/> rows are the
/// neighbourhood-tuning prefix; the rest are monitored.
/// </summary>
public sealed class DataSet
{
    private readonly double[] _values;
    private readonly int[] _schedule;

    /// <summary>Wraps row-major <paramref name="values"/> (rows × <paramref name="pointLength"/>); the arrays are not copied.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, a value is NaN/infinite, or a schedule entry is outside 0..nodeCount-1.</exception>
    public DataSet(double[] values, int pointLength, int[] nodeSchedule, int nodeCount, int tuningRowCount = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(nodeSchedule);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        if (values.Length % pointLength != 0)
        {
            throw new ArgumentException($"{values.Length} values do not make rows of {pointLength}.", nameof(values));
        }

        var rows = values.Length / pointLength;
        if (nodeSchedule.Length != rows)
        {
            throw new ArgumentException($"The schedule has {nodeSchedule.Length} entries for {rows} rows.", nameof(nodeSchedule));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(tuningRowCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tuningRowCount, rows);
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"Row {i / pointLength} component {i % pointLength} is {values[i].ToString(CultureInfo.InvariantCulture)}; values must be finite.",
                    nameof(values));
            }
        }

        for (var i = 0; i < rows; i++)
        {
            if ((uint)nodeSchedule[i] >= (uint)nodeCount)
            {
                throw new ArgumentException($"Row {i} is scheduled to node {nodeSchedule[i]}; nodes are 0..{nodeCount - 1}.", nameof(nodeSchedule));
            }
        }

        _values = values;
        _schedule = nodeSchedule;
        PointLength = pointLength;
        NodeCount = nodeCount;
        TuningRowCount = tuningRowCount;
    }

    /// <summary>Components per data point (columns of the data file).</summary>
    public int PointLength { get; }

    /// <summary>Number of nodes the rows are dealt to.</summary>
    public int NodeCount { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount => _schedule.Length;

    /// <summary>Rows at the start reserved for neighbourhood-size tuning.</summary>
    public int TuningRowCount { get; }

    /// <summary>All values, row-major.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>The node index of every row.</summary>
    public ReadOnlySpan<int> NodeSchedule => _schedule;

    /// <summary>Row <paramref name="index"/> as a view.</summary>
    public ReadOnlySpan<double> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowCount);
        return _values.AsSpan(index * PointLength, PointLength);
    }

    /// <summary>Row <paramref name="index"/> as a view that outlives the call: the data set's values never change.</summary>
    public ReadOnlyMemory<double> RowMemory(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowCount);
        return _values.AsMemory(index * PointLength, PointLength);
    }

    /// <summary>The tuning prefix as its own data set.</summary>
    public DataSet TuningPart() => Slice(0, TuningRowCount);

    /// <summary>The monitored rows (everything after the tuning prefix) as their own data set.</summary>
    public DataSet MonitoringPart() => Slice(TuningRowCount, RowCount - TuningRowCount);

    /// <summary>Rows [start, start + count) as a new data set without a tuning prefix.</summary>
    public DataSet Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, RowCount, nameof(count));
        return new DataSet(
            _values.AsSpan(start * PointLength, count * PointLength).ToArray(),
            PointLength,
            _schedule.AsSpan(start, count).ToArray(),
            NodeCount);
    }

    /// <summary>The reference's default schedule: row k goes to node k mod <paramref name="nodeCount"/>.</summary>
    public static int[] RoundRobinSchedule(int rowCount, int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        var schedule = new int[rowCount];
        for (var k = 0; k < rowCount; k++)
        {
            schedule[k] = k % nodeCount;
        }

        return schedule;
    }
}
