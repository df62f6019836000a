using AutoMon.Launcher.Commands;
using AutoMon.Launcher.Experiments;
using AutoMon.Numerics.Functions;

namespace AutoMon.Launcher.Tests.Experiments;

public class ExperimentPresetsTests
{
    // SPEC m / aws_experiments/deploy_aws_experiment.py: n, d, W, I and the AWS error-bound lists.
    [Theory]
    [InlineData("inner_product", 10, 40, 20, 1020, new[] { 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8 })]
    [InlineData("quadratic", 10, 40, 20, 1020, new[] { 0.015, 0.02, 0.03, 0.04, 0.05, 0.08, 0.1, 1.0 })]
    [InlineData("kld", 12, 20, 200, 30000, new[] { 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.14 })]
    [InlineData("dnn", 9, 41, 20, 302973, new[] { 0.002, 0.003, 0.005, 0.007, 0.016, 0.05 })]
    public void Paper_workloads_have_the_papers_configuration(string nodeType, int n, int d, int window, int iterations, double[] errorBounds)
    {
        var preset = ExperimentPresets.Get(nodeType);

        Assert.Equal((n, d, window, iterations), (preset.Nodes, preset.Dimension, preset.Window, preset.PaperIterations));
        Assert.Equal(errorBounds, preset.ErrorBounds);
        Assert.True(preset.IsPaperWorkload);
    }

    [Fact]
    public void Only_dnn_closes_a_round_after_every_sample()
    {
        Assert.Equal(["dnn"], ExperimentPresets.PaperNodeTypes.Where(t => ExperimentPresets.Get(t).SingleSampleRounds));
    }

    [Fact]
    public void Quick_defaults_shorten_only_kld_and_dnn()
    {
        var shortened = ExperimentPresets.PaperNodeTypes.Where(t => ExperimentPresets.Get(t).QuickIterations < ExperimentPresets.Get(t).PaperIterations);

        Assert.Equal(["kld", "dnn"], shortened);
    }

    [Fact]
    public void Every_catalog_function_has_a_preset()
    {
        Assert.All(FunctionCatalog.Names, name => Assert.Equal(name, ExperimentPresets.Get(name).Function));
    }

    [Theory]
    [InlineData("Inner-Product", "inner_product")]
    [InlineData("rosenbrock", "rozenbrock")]
    [InlineData("intrusion_detection", "dnn")]
    public void Node_type_spellings_resolve(string typed, string expected)
    {
        Assert.Equal(expected, ExperimentPresets.Get(typed).NodeType);
    }

    [Theory]
    [InlineData(0.003, 0.027777777777777776)]
    [InlineData(0.05, 0.041666666666666664)]
    [InlineData(0.0025, 0.027777777777777776)] // not listed: nearest listed error bound, 0.0027
    [InlineData(1.0, 0.041666666666666664)] // above the list: the largest's
    public void Dnn_neighbourhood_is_the_tuned_size_of_the_error_bound_or_the_nearest_listed(double errorBound, double expected)
    {
        Assert.Equal(expected, ExperimentPresets.Get("dnn").NeighborhoodFor(errorBound));
    }

    [Fact]
    public void Constant_Hessian_workloads_have_no_neighbourhood()
    {
        Assert.Null(ExperimentPresets.Get("quadratic").NeighborhoodFor(0.03));
        Assert.Null(ExperimentPresets.Get("inner_product").NeighborhoodFor(0.3));
    }

    [Theory]
    [InlineData("1.5s", 1.5)]
    [InlineData("2s", 2.0)]
    [InlineData("400ms", 0.4)]
    [InlineData(" 25MS ", 0.025)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("00:00:01.5", 1.5)]
    [InlineData("0", 0)]
    public void Durations_carry_their_unit(string text, double seconds)
    {
        Assert.True(AutoMon.Grains.Runs.SettingText.TryParseDuration(text, out var duration, out _));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1.5")]
    [InlineData("-1s")]
    [InlineData("fast")]
    public void A_duration_without_a_unit_or_below_zero_is_refused(string text)
    {
        Assert.False(AutoMon.Grains.Runs.SettingText.TryParseDuration(text, out _, out var problem));
        Assert.Contains(text.Trim(), problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_output_is_results_node_type_timestamp()
    {
        var folder = ExperimentCommand.DefaultOutput(null, "quadratic");

        var parts = folder.Split(Path.DirectorySeparatorChar);
        Assert.Equal("results", parts[0]);
        Assert.Equal("quadratic", parts[1]);
        Assert.Matches(@"^\d{8}-\d{6}(-\d+)?$", parts[2]);
    }
}
