using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using static AutoMon.Grains.Runs.SettingBinder;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// A run a silo drives after it starts (<c>--function F</c>, or its alias <c>--experiment F</c>): the
/// <see cref="RunDefinition"/> every command shares, plus what only a silo-hosted experiment needs — its id, where its
/// results go (a folder, S3), where its data comes from on S3, and how long to wait for the cluster.
/// </summary>
public sealed record ExperimentRequest
{
    /// <summary>What runs.</summary>
    public required RunDefinition Run { get; init; }

    /// <summary>Experiment id (null: the function and a timestamp).</summary>
    public string? ExperimentId { get; init; }

    /// <summary>Where to write summary.json, sync_history.csv and function_values.csv (null: print the summary only).</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Wait until the cluster has this many active silos before starting (a coordinator waiting for node silos).</summary>
    public int WaitForSilos { get; init; }

    /// <summary>How long to wait for <see cref="WaitForSilos"/> silos (cloud tasks take minutes to start and pull the image).</summary>
    public TimeSpan SiloWaitTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Lockstep look-ahead cap in rounds.</summary>
    public int Lookahead { get; init; } = 64;

    /// <summary>Upload the result files to this <c>s3://bucket/prefix/</c> when done (summary.json last; error.txt on failure).</summary>
    public string? ResultsS3Uri { get; init; }

    /// <summary>The results bucket's region.</summary>
    public string? ResultsS3Region { get; init; }

    /// <summary>Another S3 endpoint for every S3 folder (e.g. a local emulator).</summary>
    public string? S3ServiceUrl { get; init; }

    /// <summary>Download this <c>s3://</c> folder (the launcher's upload of a datasets/ folder) and use it as the data directory.</summary>
    public string? DataS3Uri { get; init; }

    /// <summary>The data bucket's region.</summary>
    public string? DataS3Region { get; init; }

    /// <summary>Download the one .npz under this <c>s3://</c> folder and use it as the weights.</summary>
    public string? WeightsS3Uri { get; init; }

    /// <summary>The weights bucket's region.</summary>
    public string? WeightsS3Region { get; init; }

    /// <summary>
    /// A coordinator silo that stands by for another one running this experiment (<see cref="CoordinatorStandby"/>): it
    /// runs the experiment only when that silo dies before the results are in <see cref="ResultsS3Uri"/>.
    /// </summary>
    public bool Standby { get; init; }

    /// <summary>The function as given.</summary>
    public string Workload => Run.Function ?? string.Empty;

    /// <summary>See <see cref="RunDefinition.DataDirectory"/>.</summary>
    public string? DataDirectory => Run.DataDirectory;

    /// <summary>See <see cref="RunDefinition.Weights"/>.</summary>
    public string? WeightsPath => Run.Weights;

    /// <summary>Where the results go on S3 (null: nowhere).</summary>
    public S3Folder? ResultsS3 => Folder(ResultsS3Uri, ResultsS3Region, "--results-s3-uri");

    /// <summary>Where the data comes from on S3 (null: not from S3).</summary>
    public S3Folder? DataS3 => Folder(DataS3Uri, DataS3Region, "--data-s3-uri");

    /// <summary>Where the weights come from on S3 (null: not from S3).</summary>
    public S3Folder? WeightsS3 => Folder(WeightsS3Uri, WeightsS3Region, "--weights-s3-uri");

    /// <summary>The experiment id to use.</summary>
    public string EffectiveExperimentId =>
        ExperimentId ?? string.Create(CultureInfo.InvariantCulture, $"{Run.FunctionName ?? Workload}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");

