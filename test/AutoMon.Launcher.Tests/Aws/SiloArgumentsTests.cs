using AutoMon.Grains.Runs;
using AutoMon.Grains.Experiments;
using AutoMon.Launcher.Aws;
using AutoMon.Launcher.Commands;
using AutoMon.Silos.Hosting;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// The command lines the launcher gives the AWS silos, read by the silo host's own parser: the coordinator's runs the
/// experiment of its error bound, paced as the seed's AWS runs, and uploads the results where <c>--block</c> looks.
/// </summary>
public sealed class SiloArgumentsTests
{
    private static AwsExperimentPlan Plan(string nodeType) => AwsExperimentPlan.ForPaperWorkload(nodeType, "run-1");

    // The image's entrypoint adds the address only the running container knows.
    private static SiloHostOptions Parse(IReadOnlyList<string> arguments)
    {
        Assert.True(SiloCommandLine.TryParse([.. arguments, "--address", "10.0.0.7"], out var options, out var problems),
            string.Join("; ", problems));
        return options;
    }

    private static ExperimentRequest CoordinatorExperiment(AwsExperimentPlan plan, int experiment = 0)
    {
        var options = Parse(SiloEnvironment.CoordinatorArguments(plan, plan.Experiments[experiment], plan.CoordinatorRegion));
        Assert.Equal(SiloRole.Coordinator, options.Role);
        return Assert.IsType<ExperimentRequest>(options.Experiment);
    }

    [Theory]
    [InlineData("inner_product")]
    [InlineData("quadratic")]
    [InlineData("kld")]
    [InlineData("dnn")]
    public void Coordinator_runs_its_error_bounds_experiment_with_the_plans_settings(string nodeType)
    {
        var plan = Plan(nodeType);

        var request = CoordinatorExperiment(plan, 1);

        Assert.Equal(plan.ErrorBounds[1], request.Run.ErrorBound);
        Assert.Equal(plan.Run.Nodes, request.Run.Nodes);
        Assert.Equal(plan.Run.Iterations, request.Run.Iterations);
        Assert.Equal(plan.Run.Dimension, request.Run.Dimension);
        Assert.Equal(plan.Run.Window, request.Run.Window);
        Assert.Equal(0, request.Run.Seed);
        Assert.Equal(plan.Experiments[1].Name, request.ExperimentId);
        Assert.Equal(SiloEnvironment.CoordinatorOutputDirectory, request.OutputDirectory);
    }

    [Theory]
    [InlineData("inner_product", 0)]
    [InlineData("kld", 300)]
    [InlineData("dnn", 500)]
    public void With_data_files_the_coordinator_downloads_the_runs_datasets_and_skips_the_reference_tuning_rows(string nodeType, int skipped)
    {
        // The launcher's run: with --data-dir and no --skip-iterations, the preset's (ExperimentPreset.Apply).
        var run = ExperimentCommand.Parse("--node-type", nodeType, "--data-dir", "/data");
        var plan = Plan(nodeType) with
        {
            DataFiles = [new AwsDataFile("/data/file", "folder/file")],
            Run = run.Resolve(AutoMon.Launcher.Experiments.ExperimentPresets.Get(nodeType)),
        };

        var request = CoordinatorExperiment(plan);

        Assert.Equal($"s3://{plan.ResultsBucket}/run-1/datasets/", request.DataS3!.Uri);
        Assert.Equal(plan.EffectiveResultsRegion, request.DataS3.Region);
        Assert.Equal(skipped, request.Run.SkipIterations);
    }

    [Fact]
    public void Without_data_files_the_coordinator_generates_its_data()
    {
        var request = CoordinatorExperiment(Plan("kld"));

        Assert.Null(request.DataS3);
        Assert.Null(request.DataDirectory);
        Assert.Equal(0, request.Run.SkipIterations);
    }

    [Theory]
    [InlineData("inner_product")]
    [InlineData("quadratic")]
    [InlineData("kld")]
    [InlineData("dnn")]
    public void The_silo_host_can_build_each_paper_workloads_experiment(string nodeType)
    {
        var plan = Plan(nodeType);

        var (config, data) = CoordinatorExperiment(plan).Build();

        Assert.Equal(plan.Run.Nodes, data.NodeCount);
        Assert.Equal(plan.Run.Dimension, config.Function.Dimension);
        Assert.Equal(nodeType, config.Function.Name);
    }

    [Fact]
    public void Dnn_runs_on_the_silo_under_its_catalog_name()
    {
        var arguments = SiloEnvironment.CoordinatorArguments(Plan("dnn"), Plan("dnn").Experiments[0], "us-west-2");

        Assert.Equal("dnn", arguments[arguments.ToList().IndexOf("--function") + 1]);
    }

