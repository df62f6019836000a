namespace AutoMon.Protocol.Data.Files;

/// <summary>What to load from the reference's <c>datasets/</c> folder; every number is explicit (no presets here).</summary>
public sealed record ReferenceDataRequest
{
    public required Workload Workload { get; init; }

    /// <summary>The node type as the user names it (inner_product, quadratic, kld, dnn, ...): its folder, and the messages.</summary>
    public required string NodeType { get; init; }

    public required int Nodes { get; init; }

    /// <summary>Monitored data points per node (dnn: rows in total).</summary>
    public required int Iterations { get; init; }

    /// <summary>d (kld: 2 × the classes per pollutant; the data-file workloads: the point length of windowed averages).</summary>
    public required int Dimension { get; init; }

    /// <summary>Data-file workloads: tuning data points per node at the start of the file (the reference's tuning prefix).</summary>
    public int TuningIterations { get; init; }

    /// <summary>kld: hours per station, dnn: rows per node, that the reference's distributed runs skip at the start.</summary>
    public int SkippedIterations { get; init; }
}

/// <summary>A workload's rows from the reference's files, and where they came from.</summary>
/// <param name="Data">The rows (tuning prefix first when <paramref name="TuningIterations"/> &gt; 0).</param>
/// <param name="TuningIterations">Neighbourhood-tuning data points per node at the start of <paramref name="Data"/>.</param>
/// <param name="Source">The file or folder read.</param>
public sealed record ReferenceData(DataSet Data, int TuningIterations, string Source);

/// <summary>
/// The reference's <c>datasets/</c> layout, shared by the launcher's <c>--data-dir</c> and the silo host's:
/// <c>inner_product/data_file.txt</c> (and other data-file workloads, with an optional <c>node_schedule_file.txt</c>),
/// <c>quadratic/data_file.txt</c> and <c>H_matrix.txt</c>, <c>air_quality/PRSA_Data_*.csv</c>,
/// <c>intrusion_detection/corrected</c>. The folder given may be <c>datasets/</c> or the workload's own folder in it.
/// </summary>
public static class ReferenceDatasets
{
    public const string DataFile = "data_file.txt";
    public const string ScheduleFile = "node_schedule_file.txt";
    public const string HMatrixFile = "H_matrix.txt";
    public const string IntrusionDetectionFile = "corrected";

    // The reference's folder name in datasets/ per node type (the rest use the node type itself).
    private static readonly Dictionary<string, string> Folders = new(StringComparer.Ordinal)
    {
        ["kld"] = "air_quality",
        ["dnn"] = "intrusion_detection",
    };

    /// <summary>The workload's folder name in <c>datasets/</c>: air_quality for kld, intrusion_detection for dnn, else the node type.</summary>
    public static string FolderName(string nodeType)
    {
        ArgumentNullException.ThrowIfNull(nodeType);
        return Folders.GetValueOrDefault(nodeType, nodeType);
    }

    /// <summary>The workload's folder: <c>dataDirectory/&lt;folder name&gt;</c> when it exists, else <paramref name="dataDirectory"/> itself.</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="dataDirectory"/> is missing.</exception>
    public static string WorkloadFolder(string dataDirectory, string nodeType)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        if (!Directory.Exists(dataDirectory))
        {
            throw new DirectoryNotFoundException($"--data-dir folder not found: {dataDirectory}");
        }

