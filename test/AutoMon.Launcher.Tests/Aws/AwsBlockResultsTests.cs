using System.Globalization;
using System.Text.Json;
using AutoMon.Launcher.Aws;
using AutoMon.Launcher.Experiments;
using AutoMon.Launcher.Results;
using SkiaSharp;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>Two real coordinator runs (ε = 0.3 and 0.5), made once for the tests of <see cref="AwsBlockResultsTests"/>.</summary>
public sealed class CoordinatorRunsFixture : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "automon-aws-runs-" + Guid.NewGuid().ToString("N"));

    internal IReadOnlyList<CoordinatorResults.Run> Runs { get; private set; } = [];

    public async Task InitializeAsync() => Runs = await CoordinatorResults.RunAsync(Folder, 0.3, 0.5);

    public Task DisposeAsync()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// <c>--block</c> after the download: results.csv and the figures from what the coordinators uploaded, as a local sweep
/// leaves them. The uploads are real coordinator files (<see cref="CoordinatorResults"/>) put into the moto server's bucket.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsBlockResultsTests(MotoServerFixture moto, CoordinatorRunsFixture runs) : MotoAccountTests(moto), IClassFixture<CoordinatorRunsFixture>
{
    private string Results => Path.Combine(Folder, "results");

    private async Task UploadAllAsync()
    {
        foreach (var run in runs.Runs)
        {
            await CoordinatorResults.UploadAsync(Session, run.ErrorBound, run.Folder);
        }
    }

    private async Task<(int Code, string Output, string Error)> BlockAsync()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await LauncherApp.RunAsync(
        [
            "--node-type", CoordinatorResults.Workload, "--target", "aws", "--error-bounds", "0.3,0.5", "--block", "--output", Results,
            "--aws-endpoint", Moto.Endpoint.ToString(), "--credentials-csv", CredentialsCsv,
        ], output, error);
        return (code, output.ToString(), error.ToString());
    }

    private List<Dictionary<string, string>> ResultsCsv()
    {
        var lines = File.ReadAllLines(Path.Combine(Results, ExperimentSweep.ResultsCsv));
        Assert.Equal(SweepRow.CsvHeader, lines[0]);
        var names = lines[0].Split(',');
        return lines.Skip(1).Select(l => names.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);

    private static double Double(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Block_with_every_result_in_S3_downloads_them_without_provisioning()
    {
        await UploadAllAsync();

        var (code, output, error) = await BlockAsync();

        Assert.True(code == 0, error);
        Assert.Contains("not started again", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Results, "error_bound_0.5", "coordinator", "function_values.csv")));
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.NodesRegion));
        Assert.Empty(await MotoAws.ActiveClustersAsync(Session, MotoAws.CoordinatorRegion));
    }

    [Fact]
    public async Task Block_writes_one_results_csv_row_per_experiment_with_the_coordinators_counts()
    {
        await UploadAllAsync();

        var (code, _, error) = await BlockAsync();

        Assert.True(code == 0, error);
        var rows = ResultsCsv();
        Assert.Equal(["0.3", "0.5"], rows.Select(r => r["error_bound"]));
        foreach (var run in runs.Runs)
        {
            var row = rows.Single(r => Double(r["error_bound"]) == run.ErrorBound);
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(run.Folder, "summary.json")));
            var json = summary.RootElement;
            Assert.Equal(json.GetProperty("max_error").GetDouble(), Double(row["max_error"]));
            Assert.Equal(json.GetProperty("mean_error").GetDouble(), Double(row["mean_error"]));
            Assert.Equal(json.GetProperty("total_msgs_broadcast_disabled").GetInt64(), Long(row["messages"]));
            Assert.Equal(json.GetProperty("protocol_bytes").GetInt64(), Long(row["payload_bytes"]));
            Assert.Equal(json.GetProperty("wire_bytes").GetInt64(), Long(row["wire_bytes"]));
            Assert.Equal(json.GetProperty("rounds").GetInt64(), Long(row["rounds"]));
            Assert.Equal(json.GetProperty("full_syncs").GetInt64(), Long(row["full_syncs"]));
            Assert.Equal(json.GetProperty("lazy_syncs").GetInt64(), Long(row["lazy_syncs"]));
            Assert.Equal("error_bound_" + row["error_bound"], row["folder"]);
        }

        // Different error bounds cost differently: the rows are not one summary copied twice.
        Assert.NotEqual(rows[0]["messages"], rows[1]["messages"]);
    }

    [Fact]
    public async Task Block_computes_the_baselines_the_coordinators_own_result_has()
    {
        await UploadAllAsync();

        var (code, _, error) = await BlockAsync();

        Assert.True(code == 0, error);
        var rows = ResultsCsv();
        foreach (var run in runs.Runs)
        {
            var row = rows.Single(r => Double(r["error_bound"]) == run.ErrorBound);
            var summary = run.Result.Summary;
            Assert.Equal(summary.Centralization.Messages, Long(row["centralization_messages"]));
            Assert.Equal(summary.Centralization.Bytes, Long(row["centralization_bytes"]));
            Assert.Equal(summary.Periodic.Period, Long(row["periodic_period"]));
            Assert.Equal(summary.Periodic.MaxError, Double(row["periodic_max_error"]));
            Assert.Equal(summary.PeriodicOracle.Period, Long(row["periodic_oracle_period"]));
            Assert.Equal(summary.PeriodicOracle.Messages, Long(row["periodic_oracle_messages"]));
        }
    }

    [Fact]
    public async Task Block_draws_the_sweep_figures_and_each_error_bounds_function_values_and_says_where()
    {
        await UploadAllAsync();

        var (code, output, error) = await BlockAsync();

        Assert.True(code == 0, error);
        string[] figures =
        [
            Path.Combine(Results, ExperimentSweep.ErrorVsMessagesPng),
            Path.Combine(Results, ExperimentSweep.ErrorVsBytesPng),
            Path.Combine(Results, ExperimentSweep.FunctionValuesPng),
            Path.Combine(Results, "error_bound_0.3", ExperimentSweep.FunctionValuesPng),
            Path.Combine(Results, "error_bound_0.5", ExperimentSweep.FunctionValuesPng),
        ];
        foreach (var figure in figures)
        {
            Assert.Contains(figure, output, StringComparison.Ordinal);
            using var codec = SKCodec.Create(figure);
            Assert.NotNull(codec);
            Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
            Assert.Equal((Figures.Width, Figures.Height), (codec.Info.Width, codec.Info.Height));
        }

        // Without checkpoints (lockstep coordinators), no checkpoint figure.
        Assert.False(File.Exists(Path.Combine(Results, "error_bound_0.3", ExperimentSweep.CheckpointValuesPng)));

        // The summary table, as a local sweep prints it, with the paper's AWS points beside ours: ε = 0.3 is published.
        Assert.Contains(SweepDisplay.PaperMaxErrorColumn, output, StringComparison.Ordinal);
        var cells = Assert.Single(output.Split('\n'), l => l.Split('|').Length > 2 && l.Split('|')[1].Trim() == "0.3").Split('|')[1..^1].Select(c => c.Trim()).ToArray();
        Assert.True(PaperAwsResults.TryGet(CoordinatorResults.Workload, 0.3, out var paper));
        Assert.Equal([paper.MaxError.ToString("G4", CultureInfo.InvariantCulture), paper.Messages.ToString("N0", CultureInfo.InvariantCulture)], cells[^2..]);
    }

    [Fact]
    public async Task A_corrupt_summary_is_named_and_the_other_experiments_are_still_written()
    {
        await CoordinatorResults.UploadAsync(Session, 0.3, runs.Runs.Single(r => r.ErrorBound == 0.3).Folder);
        await CoordinatorResults.UploadAsync(Session, 0.5, runs.Runs.Single(r => r.ErrorBound == 0.5).Folder, "{\"max_error\": 0.1,");

        var (code, _, error) = await BlockAsync();

        Assert.Equal(1, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: inner-product_0-5: ", line, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Results, "error_bound_0.5", "coordinator", "summary.json") + " is not valid JSON", line, StringComparison.Ordinal);
        Assert.Equal(["0.3"], ResultsCsv().Select(r => r["error_bound"]));
        Assert.True(File.Exists(Path.Combine(Results, ExperimentSweep.ErrorVsMessagesPng)));
        Assert.True(File.Exists(Path.Combine(Results, "error_bound_0.3", ExperimentSweep.FunctionValuesPng)));
        Assert.False(File.Exists(Path.Combine(Results, "error_bound_0.5", ExperimentSweep.FunctionValuesPng)));
    }

    [Fact]
    public void A_missing_summary_is_named_and_the_other_experiments_are_still_written()
    {
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = CoordinatorResults.Nodes }) with { ErrorBounds = [0.3, 0.5] };
        foreach (var run in runs.Runs)
        {
            var coordinator = Path.Combine(Results, "error_bound_" + AwsNaming.PythonFloat(run.ErrorBound), AwsSweepResults.CoordinatorFolder);
            Directory.CreateDirectory(coordinator);
            foreach (var file in Directory.GetFiles(run.Folder))
            {
                File.Copy(file, Path.Combine(coordinator, Path.GetFileName(file)));
            }
        }

        File.Delete(Path.Combine(Results, "error_bound_0.3", "coordinator", "summary.json"));

        var outcome = AwsSweepResults.Write(plan, ExperimentPresets.Get(plan.NodeType), Results);

        var failure = Assert.Single(outcome.Failures);
        Assert.Contains(Path.Combine(Results, "error_bound_0.3", "coordinator", "summary.json") + " is missing", failure, StringComparison.Ordinal);
        Assert.Equal([0.5], outcome.Rows.Select(r => r.ErrorBound));
        Assert.Equal(["0.5"], ResultsCsv().Select(r => r["error_bound"]));
    }

    private const string FailureText = "Unknown workload 'cubic'.\n   at AutoMon.Silos.Hosting.ExperimentRequest.Build()";

    /// <summary>The ε = 0.3 coordinator uploaded its results, the ε = 0.5 one its error.txt; then the --block wait.</summary>
    private async Task<(AwsExperimentPlan Plan, AwsDownloadedResults Downloaded)> WaitWithOneFailedAsync()
    {
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = CoordinatorResults.Nodes }) with { ErrorBounds = [0.3, 0.5] };
        await CoordinatorResults.UploadAsync(Session, 0.3, runs.Runs.Single(r => r.ErrorBound == 0.3).Folder);
        await MotoAws.PutResultAsync(Session, plan.Experiments[1].ErrorMarkerKey, FailureText);
        var downloaded = await new AwsExperimentProvisioner(Session).WaitForResultsAsync(plan, Results,
            new AwsWaitOptions { PollInterval = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromSeconds(30) });
        return (plan, downloaded);
    }

    [Fact]
    public async Task The_wait_reports_a_failed_experiment_as_finished_and_failed()
    {
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = CoordinatorResults.Nodes }) with { ErrorBounds = [0.3, 0.5] };
        await CoordinatorResults.UploadAsync(Session, 0.3, runs.Runs.Single(r => r.ErrorBound == 0.3).Folder);
        await MotoAws.PutResultAsync(Session, plan.Experiments[1].ErrorMarkerKey, FailureText);
        var reports = new List<AwsResultsProgress>();

        await new AwsExperimentProvisioner(Session).WaitForResultsAsync(plan, Results, new AwsWaitOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10),
            Timeout = TimeSpan.FromSeconds(30),
            Progress = new SynchronousProgress<AwsResultsProgress>(reports.Add),
        });

        Assert.Equal("2/2 experiments finished (1 failed)", reports[^1].Describe());
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [Fact]
    public async Task The_wait_stops_waiting_for_an_experiment_whose_coordinator_uploaded_an_error_and_reports_its_text()
    {
        var (_, downloaded) = await WaitWithOneFailedAsync();

        var failed = Assert.Single(downloaded.Failed);
        Assert.Equal(("inner-product_0-5", FailureText), (failed.Key, failed.Value));
        Assert.True(File.Exists(Path.Combine(Results, "error_bound_0.3", "coordinator", "summary.json")));
    }

    [Fact]
    public async Task A_failed_experiment_is_one_error_line_with_its_text_and_exit_code_1_and_the_others_are_still_plotted()
    {
        var (plan, downloaded) = await WaitWithOneFailedAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = Commands.AwsTarget.ReportResults(plan, downloaded, Results, output, error);

        Assert.Equal(1, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: inner-product_0-5 failed on AWS (s3://automon-experiment-results/max_error_vs_comm_inner_product_aws/" +
                     "error_bound_0.5/coordinator/error.txt): Unknown workload 'cubic'.    at AutoMon.Silos.Hosting.ExperimentRequest.Build()",
            line.TrimEnd('\r'));
        Assert.Contains("inner-product_0-5: failed on AWS: Unknown workload 'cubic'.", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(["0.3"], ResultsCsv().Select(r => r["error_bound"]));
        Assert.True(File.Exists(Path.Combine(Results, ExperimentSweep.ErrorVsMessagesPng)));
        Assert.True(File.Exists(Path.Combine(Results, "error_bound_0.3", ExperimentSweep.FunctionValuesPng)));
    }

    [Fact]
    public async Task Starting_an_experiment_again_removes_the_error_report_of_its_earlier_attempt()
    {
        var plan = MotoAws.Plan(host: AwsCoordinatorHost.Fargate) with { ErrorBounds = [0.5] };
        await MotoAws.PutResultAsync(Session, plan.Experiments[0].ErrorMarkerKey, FailureText);

        await new AwsExperimentProvisioner(Session).ProvisionAsync(plan, MotoAws.FastProvision with { SkipExperimentsWithResults = true });

        Assert.Empty(await new AwsExperimentProvisioner(Session).FindFailedExperimentsAsync(plan));
        Assert.Single(await MotoAws.RunningTasksAsync(Session, MotoAws.CoordinatorRegion));
    }

    /// <summary>Copies the ε = 0.3 run's files where --block downloads them; returns its summary.json there.</summary>
    private string DownloadedSummaryOfTheFirstRun()
    {
        var coordinator = Path.Combine(Results, "error_bound_0.3", AwsSweepResults.CoordinatorFolder);
        Directory.CreateDirectory(coordinator);
        foreach (var file in Directory.GetFiles(runs.Runs.Single(r => r.ErrorBound == 0.3).Folder))
        {
            File.Copy(file, Path.Combine(coordinator, Path.GetFileName(file)));
        }

        return Path.Combine(coordinator, "summary.json");
    }

    [Fact]
    public void A_download_with_settled_checkpoints_gets_their_figure_beside_the_function_values()
    {
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = CoordinatorResults.Nodes }) with { ErrorBounds = [0.3] };
        var coordinator = Path.GetDirectoryName(DownloadedSummaryOfTheFirstRun())!;
        var checkpoints = File.ReadAllLines(Path.Combine(coordinator, "function_values.csv")).Take(4);
        File.WriteAllLines(Path.Combine(coordinator, "checkpoint_values.csv"), checkpoints);

        var outcome = AwsSweepResults.Write(plan, ExperimentPresets.Get(plan.NodeType), Results);

        var figure = Path.Combine(Results, "error_bound_0.3", ExperimentSweep.CheckpointValuesPng);
        Assert.Contains(figure, outcome.Figures);
        using var codec = SKCodec.Create(figure);
        Assert.NotNull(codec);
        Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
    }

    [Fact]
    public void A_paced_run_gets_no_periodic_baseline_and_centralisation_counts_its_data_updates()
    {
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = CoordinatorResults.Nodes }) with { ErrorBounds = [0.3] };
        var summary = DownloadedSummaryOfTheFirstRun();
        File.WriteAllText(summary, File.ReadAllText(summary).Replace("\"pacing\": \"lockstep\"", "\"pacing\": \"paced\"", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(summary));
        Assert.Equal("paced", json.RootElement.GetProperty("pacing").GetString());

        var outcome = AwsSweepResults.Write(plan, ExperimentPresets.Get(plan.NodeType), Results);

        var row = Assert.Single(ResultsCsv());
        Assert.Equal(json.RootElement.GetProperty("data_updates").GetInt64(), Long(row["centralization_messages"]));
        Assert.Equal("", row["periodic_period"]);
        Assert.Equal("", row["periodic_oracle_period"]);
        Assert.Contains(outcome.Notes, n => n.Contains("no periodic curve: the runs were paced", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Results, ExperimentSweep.ErrorVsMessagesPng)));
    }

    [Fact]
    public void A_summary_without_a_count_names_the_field_and_the_file()
    {
        var plan = MotoAws.Plan().WithRun(r => r with { Nodes = CoordinatorResults.Nodes }) with { ErrorBounds = [0.3] };
        var summary = DownloadedSummaryOfTheFirstRun();
        File.WriteAllText(summary, File.ReadAllText(summary).Replace("\"total_msgs_broadcast_disabled\"", "\"renamed\"", StringComparison.Ordinal));

        var outcome = AwsSweepResults.Write(plan, ExperimentPresets.Get(plan.NodeType), Results);

        Assert.Equal($"inner-product_0-3: {summary} has no 'total_msgs_broadcast_disabled'.", Assert.Single(outcome.Failures));
        Assert.Empty(outcome.Rows);
        Assert.False(File.Exists(Path.Combine(Results, ExperimentSweep.ResultsCsv)));
    }
}