    [Fact]
    public void Coordinator_runs_paced_with_a_node_update_every_lazy_sync_latency_and_answers_at_once()
    {
        var request = CoordinatorExperiment(Plan("inner_product"));

        // The reference's LS_LATENCY paces its nodes; its coordinator does not wait.
        Assert.Equal(Pacing.Paced, request.Run.Pacing);
        Assert.Equal(TimeSpan.FromSeconds(1), request.Run.RoundInterval);
        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (request.Run.LazySyncLatency, request.Run.FullSyncLatency));
    }

    [Fact]
    public void Coordinator_latencies_given_to_the_launcher_reach_the_coordinator()
    {
        var plan = Plan("inner_product").WithRun(r => r with { LazySyncLatency = TimeSpan.FromMilliseconds(300), FullSyncLatency = TimeSpan.FromSeconds(2) });

        var request = CoordinatorExperiment(plan);

        Assert.Equal((TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2)), (request.Run.LazySyncLatency, request.Run.FullSyncLatency));
    }

    [Fact]
    public void Dnn_coordinator_takes_a_data_point_every_400_ms_in_single_sample_rounds()
    {
        var request = CoordinatorExperiment(Plan("dnn"));

        Assert.True(request.Run.SingleSampleRounds);
        Assert.Equal(TimeSpan.FromMilliseconds(400), request.Run.RoundInterval);
    }

    [Fact]
    public void A_round_interval_of_its_own_overrides_the_lazy_sync_latency()
    {
        var request = CoordinatorExperiment(Plan("inner_product").WithRun(r => r with { RoundInterval = TimeSpan.FromMilliseconds(250) }));

        Assert.Equal(TimeSpan.FromMilliseconds(250), request.Run.RoundInterval);
    }

    /// <summary>0.043 s times 10⁷ ticks per second is 429999.99999999994 in doubles: a trip through seconds loses a tick.</summary>
    [Theory]
    [InlineData("43ms")]
    [InlineData("00:00:00.0430001")]
    public void A_round_interval_given_to_the_launcher_reaches_the_coordinator_to_the_tick(string interval)
    {
        var request = ExperimentCommand.Parse("--node-type", "inner_product", "--error-bound", "0.3", "--round-interval", interval);
        var plan = AwsTarget.Plan(new AwsTarget.AwsRequest { Experiment = request });

        var coordinator = CoordinatorExperiment(plan);

        Assert.Equal(request.Run.RoundInterval, coordinator.Run.RoundInterval);
    }

    [Theory]
    [InlineData("kld", 0.005, 0.08854166666666667)]
    [InlineData("kld", 0.14, 0.2361111111111111)]
    [InlineData("dnn", 0.002, 0.017361111111111112)]
    [InlineData("dnn", 0.05, 0.041666666666666664)]
    public void Coordinator_gets_the_workloads_tuned_neighbourhood_of_its_error_bound(string nodeType, double errorBound,
        double neighborhood)
    {
        var plan = Plan(nodeType) with { ErrorBounds = [errorBound] };

        Assert.Equal(neighborhood, CoordinatorExperiment(plan).Run.Neighborhood);
    }

    [Fact]
    public void Workloads_without_tuned_neighbourhoods_get_none()
    {
        Assert.Null(CoordinatorExperiment(Plan("quadratic")).Run.Neighborhood);
    }

    [Fact]
    public void Single_sample_rounds_only_for_dnn()
    {
        Assert.False(CoordinatorExperiment(Plan("kld")).Run.SingleSampleRounds);
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(4, 4)]
    public void Coordinator_waits_for_itself_and_every_node_silo(int nodesPerSilo, int silos)
    {
        var plan = Plan("inner_product") with { NodesPerSilo = nodesPerSilo };

        Assert.Equal(silos, CoordinatorExperiment(plan).WaitForSilos);
    }

    [Fact]
    public void Coordinator_uploads_to_the_coordinator_folder_of_its_results_prefix_in_the_results_region()
    {
        var plan = Plan("quadratic") with { ResultsRegion = "eu-west-1" };
        var arguments = SiloEnvironment.CoordinatorArguments(plan, plan.Experiments[2], plan.CoordinatorRegion).ToList();

        var uri = arguments[arguments.IndexOf("--results-s3-uri") + 1];

        Assert.Equal("s3://automon-experiment-results/max_error_vs_comm_quadratic_aws/error_bound_0.03/coordinator/", uri);
        // Its summary.json there is the completion marker --block waits for.
        Assert.Equal("s3://automon-experiment-results/" + plan.Experiments[2].CompletionMarkerKey, uri + AwsNaming.CompletionMarkerFile);
        Assert.Equal("eu-west-1", arguments[arguments.IndexOf("--results-s3-region") + 1]);
    }

    [Fact]
    public void Every_silo_lets_a_grain_call_wait_out_a_slow_full_sync()
    {
        var plan = Plan("dnn");

        var coordinator = Parse(SiloEnvironment.CoordinatorArguments(plan, plan.Experiments[0], plan.CoordinatorRegion));
        var node = Parse(SiloEnvironment.NodeSiloArguments(plan, plan.Experiments[0], plan.NodeSilos[0]));

        Assert.Equal(TimeSpan.FromMinutes(30), coordinator.ResponseTimeout);
        Assert.Equal(TimeSpan.FromMinutes(30), node.ResponseTimeout);
    }

    [Fact]
    public void Every_silo_logs_json_lines_for_CloudWatch()
    {
        var plan = Plan("inner_product");

        var coordinator = Parse(SiloEnvironment.CoordinatorArguments(plan, plan.Experiments[0], plan.CoordinatorRegion));
        var node = Parse(SiloEnvironment.NodeSiloArguments(plan, plan.Experiments[0], plan.NodeSilos[0]));

        Assert.Equal(LogFormat.Json, coordinator.LogFormat);
        Assert.Equal(LogFormat.Json, node.LogFormat);
    }

    [Fact]
    public void Node_silos_run_no_experiment_and_stop_when_the_coordinator_leaves()
    {
        var plan = Plan("inner_product") with { NodesPerSilo = 4 };
        var arguments = SiloEnvironment.NodeSiloArguments(plan, plan.Experiments[0], plan.NodeSilos[1]);

        var options = Parse(arguments);

        Assert.Equal(SiloRole.Node, options.Role);
        Assert.Equal("nodes-4-7", options.SiloName);
        Assert.Equal((4, 7), options.NodeRange);
        Assert.Null(options.Experiment);
        Assert.Contains("--stop-when-coordinator-leaves", arguments);
    }
}