    /// <summary>The settings of a silo-hosted experiment besides its run (section <c>Experiment</c>, as the run's).</summary>
    public static IReadOnlyList<Setting<ExperimentRequest>> Settings { get; } =
    [
        new Setting<ExperimentRequest, string?>("experiment-id", "Experiment id (default: the function and the time).",
            r => r.ExperimentId, (r, v) => r with { ExperimentId = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, string?>("output", "Folder for summary.json, sync_history.csv and function_values.csv.",
            r => r.OutputDirectory, (r, v) => r with { OutputDirectory = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, int>("wait-for-silos", "Wait until the cluster has this many active silos before starting.",
            r => r.WaitForSilos, (r, v) => r with { WaitForSilos = v }, ParseInt, SettingText.Format),
        new Setting<ExperimentRequest, TimeSpan>("silo-wait-timeout", "How long to wait for --wait-for-silos (default 20m).",
            r => r.SiloWaitTimeout, (r, v) => r with { SiloWaitTimeout = v }, ParseDuration, SettingText.FormatDuration),
        new Setting<ExperimentRequest, int>("lookahead", "Lockstep: rounds a step may look ahead (0: one round per step; default 64).",
            r => r.Lookahead, (r, v) => r with { Lookahead = v }, ParseInt, SettingText.Format),
        new Setting<ExperimentRequest, string?>("results-s3-uri", "Upload the result files to s3://BUCKET/PREFIX/ when done (summary.json last; error.txt if it fails).",
            r => r.ResultsS3Uri, (r, v) => r with { ResultsS3Uri = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, string?>("results-s3-region", "The results bucket's AWS region.",
            r => r.ResultsS3Region, (r, v) => r with { ResultsS3Region = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, string?>("s3-service-url", "S3 endpoint URL, e.g. a local emulator.",
            r => r.S3ServiceUrl, (r, v) => r with { S3ServiceUrl = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, string?>("data-s3-uri", "Download s3://BUCKET/PREFIX/ (the launcher's upload of a datasets/ folder) and use it as --data-dir.",
            r => r.DataS3Uri, (r, v) => r with { DataS3Uri = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, string?>("data-s3-region", "The data bucket's AWS region.",
            r => r.DataS3Region, (r, v) => r with { DataS3Region = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, string?>("weights-s3-uri", "mlp/dnn: download the one .npz under s3://BUCKET/PREFIX/ and use it as --weights.",
            r => r.WeightsS3Uri, (r, v) => r with { WeightsS3Uri = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, string?>("weights-s3-region", "The weights bucket's AWS region.",
            r => r.WeightsS3Region, (r, v) => r with { WeightsS3Region = v }, ParseText, v => v!),
        new Setting<ExperimentRequest, bool>("standby", "Coordinator silos: stand by while another coordinator silo runs this experiment; run it here only if that silo dies before its results are in --results-s3-uri (the AWS deployment's --coordinator-standby).",
            r => r.Standby, (r, v) => r with { Standby = v }, ParseBool, v => v ? "true" : "false"),
    ];

    /// <summary>The request's defaults (for writing command lines: what equals them is left out).</summary>
    public static ExperimentRequest Defaults { get; } = new() { Run = RunDefinition.Defaults };

    /// <summary>The command line of this request: the run's settings, then the hosting ones.</summary>
    public IEnumerable<string> ToArguments() =>
        RunSettings.ToArguments(Run).Concat(SettingBinder.ToArguments(Settings, this, Defaults));

    /// <summary>Every problem with the request, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(Run.Validate());
        if (Run.Adaptive)
        {
            problems.Add("--adaptive runs on the simulation engine (and simulate) only; silos run the paper's protocol");
        }

        if (Run.Protocol != MonitoringProtocol.AutoMon)
        {
            problems.Add($"--protocol {Run.Protocol.Name()} runs on the simulation engine (and simulate) only; silos run AutoMon");
        }
        if (S3ServiceUrl is { } url && !System.Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            problems.Add($"--s3-service-url '{url}' is not an absolute URL");
        }

        CheckFolder(ResultsS3Uri, ResultsS3Region, "--results-s3-uri", "--results-s3-region", problems);
        CheckFolder(DataS3Uri, DataS3Region, "--data-s3-uri", "--data-s3-region", problems);
        CheckFolder(WeightsS3Uri, WeightsS3Region, "--weights-s3-uri", "--weights-s3-region", problems);
        if (S3ServiceUrl is not null && ResultsS3Uri is null && DataS3Uri is null && WeightsS3Uri is null)
        {
            problems.Add("--s3-service-url goes with --results-s3-uri, --data-s3-uri or --weights-s3-uri");
        }

        if (Run.Weights is not null && WeightsS3Uri is not null)
        {
            problems.Add("give --weights or --weights-s3-uri, not both");
        }

        if (Run.DataDirectory is not null && DataS3Uri is not null)
        {
            problems.Add("give --data-dir or --data-s3-uri, not both");
        }

        // Data downloaded from S3 becomes the data directory, so skipping applies to it too.
        problems.RemoveAll(p => DataS3Uri is not null && p.StartsWith("--skip-iterations applies", StringComparison.Ordinal));
        if (WaitForSilos < 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--wait-for-silos must not be negative; got {WaitForSilos}"));
        }

        if (Lookahead < 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"--lookahead must not be negative; got {Lookahead}"));
        }

        if (Standby && ResultsS3Uri is null)
        {
            problems.Add("--standby needs --results-s3-uri: the standby learns there whether the active coordinator silo finished");
        }

        if (SiloWaitTimeout <= TimeSpan.Zero)
        {
            problems.Add($"--silo-wait-timeout must be positive; got {SettingText.FormatDuration(SiloWaitTimeout)}");
        }

        return problems;
    }

    /// <summary>This request once its S3 data folder is downloaded into <paramref name="folder"/>: a data directory from now on.</summary>
    public ExperimentRequest WithDownloadedData(string folder) =>
        WithoutUnusedServiceUrl(this with { Run = Run with { DataDirectory = folder }, DataS3Uri = null, DataS3Region = null });

    /// <summary>This request once its S3 weights are downloaded to <paramref name="path"/>: a weights file from now on.</summary>
    public ExperimentRequest WithDownloadedWeights(string path) =>
        WithoutUnusedServiceUrl(this with { Run = Run with { Weights = path }, WeightsS3Uri = null, WeightsS3Region = null });

    private static ExperimentRequest WithoutUnusedServiceUrl(ExperimentRequest request) =>
        request.ResultsS3Uri is null && request.DataS3Uri is null && request.WeightsS3Uri is null ? request with { S3ServiceUrl = null } : request;

    /// <summary>The experiment's configuration and its data: generated, or read from <see cref="DataDirectory"/>.</summary>
    /// <exception cref="ArgumentException">Settings that do not fit the function.</exception>
    /// <exception cref="IOException">A data folder or file is missing (the message names it).</exception>
    /// <exception cref="DataFormatException">A data file is malformed or too short.</exception>
    public (ExperimentConfig Config, DataSet Data) Build()
    {
        var inputs = RunInputs.Load(Run);
        return (inputs.ToExperimentConfig(Run), inputs.Data);
    }

    private S3Folder? Folder(string? uri, string? region, string option) =>
        uri is not null && S3Folder.TryParse(uri, out var folder, out _, option) ? folder with { Region = region, ServiceUrl = S3ServiceUrl } : null;

    private void CheckFolder(string? uri, string? region, string uriOption, string regionOption, List<string> problems)
    {
        if (uri is null)
        {
            if (region is not null)
            {
                problems.Add($"{regionOption} goes with {uriOption}");
            }

            return;
        }

        if (!S3Folder.TryParse(uri, out _, out var problem, uriOption))
        {
            problems.Add(problem!);
        }
        else if (region is null && S3ServiceUrl is null)
        {
            problems.Add($"{uriOption} needs {regionOption} (the bucket's region)");
        }
    }
}
