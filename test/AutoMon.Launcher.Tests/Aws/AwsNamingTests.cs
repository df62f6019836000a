using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

public sealed class AwsNamingTests
{
    [Theory]
    [InlineData(0.02, "0.02")]
    [InlineData(0.015, "0.015")]
    [InlineData(1.0, "1.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(2.5e-7, "2.5e-07")]
    public void Error_bounds_print_as_Python_prints_floats(double value, string expected) =>
        Assert.Equal(expected, AwsNaming.PythonFloat(value));

    [Fact]
    public void Experiment_and_cluster_names_follow_the_seed()
    {
        var experiment = AwsNaming.ExperimentName("inner_product", 0.02);

        Assert.Equal("inner-product_0-02", experiment);
        Assert.Equal("inner-product_0-02_us-east-2", AwsNaming.ClusterName(experiment, "us-east-2"));
        Assert.Equal("quadratic_1-0", AwsNaming.ExperimentName("quadratic", 1.0));
        Assert.Equal("kld_centralization", AwsNaming.ExperimentName("kld", null));
    }

    [Fact]
    public void Task_definition_families_follow_the_seed_for_one_node_per_silo()
    {
        const string cluster = "dnn_0-002_us-east-2";

        Assert.Equal("coordinator_dnn_0-002_us-east-2", AwsNaming.CoordinatorFamily(cluster));
        Assert.Equal("node-3_dnn_0-002_us-east-2", AwsNaming.NodeFamily(cluster, 3, 4));
        Assert.Equal("nodes-4-7_dnn_0-002_us-east-2", AwsNaming.NodeFamily(cluster, 4, 8));
    }

    [Fact]
    public void Results_folders_follow_the_seeds_S3_layout()
    {
        Assert.Equal("max_error_vs_comm_quadratic_aws/error_bound_0.015/", AwsNaming.ResultsPrefix("quadratic", 0.015));
        Assert.Equal("max_error_vs_comm_centralization_kld_aws/", AwsNaming.ResultsPrefix("kld", null));
        Assert.Equal("max_error_vs_comm_kld_aws/error_bound_0.1/coordinator/summary.json",
            AwsNaming.CompletionMarkerKey(AwsNaming.ResultsPrefix("kld", 0.1)));
    }

    [Theory]
    [InlineData("inner-product_0-02", true)]
    [InlineData("inner-product_0-02_us-east-2", true)]
    [InlineData("kld_centralization_membership", true)]
    [InlineData("/ecs/some-service", false)]
    [InlineData("prod-orders", false)]
    public void Cleanup_only_looks_at_names_shaped_like_ours(string name, bool expected) =>
        Assert.Equal(expected, AwsNaming.LooksLikeExperimentResource(name));

    [Theory]
    [InlineData("node-0_inner-product_0-02_us-east-2", true)]
    [InlineData("nodes-0-3_quadratic_1-0_us-east-2", true)]
    [InlineData("coordinator_dnn_0-05_us-west-2", true)]
    [InlineData("my-web-app", false)]
    public void Task_definition_families_are_recognised(string family, bool expected) =>
        Assert.Equal(expected, AwsNaming.LooksLikeFamily(family));

    [Fact]
    public void Run_id_comes_from_the_workload_and_the_time()
    {
        var id = AwsNaming.NewRunId("inner_product", new DateTimeOffset(2025, 6, 1, 10, 15, 0, TimeSpan.Zero));

        Assert.Equal("inner-product-20250601-101500", id);
        AwsNaming.ValidateRunId(id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("has_underscore")]
    [InlineData("-leading")]
    public void Bad_run_ids_are_rejected(string runId) =>
        Assert.Throws<ArgumentException>(() => AwsNaming.ValidateRunId(runId));
}
