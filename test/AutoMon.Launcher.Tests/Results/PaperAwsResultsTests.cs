using AutoMon.Launcher.Experiments;
using AutoMon.Launcher.Results;

namespace AutoMon.Launcher.Tests.Results;

/// <summary>The paper's published AWS points, shipped in the launcher (Sivan, Gabel, Schuster, SIGMOD 2022).</summary>
public sealed class PaperAwsResultsTests
{
    public static TheoryData<string> PaperWorkloads => new(ExperimentPresets.PaperNodeTypes);

    [Theory]
    [MemberData(nameof(PaperWorkloads))]
    public void Every_error_bound_of_a_paper_workloads_sweep_has_its_published_AWS_point(string nodeType)
    {
        var points = PaperAwsResults.For(nodeType);

        Assert.NotEmpty(points);
        Assert.All(ExperimentPresets.Get(nodeType).ErrorBounds, bound => Assert.True(PaperAwsResults.TryGet(nodeType, bound, out _), $"{nodeType} ε={bound}"));
        Assert.Equal(points.OrderBy(p => p.ErrorBound), points);
    }

    [Fact]
    public void A_published_error_bound_gives_the_papers_messages_max_error_and_payload()
    {
        Assert.True(PaperAwsResults.TryGet("inner_product", 0.02, out var point));

        Assert.Equal(new PaperAwsPoint(0.02, 0.0181914, 13421, 5338540), point);
    }

    [Fact]
    public void An_error_bound_the_paper_did_not_run_has_no_point()
    {
        Assert.False(PaperAwsResults.TryGet("quadratic", 0.07, out _));
    }

    [Fact]
    public void A_workload_the_paper_did_not_run_on_AWS_has_no_points()
    {
        Assert.Empty(PaperAwsResults.For("entropy"));
        Assert.False(PaperAwsResults.TryGet("entropy", 0.05, out _));
    }

    [Fact]
    public void The_shipped_table_has_every_published_point()
    {
        Assert.Equal([10, 8, 11, 6], ExperimentPresets.PaperNodeTypes.Select(t => PaperAwsResults.For(t).Count));
        Assert.Equal(new PaperAwsPoint(0.05, 0.0473765, 4016, 1143916), PaperAwsResults.For("dnn")[^1]);
    }
}
