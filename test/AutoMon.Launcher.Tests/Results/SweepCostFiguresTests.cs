using AutoMon.Launcher.Results;

namespace AutoMon.Launcher.Tests.Results;

/// <summary>What a sweep's max-error-vs-messages and vs-bytes figures draw (local sweeps, <c>--block</c> and <c>reproduce</c> alike).</summary>
public sealed class SweepCostFiguresTests
{
    private static readonly SweepRow Ours = new(0.02, 0.011, 0.004, 9000, 3_000_000, 4_000_000, 103, 40, 12, double.NaN, 10020, 4649202,
        2, 0.02, 1, 10020, 1.5, "error_bound_0.02");

    private static readonly IReadOnlyList<(int Period, long Messages, long Bytes, double MaxError)> Periodic = [(2, 5010, 2_324_601, 0.03)];

    [Fact]
    public void A_paper_workloads_figures_carry_the_papers_AWS_messages_and_payload_bytes()
    {
        var (messages, bytes) = SweepCostFigures.Of("quadratic", "quadratic", [Ours], Periodic, Ours);

        var published = PaperAwsResults.For("quadratic");
        Assert.Equal(8, published.Count);
        Assert.Equal(published.Select(p => ((double)p.Messages, p.MaxError)), messages.PaperAws.Select(p => (p.Cost, p.MaxError)));
        Assert.Equal(published.Select(p => ((double)p.PayloadBytes, p.MaxError)), bytes.PaperAws.Select(p => (p.Cost, p.MaxError)));
    }

    [Fact]
    public void Adaptive_rows_are_a_curve_of_their_own_beside_AutoMons()
    {
        var adaptive = Ours with { Messages = 10010, PayloadBytes = 3_300_000, Folder = "error_bound_0.02_adaptive", Adaptive = true };

        var (messages, bytes) = SweepCostFigures.Of("quadratic", "quadratic", [Ours, adaptive], Periodic, Ours);

        Assert.Equal([9000.0], messages.AutoMon.Select(p => p.Cost));
        Assert.Equal([10010.0], messages.Adaptive.Select(p => p.Cost));
        Assert.Equal([3_300_000.0], bytes.Adaptive.Select(p => p.Cost));
        Assert.Contains("AutoMon, adaptive", Legend(messages));
    }

    [Fact]
    public void A_workload_the_paper_did_not_run_on_AWS_has_no_paper_series()
    {
        var (messages, bytes) = SweepCostFigures.Of("entropy", "entropy", [Ours], Periodic, Ours);

        Assert.Empty(messages.PaperAws);
        Assert.Empty(bytes.PaperAws);
        Assert.Single(messages.AutoMon);
    }

    [Fact]
    public void The_paper_series_is_a_legend_entry_of_its_own_beside_AutoMons()
    {
        var (quadratic, _) = SweepCostFigures.Of("quadratic", "quadratic", [Ours], Periodic, Ours);
        var (entropy, _) = SweepCostFigures.Of("entropy", "entropy", [Ours], Periodic, Ours);

        var drawn = Legend(quadratic);
        Assert.Contains(Figures.PaperAwsLegend, drawn);
        Assert.Contains("AutoMon", drawn);
        Assert.DoesNotContain(Figures.PaperAwsLegend, Legend(entropy));

        var paper = Figures.ErrorVsCostPlot(quadratic, "messages").GetPlottables<ScottPlot.Plottables.Scatter>().Single(s => s.LegendText == Figures.PaperAwsLegend);
        var automon = Figures.ErrorVsCostPlot(quadratic, "messages").GetPlottables<ScottPlot.Plottables.Scatter>().Single(s => s.LegendText == "AutoMon");
        Assert.NotEqual(automon.MarkerShape, paper.MarkerShape);
        Assert.Equal(8, paper.Data.GetScatterPoints().Count);
    }

    private static List<string> Legend(CostFigure figure) =>
        Figures.ErrorVsCostPlot(figure, "messages").GetPlottables<ScottPlot.Plottables.Scatter>().Select(s => s.LegendText).ToList();
}