        var nested = Path.Combine(dataDirectory, FolderName(nodeType));
        return Directory.Exists(nested) ? nested : dataDirectory;
    }

    /// <summary>
    /// The files of <paramref name="folder"/> (a <see cref="WorkloadFolder"/>) the workload reads, all present: the station
    /// files for kld, <c>corrected</c> for dnn, else <c>data_file.txt</c> (and <c>node_schedule_file.txt</c> when there,
    /// and quadratic's <c>H_matrix.txt</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">Naming the file the workload needs and the folder it is not in.</exception>
    public static IReadOnlyList<string> RequiredFiles(string folder, Workload workload, string nodeType)
    {
        switch (workload)
        {
            case Workload.AirQualityKld:
                return AirQualityLoader.FindStationFiles(folder);
            case Workload.IntrusionDetection:
                return [RequireFile(folder, IntrusionDetectionFile, nodeType)];
        }

        var files = new List<string> { RequireFile(folder, DataFile, nodeType) };
        if (File.Exists(Path.Combine(folder, ScheduleFile)))
        {
            files.Add(Path.Combine(folder, ScheduleFile));
        }

        if (workload == Workload.Quadratic)
        {
            files.Add(RequireFile(folder, HMatrixFile, nodeType));
        }

        return files;
    }

    /// <summary>quadratic's H from <c>H_matrix.txt</c> in <paramref name="folder"/> (float32 precision, as the reference loads it).</summary>
    public static double[,] ReadHMatrix(string folder, string nodeType, int dimension) =>
        NumpyTextFile.ReadHMatrix(RequireFile(folder, HMatrixFile, nodeType), dimension);

    /// <summary>Reads the workload's rows from <paramref name="folder"/> (a <see cref="WorkloadFolder"/>).</summary>
    /// <exception cref="ArgumentException">The files do not fit the node count.</exception>
    /// <exception cref="FileNotFoundException">A file the workload needs is missing.</exception>
    /// <exception cref="DataFormatException">A file is malformed or too short for the iterations asked for.</exception>
    public static ReferenceData Load(string folder, ReferenceDataRequest request)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(request);
        return request.Workload switch
        {
            Workload.AirQualityKld => AirQuality(folder, request),
            Workload.IntrusionDetection => Kdd(folder, request),
            _ => DataFileRows(folder, request),
        };
    }

    private static ReferenceData AirQuality(string folder, ReferenceDataRequest request)
    {
        // The distributed runs skip the first hours of every station (their tuning rows) and monitor the next I.
        var stations = AirQualityLoader.Load(folder, request.Dimension, request.Iterations, request.SkippedIterations);
        if (stations.NodeCount != request.Nodes)
        {
            throw new ArgumentException($"{folder} has {stations.NodeCount} stations (one node each), but --nodes is {request.Nodes}.");
        }

        return new ReferenceData(stations.MonitoringPart(), 0, folder);
    }

    private static ReferenceData Kdd(string folder, ReferenceDataRequest request)
    {
        var file = RequireFile(folder, IntrusionDetectionFile, request.NodeType);
        var data = Kdd99Loader.LoadIntrusionDetection(file, request.SkippedIterations, request.Iterations);
        return new ReferenceData(data.MonitoringPart(), 0, file);
    }

    private static ReferenceData DataFileRows(string folder, ReferenceDataRequest request)
    {
        var path = RequireFile(folder, DataFile, request.NodeType);
        var schedule = Path.Combine(folder, ScheduleFile);
        var pointLength = Workloads.StreamKindOf(request.Workload) switch
        {
            StreamKind.WindowedAverage => request.Dimension,
            StreamKind.ConcatenatedFrequencies => 2,
            _ => 1,
        };
        var tuning = request.TuningIterations;
        var file = NumpyTextFile.ReadDataSet(path, request.Nodes, tuning, File.Exists(schedule) ? schedule : null, pointLength);
        var needed = (long)(tuning + request.Iterations) * request.Nodes;
        if (file.RowCount < needed)
        {
            throw new DataFormatException(path, null,
                $"{file.RowCount} rows; {tuning} tuning + {request.Iterations} monitored iterations × {request.Nodes} nodes need {needed} (use a smaller --iterations).");
        }

        var data = file.RowCount == needed
            ? file
            : new DataSet(file.Slice(0, (int)needed).Values.ToArray(), file.PointLength, file.Slice(0, (int)needed).NodeSchedule.ToArray(), file.NodeCount, file.TuningRowCount);
        return new ReferenceData(data, tuning, path);
    }

    private static string RequireFile(string folder, string name, string nodeType)
    {
        var path = Path.Combine(folder, name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"--data-dir: {nodeType} needs {name}, not found in {folder} (the reference's datasets/{FolderName(nodeType)}/ layout).");
    }
}
