namespace AutoMon.Numerics.Tests.Adcd;

using Adcd = AutoMon.Numerics.Adcd;

public class AdcdExtremeTests
{
    private static readonly ExtremeEigenvalueOptions Options = ExtremeEigenvalueOptions.Default;

    private static (double Min, double Max) GridExtremes(IHessianFunction f, BoxDomain box, int steps)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        var h = new double[4];
        for (var i = 0; i <= steps; i++)
        {
            for (var j = 0; j <= steps; j++)
            {
                double[] p =
                [
                    box.Lower[0] + ((box.Upper[0] - box.Lower[0]) * i / steps),
                    box.Lower[1] + ((box.Upper[1] - box.Lower[1]) * j / steps),
                ];
                f.Hessian(p, h);
                var e = Adcd.SymmetricEigenvalues(h, 2);
                min = Math.Min(min, e[0]);
                max = Math.Max(max, e[1]);
            }
        }

        return (min, max);
    }

    // scipy 1.10 L-BFGS-B (maxiter 5) on the same problems found: (0.5, 0.5) r 0.5 -> min -398 at (0, 1), max 1342.0936 at (1, 0);
    // (1, 1) r 0.5 -> min -368.376 at (0.5, 1.5), max 2648.9988 at (1.5, 0.5).
    [Theory]
    [InlineData(0.5, 0.5, 0.5, -398.0, 1342.0935969107786)]
    [InlineData(1.0, 1.0, 0.5, -368.37595401031683, 2648.9988443754482)]
    public void Rosenbrock_search_reaches_the_corner_extremes_scipy_finds(double x, double y, double r, double scipyMin, double scipyMax)
    {
        var f = new Rosenbrock2();
        var box = BoxDomain.Neighborhood([x, y], r, null);

        var found = Adcd.FindExtremeEigenvalues(f, [x, y], box, Options);

        Assert.Equal(scipyMin, found.Min, 6);
        Assert.Equal(scipyMax, found.Max, 6);
    }

    [Theory]
    [InlineData(0.5, 0.5, 0.5)]
    [InlineData(0.2, -0.3, 0.25)]
    [InlineData(0.0, 0.0, 0.5)]
    [InlineData(-1.0, 2.0, 1.0)]
    public void Extremes_found_bracket_the_eigenvalues_at_x0_and_stay_within_the_box_range(double x, double y, double r)
    {
        var f = new Rosenbrock2();
        var box = BoxDomain.Neighborhood([x, y], r, null);
        var h = new double[4];
        f.Hessian([x, y], h);
        var atX0 = Adcd.SymmetricEigenvalues(h, 2);
        var grid = GridExtremes(f, box, 200);

        var found = Adcd.FindExtremeEigenvalues(f, [x, y], box, Options);

        Assert.InRange(found.Min, grid.Min - 1e-6, atX0[0]);
        Assert.InRange(found.Max, atX0[1], grid.Max + 1e-6);
    }

    [Fact]
    public void Search_never_leaves_the_box()
    {
        var recorder = new BoxRecorder(new Rosenbrock2());
        var box = new BoxDomain([0.0, 0.0], [0.3, 0.4]);

        Adcd.FindExtremeEigenvalues(recorder, [0.1, 0.2], box, Options);

        Assert.NotEmpty(recorder.Points);
        Assert.All(recorder.Points, p => Assert.True(box.Contains(p), $"({p[0]}, {p[1]}) outside the box"));
    }

    [Fact]
    public void Iteration_cap_is_configurable_and_one_iteration_does_less_than_the_default()
    {
        var capped = new BoxRecorder(new Rosenbrock2());
        var full = new BoxRecorder(new Rosenbrock2());
        var box = BoxDomain.Neighborhood([0.2, -0.3], 0.25, null);

        Adcd.FindExtremeEigenvalues(capped, [0.2, -0.3], box, new ExtremeEigenvalueOptions { MaxIterations = 1 });
        Adcd.FindExtremeEigenvalues(full, [0.2, -0.3], box, Options);

        Assert.True(capped.Points.Count < full.Points.Count, $"{capped.Points.Count} evaluations with cap 1, {full.Points.Count} with cap 5");
    }

    [Fact]
    public void NaN_hessian_maps_to_infinite_extremes()
    {
        var found = Adcd.FindExtremeEigenvalues(new NaNHessian(2), [0.0, 0.0], BoxDomain.Neighborhood([0.0, 0.0], 1, null), Options);

        Assert.Equal(double.NegativeInfinity, found.Min);
        Assert.Equal(double.PositiveInfinity, found.Max);
    }

    [Fact]
    public void Adcd_x_with_a_NaN_hessian_goes_concave_with_an_infinite_argument_as_the_reference()
    {
        // numpy: eigenvalues NaN at x0, searches NaN -> (-inf, +inf); the heuristic's comparison with NaN is false: concave, +inf.
        var result = Adcd.Extreme(new NaNHessian(2), [0.0, 0.0], BoxDomain.Neighborhood([0.0, 0.0], 1, null), Options);

        Assert.Equal(DcType.Concave, result.DcType);
        Assert.Equal(double.PositiveInfinity, result.ExtremeEigenvalue);
        Assert.True(double.IsNaN(result.MinEigenvalueAtReferencePoint));
    }

    [Fact]
    public void Unbounded_neighbourhood_still_searches_from_x0()
    {
        // sum of sines: Hessian diag(-sin x_i); at x0 = (0.3, -0.2) the extremes over R^2 are -1 and +1.
        var f = new SumOfSines(2);
        var found = Adcd.FindExtremeEigenvalues(f, [0.3, -0.2], null, Options);

        Assert.InRange(found.Min, -1.0, -Math.Sin(0.3));
        Assert.InRange(found.Max, Math.Sin(0.2), 1.0);
    }

    [Fact]
    public void Optimisation_time_is_measured()
    {
        var found = Adcd.FindExtremeEigenvalues(new Rosenbrock2(), [0.5, 0.5], BoxDomain.Neighborhood([0.5, 0.5], 0.5, null), Options);
        Assert.True(found.OptimizationTime > TimeSpan.Zero);
    }

    [Fact]
    public void Constant_hessian_gives_its_own_eigenvalues_as_extremes()
    {
        var f = new InnerProduct(4);
        var found = Adcd.FindExtremeEigenvalues(f, [1.0, 2.0, 3.0, 4.0], BoxDomain.Neighborhood([1.0, 2.0, 3.0, 4.0], 1, null), Options);

        Assert.Equal(-1.0, found.Min, 12);
        Assert.Equal(1.0, found.Max, 12);
    }

    [Theory]
    // Convex: |(l0 + |m|) + |m|| <= |(-M) + (L0 - M)|.
    [InlineData(-1.0, 3.0, 0.5, 2.0, DcType.Convex, -1.0)] // |0.5 + 2| = 2.5 <= |-3 - 1| = 4
    [InlineData(-5.0, 1.0, -1.0, 0.5, DcType.Concave, 1.0)] // |-1 + 10| = 9 > |-1 - 0.5| = 1.5
    [InlineData(2.0, 4.0, 2.5, 3.0, DcType.Convex, 0.0)] // convex everywhere: m = 0, |2.5| <= |-4 - 1| = 5
    [InlineData(-4.0, -1.0, -3.0, -2.0, DcType.Concave, 0.0)] // concave everywhere: M = 0, |-3 + 8| = 5 > |0 - 2| = 2
    [InlineData(-1.0, 1.0, -1.0, 1.0, DcType.Convex, -1.0)] // tie |-1 + 2| = 1 <= |-1 + 0| = 1 goes to convex
    public void DH_heuristic_chooses_as_the_reference(double min, double max, double minAtX0, double maxAtX0, DcType expected, double expectedLambda)
    {
        var dcType = Adcd.ChooseDcType(min, max, minAtX0, maxAtX0, out var lambda);

        Assert.Equal(expected, dcType);
        Assert.Equal(expectedLambda, lambda);
    }

    [Fact]
    public void DH_heuristic_with_an_unbounded_minimum_goes_concave()
    {
        var dcType = Adcd.ChooseDcType(double.NegativeInfinity, 3.0, -1.0, 1.0, out var lambda);

        Assert.Equal(DcType.Concave, dcType);
        Assert.Equal(3.0, lambda);
    }

    [Fact]
    public void Adcd_x_on_rosenbrock_reports_the_eigenvalues_at_x0_and_the_chosen_argument()
    {
        var f = new Rosenbrock2();
        var result = Adcd.Extreme(f, [0.5, 0.5], BoxDomain.Neighborhood([0.5, 0.5], 0.5, null), Options);

        // Hessian at (0.5, 0.5): [[102, -200], [-200, 200]]: eigenvalues 151 -+ sqrt(49^2 + 200^2).
        var root = Math.Sqrt((49.0 * 49.0) + (200.0 * 200.0));
        Assert.Equal(151 - root, result.MinEigenvalueAtReferencePoint, 9);
        Assert.Equal(151 + root, result.MaxEigenvalueAtReferencePoint, 9);

        // With m = -398, M = 1342.09: |(l0 + 398) + 398| = 741.1 <= |-1342.09 + (356.9 - 1342.09)| = 2327.3: convex.
        Assert.Equal(DcType.Convex, result.DcType);
        Assert.Equal(result.Neighborhood.Min, result.ExtremeEigenvalue);
    }

    private sealed class BoxRecorder(IHessianFunction inner) : IHessianFunction
    {
        public List<double[]> Points { get; } = [];

        public int Dimension => inner.Dimension;

        public void Hessian(ReadOnlySpan<double> x, Span<double> hessian)
        {
            Points.Add(x.ToArray());
            inner.Hessian(x, hessian);
        }

        public void CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient)
        {
            Points.Add(x.ToArray());
            inner.CurvatureGradient(x, direction, gradient);
        }
    }
}
