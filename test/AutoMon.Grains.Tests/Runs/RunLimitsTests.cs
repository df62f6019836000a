using AutoMon.Grains.Monitors;
using AutoMon.Grains.Runs;

namespace AutoMon.Grains.Tests.Runs;

public sealed class RunLimitsTests
{
    [Fact]
    public void The_largest_dimension_is_the_one_whose_square_fits_in_an_array()
    {
        var d = (long)RunLimits.MaxDimension;

        Assert.True(d * d <= Array.MaxLength);
        Assert.True((d + 1) * (d + 1) > Array.MaxLength);
        Assert.Null(RunLimits.DimensionProblem(d, "--dim"));
        Assert.StartsWith("--dim 46341 is too large", RunLimits.DimensionProblem(d + 1, "--dim"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_validates_its_dimension_against_the_limit()
    {
        var run = RunDefinition.Defaults with { Function = "inner_product", Dimension = 1_000_000 };

        Assert.Contains(run.Validate(), p => p.StartsWith("--dim 1000000 is too large", StringComparison.Ordinal));
    }

    [Fact]
    public void The_estimate_counts_every_nodes_rows_and_a_matrix_per_node_and_four_at_the_coordinator()
    {
        // 2 nodes × (10 + 5) rows × d 3 numbers, and (2 + 4) matrices of 3 × 3.
        Assert.Equal(8.0 * ((2 * 15 * 3) + (6 * 9)), RunLimits.EstimatedBytes(nodes: 2, iterations: 10, tuningIterations: 5, dimension: 3));
    }

    [Fact]
    public void A_run_that_needs_more_than_what_is_available_is_a_problem_naming_its_sizes()
    {
        var run = RunDefinition.Defaults with { Function = "inner_product", Nodes = 10, Iterations = 1020 };
        var needed = (long)RunLimits.EstimatedBytes(10, 1020, 0, 40);

        Assert.Null(RunLimits.MemoryProblem(run, 40, needed));
        var problem = RunLimits.MemoryProblem(run, 40, needed - 1);
        Assert.NotNull(problem);
        Assert.Contains("--nodes 10 × --iterations 1020 rows of --dim 40", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_monitor_with_a_dimension_over_the_limit_is_refused_on_its_dimension_field()
    {
        var definition = new MonitorDefinition { Id = "big", Function = "inner_product", Dimension = 100_000, ErrorBound = 0.1, Nodes = ["a"] };

        Assert.Null(definition.ToConfig(out var errors));
        Assert.Contains(errors["dimension"], e => e.StartsWith("dimension 100000 is too large", StringComparison.Ordinal));
    }

    [Fact]
    public void A_monitor_whose_matrices_would_not_fit_in_memory_is_refused_on_its_dimension_field()
    {
        var definition = new MonitorDefinition { Id = "big", Function = "inner_product", Dimension = 40_000, ErrorBound = 0.1, Nodes = ["a", "b"] };

        Assert.Null(definition.ToConfig(out var errors));
        Assert.Contains(errors["dimension"], e => e.StartsWith("the run needs about", StringComparison.Ordinal) && e.Contains("nodes 2 windows of dimension 40000", StringComparison.Ordinal)
            && e.EndsWith("lower dimension or nodes", StringComparison.Ordinal));
    }
}
