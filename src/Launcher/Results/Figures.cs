using System.Globalization;
using AutoMon.Grains.Results;
using AutoMon.Protocol;
using ScottPlot;

namespace AutoMon.Launcher.Results;

/// <summary>One point of a baseline curve.</summary>
internal readonly record struct CostPoint(double Cost, double MaxError, string Label);

/// <summary>What the max-error-vs-cost figure of one workload shows.</summary>
/// <param name="Title">The workload (and engine) named in the title.</param>
/// <param name="AutoMon">Per error bound: cost and max error, labelled with ε.</param>
/// <param name="Periodic">The periodic baseline per period.</param>
/// <param name="Centralization">The centralisation baseline (error 0).</param>
internal sealed record CostFigure(string Title, IReadOnlyList<CostPoint> AutoMon, IReadOnlyList<CostPoint> Periodic, CostPoint Centralization)
{
    /// <summary>AutoMon's cost as the transport measured it (bytes on the wire), drawn beside the payload curve; empty: none.</summary>
    public IReadOnlyList<CostPoint> AutoMonWire { get; init; } = [];

    /// <summary>The adaptive runs (--adaptive), drawn beside AutoMon's curve; empty: none.</summary>
    public IReadOnlyList<CostPoint> Adaptive { get; init; } = [];

    /// <summary>A competitor's runs (--protocol gm|cb|rlv), drawn beside AutoMon's curve as in the paper; empty: none.</summary>
    public IReadOnlyList<CostPoint> Competitor { get; init; } = [];

    /// <summary>The competitor's legend name (GM, CB, RLV).</summary>
    public string CompetitorName { get; init; } = string.Empty;

    /// <summary>The paper's published AWS points of the workload (<see cref="PaperAwsResults"/>); empty: none.</summary>
    public IReadOnlyList<CostPoint> PaperAws { get; init; } = [];
}

/// <summary>
/// The paper's figures with ScottPlot: max error vs messages (or bytes) for AutoMon, periodic, centralisation and the
/// paper's AWS points, and the
/// monitored function over time with AutoMon's estimate and its thresholds.
/// </summary>
internal static class Figures
{
    public const int Width = 1000;
    public const int Height = 650;

    /// <summary>The legend entry of the paper's AWS points.</summary>
    public const string PaperAwsLegend = "paper (AWS)";

    // Points beyond this are bucketed (min/max per bucket) so a 300k-round run draws quickly and keeps its spikes.
    private const int MaxPoints = 4000;

    private static readonly Color AutoMonColor = Color.FromHex("#1f77b4");
    private static readonly Color PeriodicColor = Color.FromHex("#ff7f0e");
    private static readonly Color CentralizationColor = Color.FromHex("#2ca02c");
    private static readonly Color PaperAwsColor = Color.FromHex("#d62728");
    private static readonly Color AdaptiveColor = Color.FromHex("#9467bd");
    private static readonly Color CompetitorColor = Color.FromHex("#8c564b");
    private static readonly Color TrueValueColor = Color.FromHex("#222222");
    private static readonly Color BandColor = Color.FromHex("#1f77b4").WithAlpha(0.18);

    private static readonly Lock FontLock = new();
    private static bool s_fontsChecked;

    /// <summary>Max error against cost (log scale) for AutoMon, periodic and centralisation; saves a PNG.</summary>
    public static void SaveErrorVsCost(string path, CostFigure figure, string costLabel)
    {
        ArgumentNullException.ThrowIfNull(figure);
        EnsureFonts();
        var plot = ErrorVsCostPlot(figure, costLabel);
        Save(plot, path, Width, Height);
    }

