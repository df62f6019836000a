using AutoMon.Grains.Experiments;
using AutoMon.Silos.Hosting;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

public sealed class AwsExperimentPlanTests
{
    private static AwsExperimentPlan Plan() => new()
    {
        RunId = "run-1",
        NodeType = "quadratic",
        ErrorBounds = [0.02, 0.05],
    };

    [Theory]
    [InlineData("inner_product", 10, 10, 1.0)]
    [InlineData("quadratic", 10, 8, 1.0)]
    [InlineData("kld", 12, 8, 1.0)]
    [InlineData("dnn", 9, 6, 0.4)]
    public void Paper_workloads_have_the_seeds_node_counts_sweeps_and_pace(string nodeType, int nodes, int bounds, double lazy)
    {
        var plan = AwsExperimentPlan.ForPaperWorkload(nodeType, "run-1");

        Assert.Equal(nodes, plan.Run.Nodes);
        Assert.Equal(bounds, plan.ErrorBounds.Count);
        // The seed's nodes take a data point every LS_LATENCY; its coordinator answers at once.
        Assert.Equal(TimeSpan.FromSeconds(lazy), plan.Run.RoundInterval);
        Assert.Equal(Pacing.Paced, plan.Run.Pacing);
        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), (plan.Run.LazySyncLatency, plan.Run.FullSyncLatency));
        Assert.Equal(AwsCoordinatorHost.Ec2, plan.CoordinatorHost);
        Assert.Equal(("us-west-2", "us-east-2"), (plan.CoordinatorRegion, plan.NodesRegion));
        plan.Validate();
    }

    [Fact]
    public void A_plan_without_error_bounds_is_refused()
    {
        var error = Assert.Throws<ArgumentException>((Plan() with { ErrorBounds = [] }).Validate);

        Assert.Contains("at least one error bound is needed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_paper_workload_is_named_with_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => AwsExperimentPlan.ForPaperWorkload("rosenbrok", "run-1"));

        Assert.Contains("'rosenbrok'", error.Message, StringComparison.Ordinal);
        Assert.Contains("inner_product, quadratic, kld, dnn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Node_type_outside_the_known_set_is_rejected_by_name()
    {
        var plan = Plan() with { NodeType = "cubic", KnownNodeTypes = ["quadratic", "inner_product"] };

        var error = Assert.Throws<ArgumentException>(plan.Validate);

        Assert.Contains("unknown node type 'cubic'; known: inner_product, quadratic", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e16)]
    public void Error_bounds_must_be_positive_finite_numbers(double bad)
    {
        var error = Assert.Throws<ArgumentException>((Plan() with { ErrorBounds = [0.1, bad] }).Validate);

        Assert.Contains("error bound", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_bound_listed_twice_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>((Plan() with { ErrorBounds = [0.1, 0.1] }).Validate);

        Assert.Contains("error bound 0.1 is listed twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inner_product", 1020, 20, 40)]
    [InlineData("kld", 10000, 200, 20)]
    [InlineData("dnn", 2000, 20, 41)]
    public void Experiment_settings_default_to_the_workloads_quick_local_run(string nodeType, int iterations, int window, int d)
    {
        var plan = AwsExperimentPlan.ForPaperWorkload(nodeType, "run-1");

        Assert.Equal((iterations, window, d), (plan.Run.Iterations, plan.Run.Window, plan.Run.Dimension));
        Assert.Equal(0, plan.Run.Seed);
        Assert.Equal(0, plan.Run.TuningIterations);
        Assert.Equal(nodeType == "dnn", plan.Run.SingleSampleRounds);
    }

    [Fact]
    public void Tuned_workloads_tune_on_the_presets_prefix()
    {
        Assert.Equal(200, (Plan() with { NodeType = "mlp" }).Run.TuningIterations);
    }

    [Fact]
    public void Round_interval_is_the_lazy_sync_latency_unless_given()
    {
        var preset = AutoMon.Launcher.Experiments.ExperimentPresets.Get("dnn");
        var resolved = preset.Apply(AutoMon.Grains.Runs.RunDefinition.Defaults with { RoundInterval = TimeSpan.FromMilliseconds(250) },
            new HashSet<string>(StringComparer.Ordinal), full: false);

        Assert.Equal(TimeSpan.FromMilliseconds(400), AwsExperimentPlan.OnAws(preset, resolved, new HashSet<string>(StringComparer.Ordinal)).RoundInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), AwsExperimentPlan.OnAws(preset, resolved, new HashSet<string>(["round-interval"], StringComparer.Ordinal)).RoundInterval);
    }

    [Fact]
    public void Each_experiment_gets_the_neighbourhood_of_its_error_bound_or_of_the_nearest_listed_one_on_a_log_scale()
    {
        var plan = Plan() with { NodeType = "kld", ErrorBounds = [0.02, 0.03] };

        Assert.Equal([0.1527777777777778, 0.25], plan.Experiments.Select(e => e.Neighborhood));
        Assert.Null(Plan().Experiments[0].Neighborhood);
    }

    [Fact]
    public void Too_few_iterations_to_fill_the_window_are_named()
    {
        var error = Assert.Throws<ArgumentException>(Plan().WithRun(r => r with { Iterations = 20 }).Validate);

        Assert.Contains("--iterations must be at least 21 for quadratic", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_sample_rounds_need_a_window_of_every_node()
    {
        var plan = (Plan() with { NodeType = "dnn", ErrorBounds = [0.05] }).WithRun(r => r with { Iterations = 180 });

        var error = Assert.Throws<ArgumentException>(plan.Validate);

        Assert.Contains("--iterations must be at least 181 for dnn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dnn_needs_the_nine_nodes_its_records_are_split_over()
    {
        var plan = (Plan() with { NodeType = "dnn", ErrorBounds = [0.05] }).WithRun(r => r with { Nodes = 5 });

        var error = Assert.Throws<ArgumentException>(plan.Validate);

        Assert.Contains("dnn splits the connection records over 9 nodes by service; --nodes is 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_round_interval_of_zero_is_named()
    {
        var error = Assert.Throws<ArgumentException>(Plan().WithRun(r => r with { RoundInterval = TimeSpan.Zero }).Validate);

        Assert.Contains("--pacing paced needs a positive --round-interval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_run_time_is_eight_hours_or_twice_the_longest_run()
    {
        Assert.Equal(TimeSpan.FromHours(8), Plan().MaxRunTime);
        var full = AwsExperimentPlan.ForPaperWorkload("kld", "run-1").WithRun(r => r with { Iterations = 30000 });
        Assert.Equal(TimeSpan.FromSeconds(60000), full.MaxRunTime);
        Assert.Equal(TimeSpan.FromHours(1), (full with { MaxRunTime = TimeSpan.FromHours(1) }).MaxRunTime);
    }

    [Fact]
    public void Nodes_are_packed_into_silos_of_nodes_per_silo()
    {
        var silos = (Plan() with { NodesPerSilo = 4 }).NodeSilos;

        Assert.Equal([new(0, 0, 4), new(1, 4, 8), new AwsNodeSilo(2, 8, 10)], silos);
    }

    [Fact]
    public void One_node_per_silo_by_default()
    {
        var silos = Plan().NodeSilos;

        Assert.Equal(10, silos.Count);
        Assert.All(silos, s => Assert.Equal(1, s.NodeCount));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void Nodes_per_silo_must_be_between_one_and_the_node_count(int nodesPerSilo) =>
        Assert.Throws<ArgumentException>((Plan() with { NodesPerSilo = nodesPerSilo }).Validate);

    [Fact]
    public void Bad_region_is_named()
    {
        var error = Assert.Throws<ArgumentException>((Plan() with { NodesRegion = "ohio" }).Validate);

        Assert.Contains("'ohio' is not an AWS region", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ami-0123abcd", true)]
    [InlineData("ami-0123456789abcdef0", true)]
    [InlineData("ami-0123456789", false)]
    [InlineData("ami-0123456789ABCDEF0", false)]
    [InlineData("al2023-ami-2023.6", false)]
    public void Coordinator_image_must_be_an_AMI_id(string image, bool valid)
    {
        var plan = Plan() with { CoordinatorImageId = image };

        if (valid)
        {
            plan.Validate();
        }
        else
        {
            var error = Assert.Throws<ArgumentException>(plan.Validate);
            Assert.Contains($"coordinator image '{image}' is not an AMI id", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Task_sizes_must_be_Fargate_combinations()
    {
        Assert.True(AwsTaskSize.Node.IsValidFargateSize());
        Assert.True(AwsTaskSize.Coordinator.IsValidFargateSize());
        Assert.Throws<ArgumentException>((Plan() with { NodeTaskSize = new AwsTaskSize(1024, 16384) }).Validate);
    }

    [Fact]
    public void Extra_environment_cannot_set_the_silo_hosts_configuration()
    {
        var plan = Plan() with { ExtraEnvironment = new Dictionary<string, string> { ["AUTOMON_ROLE"] = "node" } };

        Assert.Contains("AUTOMON_", Assert.Throws<ArgumentException>(plan.Validate).Message, StringComparison.Ordinal);
        (Plan() with { ExtraEnvironment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" } }).Validate();
    }

    [Fact]
    public void Experiments_carry_the_seeds_resource_names()
    {
        var experiment = Plan().Experiments[0];

        Assert.Equal("quadratic_0-02", experiment.Name);
        Assert.Equal("quadratic_0-02_us-east-2", experiment.NodesCluster);
        Assert.Equal("quadratic_0-02_us-west-2", experiment.CoordinatorCluster);
        Assert.Equal("quadratic_0-02", experiment.LogGroup);
        Assert.Equal("quadratic_0-02_membership", experiment.MembershipTable);
        Assert.Equal("error_bound_0.02", experiment.ResultsFolder);
    }

    [Fact]
    public void A_node_silos_command_line_names_its_role_cluster_and_node_range()
    {
        var plan = Plan() with { NodesPerSilo = 4 };
        var arguments = SiloEnvironment.NodeSiloArguments(plan, plan.Experiments[1], plan.NodeSilos[2]);

        Assert.True(SiloCommandLine.TryParse([.. arguments], out var silo, out var problems), string.Join("; ", problems));
        Assert.Equal(SiloRole.Node, silo.Role);
        Assert.Equal((8, 9), silo.NodeRange);
        Assert.Equal(("quadratic_0-05", "us-east-2"), (silo.ClusterId, silo.Region));
        Assert.Equal(plan.MaxRunTime, silo.MaxRunTime);
        Assert.Null(silo.Experiment);
    }
}
