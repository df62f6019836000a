namespace AutoMon.Protocol.Data;

/// <summary>
/// How the reference turns KDD Cup 99 connection records into the intrusion-detection streams
/// (<c>DataGeneratorDnnIntrusionDetection.prepare_intrusion_detection_data</c>): records are split over 9 nodes by
/// service, each record's 41 features are scaled to unit L2 norm, and the start is trimmed so that every node's first
/// window of 20 records comes first, interleaved node by node.
/// </summary>
public static class IntrusionDetectionSplit
{
    /// <summary>Nodes of the intrusion-detection experiment.</summary>
    public const int NodeCount = 9;

    /// <summary>Sliding window the reference aligns the start of the data to (fixed at 20 there).</summary>
    public const int WindowSize = 20;

    /// <summary>Features per record.</summary>
    public const int FeatureCount = 41;

    // numpy's finfo(float64).eps (double.Epsilon is the smallest subnormal, not this).
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Node of every record from its numeric service code. With the distinct codes sorted ascending, the records of the
    /// 52nd code (index 51; ecr_i in the KDD test set) go round-robin to nodes 0–4, those of the 22nd (index 21; private)
    /// round-robin to nodes 5–6, those of the smallest (http) to node 7, and all others to node 8.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 52 distinct services (the reference would fail too).</exception>
    public static int[] AssignNodesByService(ReadOnlySpan<int> serviceCodes)
    {
        var distinct = new SortedSet<int>();
        foreach (var code in serviceCodes)
        {
            distinct.Add(code);
        }

        if (distinct.Count < 52)
        {
            throw new ArgumentException(
                $"The reference splits the records by the 52nd distinct service; the data has only {distinct.Count} distinct services.",
                nameof(serviceCodes));
        }

        var sorted = distinct.ToArray();
        int big = sorted[51], middle = sorted[21], smallest = sorted[0];
        var nodes = new int[serviceCodes.Length];
        int bigSeen = 0, middleSeen = 0;
        for (var i = 0; i < serviceCodes.Length; i++)
        {
            var code = serviceCodes[i];
            nodes[i] = code == big ? bigSeen++ % 5
                : code == middle ? 5 + (middleSeen++ % 2)
                : code == smallest ? 7
                : 8;
        }

        return nodes;
    }

    /// <summary>
    /// Scales each row of <paramref name="features"/> (row-major, <paramref name="columns"/> wide) to unit L2 norm, as
    /// scikit-learn's <c>Normalizer()</c> does; rows with a norm below 10·ε stay as they are. The reference fits the
    /// normaliser on the training file, but the fit is stateless, so the training data does not change the result.
    /// </summary>
    public static void NormalizeRows(Span<double> features, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (features.Length % columns != 0)
        {
            throw new ArgumentException($"{features.Length} values do not make rows of {columns}.", nameof(features));
        }

        for (var start = 0; start < features.Length; start += columns)
        {
            var row = features.Slice(start, columns);
            var sumOfSquares = 0.0;
            foreach (var v in row)
            {
                sumOfSquares += v * v;
            }

            var norm = Math.Sqrt(sumOfSquares);
            if (norm < 10 * MachineEpsilon)
            {
                continue;
            }

            for (var j = 0; j < row.Length; j++)
            {
                row[j] /= norm;
            }
        }
    }

    /// <summary>
    /// Builds the experiment's data set from records in file order: the tuning prefix is the aligned data from the first
    /// record, cut to <paramref name="tuningIterations"/> × 9 rows; the monitored part is the aligned data after dropping
    /// those first tuningIterations × 9 records, cut to <paramref name="monitoringRows"/> rows (all when null).
    /// </summary>
    /// <param name="nodeOfRow">Node of each record (see <see cref="AssignNodesByService"/>).</param>
    /// <param name="normalizedFeatures">41 features per record, already normalised (see <see cref="NormalizeRows"/>).</param>
    /// <param name="tuningIterations">The reference's <c>num_iterations_for_tuning</c>.</param>
    /// <param name="monitoringRows">The reference's <c>num_iterations</c> for this experiment: rows, not rows per node.</param>
    /// <exception cref="ArgumentException">A node has no full window, or fewer rows than asked for are available.</exception>
    public static DataSet BuildDataSet(ReadOnlySpan<int> nodeOfRow, ReadOnlySpan<double> normalizedFeatures, int tuningIterations, int? monitoringRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tuningIterations);
        if (normalizedFeatures.Length != nodeOfRow.Length * FeatureCount)
        {
            throw new ArgumentException(
                $"{normalizedFeatures.Length} feature values for {nodeOfRow.Length} records; expected {FeatureCount} per record.",
                nameof(normalizedFeatures));
        }