    /// <summary>Several workloads' error-vs-cost plots in a grid (the <c>reproduce</c> overview); saves a PNG.</summary>
    public static void SaveErrorVsCostGrid(string path, IReadOnlyList<CostFigure> figures, string costLabel)
    {
        ArgumentNullException.ThrowIfNull(figures);
        if (figures.Count == 0)
        {
            throw new ArgumentException("No figures to draw.", nameof(figures));
        }

        EnsureFonts();
        var columns = figures.Count == 1 ? 1 : 2;
        var rows = (figures.Count + columns - 1) / columns;
        int cellWidth = Width * 4 / 5, cellHeight = Height * 4 / 5;

        // Each panel rendered on its own, then tiled onto one canvas.
        var info = new SkiaSharp.SKImageInfo(cellWidth * columns, cellHeight * rows);
        using var surface = SkiaSharp.SKSurface.Create(info);
        surface.Canvas.Clear(SkiaSharp.SKColors.White);
        for (var i = 0; i < figures.Count; i++)
        {
            var bytes = ErrorVsCostPlot(figures[i], costLabel).GetImage(cellWidth, cellHeight).GetImageBytes(ImageFormat.Png);
            using var panel = SkiaSharp.SKBitmap.Decode(bytes);
            surface.Canvas.DrawBitmap(panel, i % columns * cellWidth, i / columns * cellHeight);
        }

        using var image = surface.Snapshot();
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, temporary =>
        {
            using var file = File.Create(temporary);
            png.SaveTo(file);
        });
    }

    /// <summary>The monitored value over rounds, AutoMon's estimate f(x0) and the thresholds [L, U] around it; saves a PNG.</summary>
    public static void SaveFunctionValues(string path, string title, IReadOnlyList<RoundValue> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        EnsureFonts();
        var plot = new Plot();
        Style(plot, title, "round", "f");
        if (rounds.Count > 0)
        {
            var hasBand = rounds.Any(r => double.IsFinite(r.LowerThreshold) && double.IsFinite(r.UpperThreshold) && r.UpperThreshold > r.LowerThreshold);
            var buckets = Buckets(rounds.Count);
            if (hasBand)
            {
                // The thresholds hold between syncs: draw them as steps, each bucket spanning up to the next one's start.
                var xs = new List<double>(buckets.Count * 2);
                var lows = new List<double>(buckets.Count * 2);
                var highs = new List<double>(buckets.Count * 2);
                for (var b = 0; b < buckets.Count; b++)
                {
                    var bucket = buckets[b];
                    var low = Min(rounds, bucket, r => r.LowerThreshold);
                    var high = Max(rounds, bucket, r => r.UpperThreshold);
                    var end = bucket.End < rounds.Count ? rounds[bucket.End].Round : rounds[^1].Round + 1;
                    xs.Add(rounds[bucket.Start].Round);
                    xs.Add(end);
                    lows.Add(low);
                    lows.Add(low);
                    highs.Add(high);
                    highs.Add(high);
                }

                var band = plot.Add.FillY(xs.ToArray(), lows.ToArray(), highs.ToArray());
                band.FillColor = BandColor;
                band.LineWidth = 0;
                band.LegendText = "thresholds [L, U] = f(x0) ∓ ε";
            }

            // The estimate first, the true value over it: where they agree the thin dark line still shows.
            var estimate = AddLine(plot, rounds, buckets, r => r.Estimate, AutoMonColor, 2.5f);
            estimate.LegendText = "f(x0), AutoMon's estimate";
            estimate.ConnectStyle = ConnectStyle.StepHorizontal;
            var truth = AddLine(plot, rounds, buckets, r => r.TrueValue, TrueValueColor, 1f);
            truth.LegendText = "f(x̄), the true value";
        }

        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path, Width, Height);
    }

    /// <summary>The max-error-vs-cost plot of <paramref name="figure"/>, each curve a scatter named in the legend.</summary>
    internal static Plot ErrorVsCostPlot(CostFigure figure, string costLabel)
    {
        var plot = new Plot();
        Style(plot, figure.Title, costLabel + " (log scale)", "max error");

        var all = figure.AutoMon.Concat(figure.AutoMonWire).Concat(figure.Adaptive).Concat(figure.Competitor).Concat(figure.Periodic).Concat(figure.PaperAws).Append(figure.Centralization)
            .Where(p => p.Cost > 0).ToList();
        if (figure.Periodic.Count > 0)
        {
            var periodic = AddPoints(plot, figure.Periodic, PeriodicColor, MarkerShape.FilledSquare, LinePattern.Dashed);
            periodic.LegendText = "periodic";
        }

        if (figure.PaperAws.Count > 0)
        {
            // Under AutoMon's curve, so ours stays on top where they meet.
            var paper = AddPoints(plot, figure.PaperAws, PaperAwsColor, MarkerShape.OpenDiamond, LinePattern.DenselyDashed);
            paper.MarkerSize = 11;
            paper.LineWidth = 1.5f;
            paper.LegendText = PaperAwsLegend;
        }

        if (figure.AutoMon.Count > 0)
        {
            var automon = AddPoints(plot, figure.AutoMon, AutoMonColor, MarkerShape.FilledCircle, LinePattern.Solid);
            automon.LegendText = "AutoMon";
            // Error bounds that ended at the same point share one label ("ε=0.016, 0.05").
            var labels = figure.AutoMon.Where(p => p.Cost > 0)
                .GroupBy(p => (p.Cost, p.MaxError))
                .Select(g => (g.Key.Cost, g.Key.MaxError, Text: g.First().Label + string.Concat(g.Skip(1).Select(p => ", " + p.Label.Replace("ε=", string.Empty, StringComparison.Ordinal)))));
            foreach (var point in labels)
            {
                var label = plot.Add.Text(point.Text, Math.Log10(point.Cost), point.MaxError);
                label.LabelFontSize = 12;
                label.LabelFontColor = AutoMonColor;
                label.LabelOffsetX = 6;
                label.LabelOffsetY = -18;
            }
        }

        if (figure.Adaptive.Count > 0)
        {
            var adaptive = AddPoints(plot, figure.Adaptive, AdaptiveColor, MarkerShape.OpenCircle, LinePattern.Dashed);
            adaptive.MarkerSize = 10;
            adaptive.LegendText = "AutoMon, adaptive";
        }

        if (figure.Competitor.Count > 0)
        {
            // Open and dashed: where a competitor coincides with AutoMon (CB on the inner product) both stay visible.
            var competitor = AddPoints(plot, figure.Competitor, CompetitorColor, MarkerShape.OpenSquare, LinePattern.Dashed);
            competitor.MarkerSize = 13;
            competitor.LegendText = figure.CompetitorName;
        }

        if (figure.AutoMonWire.Count > 0)
        {
            var wire = AddPoints(plot, figure.AutoMonWire, AutoMonColor.WithAlpha(0.55), MarkerShape.OpenCircle, LinePattern.Dotted);
            wire.LegendText = "AutoMon, bytes on the wire";
        }

        if (figure.Centralization.Cost > 0)
        {
            var c = plot.Add.Scatter(new[] { Math.Log10(figure.Centralization.Cost) }, new[] { figure.Centralization.MaxError });
            c.Color = CentralizationColor;
            c.MarkerShape = MarkerShape.FilledTriangleUp;
            c.MarkerSize = 12;
            c.LineWidth = 0;
            c.LegendText = "centralisation";
        }

        // Log-scale x axis: plot log10(cost), label the decades with their values.
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = x => FormatCost(Math.Pow(10, x)),
        };
        plot.Axes.Bottom.TickGenerator = ticks;
        if (all.Count > 0)
        {
            var low = Math.Floor(Math.Log10(all.Min(p => p.Cost)) - 0.1);
            var high = Math.Ceiling(Math.Log10(all.Max(p => p.Cost)) + 0.1);
            var top = all.Max(p => p.MaxError);
            plot.Axes.SetLimits(low, high, -0.05 * Math.Max(top, 1e-12), 1.12 * Math.Max(top, 1e-12));
        }

        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static ScottPlot.Plottables.Scatter AddPoints(Plot plot, IReadOnlyList<CostPoint> points, Color color, MarkerShape shape, LinePattern pattern)
    {
        // In the given order: AutoMon's curve follows ε, the periodic one its period.
        var ordered = points.Where(p => p.Cost > 0).ToList();
        var scatter = plot.Add.Scatter(ordered.Select(p => Math.Log10(p.Cost)).ToArray(), ordered.Select(p => p.MaxError).ToArray());
        scatter.Color = color;
        scatter.MarkerShape = shape;
        scatter.MarkerSize = 9;
        scatter.LineWidth = 2;
        scatter.LinePattern = pattern;
        return scatter;
    }

    private static ScottPlot.Plottables.Scatter AddLine(Plot plot, IReadOnlyList<RoundValue> rounds, IReadOnlyList<(int Start, int End)> buckets,
        Func<RoundValue, double> value, Color color, float width)
    {
        // Each bucket contributes its min and max in round order, so spikes survive the thinning.
        var xs = new List<double>(buckets.Count * 2);
        var ys = new List<double>(buckets.Count * 2);
        foreach (var bucket in buckets)
        {
            if (bucket.End - bucket.Start == 1)
            {
                xs.Add(rounds[bucket.Start].Round);
                ys.Add(value(rounds[bucket.Start]));
                continue;
            }

            int lowAt = bucket.Start, highAt = bucket.Start;
            for (var i = bucket.Start; i < bucket.End; i++)
            {
                if (value(rounds[i]) < value(rounds[lowAt]))
                {
                    lowAt = i;
                }

                if (value(rounds[i]) > value(rounds[highAt]))
                {
                    highAt = i;
                }
            }

            foreach (var i in lowAt <= highAt ? new[] { lowAt, highAt } : [highAt, lowAt])
            {
                xs.Add(rounds[i].Round);
                ys.Add(value(rounds[i]));
            }
        }

        var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
        line.Color = color;
        line.LineWidth = width;
        return line;
    }

    private static List<(int Start, int End)> Buckets(int count)
    {
        var size = Math.Max(1, (int)Math.Ceiling(count / (double)MaxPoints));
        var buckets = new List<(int, int)>((count + size - 1) / size);
        for (var start = 0; start < count; start += size)
        {
            buckets.Add((start, Math.Min(count, start + size)));
        }

        return buckets;
    }

    private static double Min(IReadOnlyList<RoundValue> rounds, (int Start, int End) bucket, Func<RoundValue, double> value)
    {
        var min = double.PositiveInfinity;
        for (var i = bucket.Start; i < bucket.End; i++)
        {
            min = Math.Min(min, value(rounds[i]));
        }

        return min;
    }

    private static double Max(IReadOnlyList<RoundValue> rounds, (int Start, int End) bucket, Func<RoundValue, double> value)
    {
        var max = double.NegativeInfinity;
        for (var i = bucket.Start; i < bucket.End; i++)
        {
            max = Math.Max(max, value(rounds[i]));
        }

        return max;
    }

    private static void Style(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title, size: 18);
        plot.XLabel(xLabel, size: 15);
        plot.YLabel(yLabel, size: 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        AtomicFile.Write(path, temporary => plot.SavePng(temporary, width, height));
    }

    private static string FormatCost(double value) => value switch
    {
        >= 1e9 => (value / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "G",
        >= 1e6 => (value / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (value / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0.#", CultureInfo.InvariantCulture),
    };

    // SkiaSharp's no-dependencies build has no fontconfig: when the default family does not resolve to a real typeface,
    // register a sans-serif TrueType file from the usual folders so labels render.
    private static void EnsureFonts()
    {
        lock (FontLock)
        {
            if (s_fontsChecked)
            {
                return;
            }

            s_fontsChecked = true;
            using var probe = SkiaSharp.SKTypeface.FromFamilyName(Fonts.Default);
            if (probe is not null && probe.GlyphCount > 0 && string.Equals(probe.FamilyName, Fonts.Default, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            foreach (var folder in new[] { "/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts", "C:\\Windows\\Fonts" })
            {
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                var file = Directory.EnumerateFiles(folder, "*.ttf", SearchOption.AllDirectories)
                    .OrderBy(f => Path.GetFileName(f).Contains("DejaVuSans.ttf", StringComparison.OrdinalIgnoreCase) ? 0
                        : Path.GetFileName(f).Contains("Sans", StringComparison.OrdinalIgnoreCase) ? 1 : 2)
                    .FirstOrDefault();
                if (file is not null)
                {
                    const string family = "AutoMonFigures";
                    Fonts.AddFontFile(family, file);
                    Fonts.Default = family;
                    return;
                }
            }
        }
    }
}
