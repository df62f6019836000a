using AutoMon.Grains.Runs;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Placement;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Silos.Hosting;

namespace AutoMon.Silos.Tests;

public sealed class ExperimentCommandLineTests
{
    [Fact]
    public void Experiment_options_reach_the_request()
    {
        Assert.True(SiloCommandLine.TryParse(
        [
            "--role", "all-in-one", "--experiment", "quadratic", "--nodes", "7", "--iterations", "50", "--dim", "6", "--window", "9",
            "--error-bound", "0.25", "--sync", "eager", "--slack", "none", "--seed", "4", "--pacing", "paced", "--round-interval", "20ms",
            "--lazy-sync-latency", "3ms", "--full-sync-latency", "0.5s", "--wan-latency", "25ms", "--experiment-id", "q1",
            "--output", "out", "--wait-for-silos", "3", "--lookahead", "8",
        ], out var options, out var problems), string.Join("; ", problems));

        var request = Assert.IsType<ExperimentRequest>(options.Experiment);
        Assert.Equal("quadratic", request.Workload);
        Assert.Equal((7, 50, 6, 9, 0.25), (request.Run.Nodes, request.Run.Iterations, request.Run.Dimension, request.Run.Window, request.Run.ErrorBound));
        Assert.Equal((SyncType.Eager, SlackType.NoSlack, 4), (request.Run.Sync, request.Run.Slack, request.Run.Seed));
        Assert.Equal(Pacing.Paced, request.Run.Pacing);
        Assert.Equal(TimeSpan.FromMilliseconds(20), request.Run.RoundInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(3), request.Run.LazySyncLatency);
        Assert.Equal(TimeSpan.FromMilliseconds(500), request.Run.FullSyncLatency);
        Assert.Equal(TimeSpan.FromMilliseconds(25), request.Run.WanLatency);
        Assert.Equal(("q1", "out", 3, 8), (request.ExperimentId, request.OutputDirectory, request.WaitForSilos, request.Lookahead));
    }

    [Fact]
    public void A_silo_without_experiment_options_runs_none()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one"], out var options, out _));