        var tuningRows = tuningIterations * NodeCount;
        var (tuningValues, tuningSchedule) = tuningRows == 0
            ? (Array.Empty<double>(), Array.Empty<int>())
            : Align(nodeOfRow, normalizedFeatures, 0);
        tuningRows = Math.Min(tuningRows, tuningSchedule.Length);
        var dropped = Math.Min(tuningIterations * NodeCount, nodeOfRow.Length);
        var (values, schedule) = Align(nodeOfRow[dropped..], normalizedFeatures[(dropped * FeatureCount)..], dropped);
        var rows = monitoringRows ?? schedule.Length;
        if (rows > schedule.Length || rows < 0)
        {
            throw new ArgumentException($"Asked for {rows} monitored rows; the records give {schedule.Length}.", nameof(monitoringRows));
        }

        double[] allValues = [.. tuningValues.AsSpan(0, tuningRows * FeatureCount), .. values.AsSpan(0, rows * FeatureCount)];
        int[] allSchedule = [.. tuningSchedule.AsSpan(0, tuningRows), .. schedule.AsSpan(0, rows)];
        return new DataSet(allValues, FeatureCount, allSchedule, NodeCount, tuningRows);
    }

    /// <summary>
    /// The reference's start alignment: find the row holding each node's 21st record, take the latest such row, keep only
    /// the last 20 records of each node before it, and interleave the first 20 × 9 rows as 0, 1, …, 8, 0, 1, ….
    /// </summary>
    private static (double[] Values, int[] Schedule) Align(ReadOnlySpan<int> nodeOfRow, ReadOnlySpan<double> features, int firstRecord)
    {
        var positions = new List<int>[NodeCount];
        for (var node = 0; node < NodeCount; node++)
        {
            positions[node] = [];
        }

        for (var i = 0; i < nodeOfRow.Length; i++)
        {
            if ((uint)nodeOfRow[i] >= NodeCount)
            {
                throw new ArgumentException($"Record {firstRecord + i} is assigned to node {nodeOfRow[i]}; nodes are 0..{NodeCount - 1}.", nameof(nodeOfRow));
            }

            positions[nodeOfRow[i]].Add(i);
        }

        var fullWindowRow = 0;
        for (var node = 0; node < NodeCount; node++)
        {
            if (positions[node].Count <= WindowSize)
            {
                throw new ArgumentException(
                    $"Node {node} gets {positions[node].Count} records from record {firstRecord} on; the reference needs more than {WindowSize}.",
                    nameof(nodeOfRow));
            }

            fullWindowRow = Math.Max(fullWindowRow, positions[node][WindowSize]);
        }

        var removed = new bool[nodeOfRow.Length];
        for (var node = 0; node < NodeCount; node++)
        {
            var before = positions[node].FindIndex(p => p >= fullWindowRow);
            before = before < 0 ? positions[node].Count : before;
            for (var k = 0; k < before - WindowSize; k++)
            {
                removed[positions[node][k]] = true;
            }
        }

        var kept = new List<int>(nodeOfRow.Length);
        for (var i = 0; i < nodeOfRow.Length; i++)
        {
            if (!removed[i])
            {
                kept.Add(i);
            }
        }

        // Every node now has exactly WindowSize rows before fullWindowRow, and those are the first WindowSize × 9 kept rows.
        var head = WindowSize * NodeCount;
        var seen = new int[NodeCount];
        var order = new int[kept.Count];
        for (var i = 0; i < head; i++)
        {
            var row = kept[i];
            var node = nodeOfRow[row];
            order[node + (NodeCount * seen[node]++)] = row;
        }

        for (var i = head; i < kept.Count; i++)
        {
            order[i] = kept[i];
        }

        var values = new double[order.Length * FeatureCount];
        var schedule = new int[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            features.Slice(order[i] * FeatureCount, FeatureCount).CopyTo(values.AsSpan(i * FeatureCount, FeatureCount));
            schedule[i] = nodeOfRow[order[i]];
        }

        return (values, schedule);
    }
}