        Assert.Null(options.Experiment);
    }

    [Theory]
    [InlineData("--wan-latency", "25 parsecs")]
    [InlineData("--round-interval", "-5ms")]
    public void A_duration_that_is_not_one_is_an_error_naming_the_option(string option, string value)
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--experiment", "inner_product", option, value], out _, out var problems));

        Assert.Contains(problems, p => p.Contains(option, StringComparison.Ordinal) && p.Contains(value, StringComparison.Ordinal));
    }

    [Fact]
    public void A_request_builds_the_workloads_data_and_config()
    {
        var (config, data) = new ExperimentRequest { Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = "quadratic", Nodes = 3, Iterations = 30, Dimension = 4, Window = 5, Seed = 2 } }.Build();

        Assert.Equal(3, config.NodeCount);
        Assert.Equal(StreamKind.WindowedAverage, config.StreamKind);
        Assert.Equal(16, config.Function.HMatrix.Length);
        Assert.Equal(DataGenerators.QuadraticHMatrix(4, 2)[1, 2], config.Function.HMatrix[6]);
        Assert.Equal(3 * 30, data.RowCount);
    }

    [Fact]
    public void An_unknown_workload_is_an_error_listing_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => new ExperimentRequest { Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = "no_such" } }.Build());

        Assert.Contains("--function 'no_such' is unknown; known functions:", error.Message, StringComparison.Ordinal);
        Assert.Contains("inner_product", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_silo_metadata_keys_are_the_ones_placement_reads()
    {
        Assert.Equal(AutoMonSiloMetadata.Role, SiloMetadataKeys.Role);
        Assert.Equal(AutoMonSiloMetadata.CoordinatorRole, SiloMetadataKeys.RoleName(SiloRole.Coordinator));
        Assert.Equal(AutoMonSiloMetadata.NodeRole, SiloMetadataKeys.RoleName(SiloRole.Node));
        Assert.Equal(AutoMonSiloMetadata.AllInOneRole, SiloMetadataKeys.RoleName(SiloRole.AllInOne));
    }

    [Fact]
    public void Data_file_options_reach_the_request()
    {
        Assert.True(SiloCommandLine.TryParse(
        [
            "--role", "all-in-one", "--experiment", "kld", "--data-s3-uri", "s3://automon-experiment-results/run-1/datasets",
            "--data-s3-region", "us-east-2", "--skip-iterations", "300",
        ], out var options, out var problems), string.Join("; ", problems));

        var request = Assert.IsType<ExperimentRequest>(options.Experiment);
        Assert.Equal(("automon-experiment-results", "run-1/datasets/", "us-east-2"), (request.DataS3!.Bucket, request.DataS3.Prefix, request.DataS3.Region));
        Assert.Equal(300, request.Run.SkipIterations);
        Assert.Null(request.DataDirectory);
    }

    [Theory]
    [InlineData("give --data-dir or --data-s3-uri, not both", "--data-dir", "d", "--data-s3-uri", "s3://bucket/p/", "--data-s3-region", "us-east-2")]
    [InlineData("--data-s3-uri needs --data-s3-region", "--data-s3-uri", "s3://bucket/p/")]
    [InlineData("--data-s3-uri 'bucket/p/' does not start with s3://", "--data-s3-uri", "bucket/p/", "--data-s3-region", "us-east-2")]
    [InlineData("--skip-iterations applies to data files", "--skip-iterations", "300")]
    [InlineData("--skip-iterations must not be negative", "--data-dir", "d", "--skip-iterations", "-1")]
    public void Data_options_that_do_not_fit_are_errors_naming_them(string problem, params string[] options)
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--experiment", "kld", .. options], out _, out var problems));

        Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void A_silo_refuses_a_competitor_protocol_naming_the_option()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--experiment", "variance", "--protocol", "gm"], out _, out var problems));

        Assert.Contains("--protocol gm runs on the simulation engine (and simulate) only; silos run AutoMon", problems);
    }

    [Fact]
    public void A_standby_reads_back_from_its_command_line_and_needs_a_results_folder_and_the_coordinator_role()
    {
        string[] standby = ["--role", "coordinator", "--membership", "localhost", "--function", "inner_product", "--standby", "--results-s3-uri", "s3://bucket/r/", "--results-s3-region", "us-east-2"];
        Assert.True(SiloCommandLine.TryParse(standby, out var options, out var problems), string.Join("; ", problems));
        Assert.True(options.Experiment!.Standby);
        Assert.True(SiloCommandLine.TryParse([.. SiloCommandLine.ToArguments(options)], out var again, out problems), string.Join("; ", problems));
        Assert.Equal(options.Experiment, again.Experiment);

        Assert.False(SiloCommandLine.TryParse(["--role", "coordinator", "--membership", "localhost", "--function", "inner_product", "--standby"], out _, out problems));
        Assert.Contains(problems, p => p.StartsWith("--standby needs --results-s3-uri", StringComparison.Ordinal));
        Assert.False(SiloCommandLine.TryParse(["--role", "node", .. standby.Skip(2)], out _, out problems));
        Assert.Contains(problems, p => p.StartsWith("--standby applies to a coordinator silo", StringComparison.Ordinal));
        Assert.False(SiloCommandLine.TryParse(["--role", "coordinator", "--membership", "localhost", "--standby"], out _, out problems));
        Assert.Contains(problems, p => p.Contains("--standby applies to an --experiment", StringComparison.Ordinal));
    }

    [Fact]
    public void Data_options_without_an_experiment_are_errors()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--data-dir", "d"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--data-dir applies to an --experiment", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_data_folder_is_named_when_the_request_builds()
    {
        var missing = Path.Combine(Path.GetTempPath(), "automon-no-such-" + Guid.NewGuid().ToString("N"));
        var request = new ExperimentRequest { Run = RunDefinition.Defaults with { Function = "inner_product", Nodes = 2, Iterations = 10, Dimension = 2, Window = 2, DataDirectory = missing } };

        var error = Assert.Throws<DirectoryNotFoundException>(() => request.Build());

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
