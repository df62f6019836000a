using AutoMon.Numerics.Randomness;

namespace AutoMon.Numerics.Tests.Adcd;

using Adcd = AutoMon.Numerics.Adcd;

public class ConstantHessianTests
{
    [Fact]
    public void Inner_product_has_a_constant_hessian()
    {
        Assert.True(Adcd.IsHessianConstant(new InnerProduct(6), new NumpyLegacyRandom(1), null));
    }

    [Fact]
    public void Quadratic_form_has_a_constant_hessian()
    {
        var f = new QuadraticFunction(new double[,] { { 0.1, 0.2 }, { 0.2, -0.3 } });
        Assert.True(Adcd.IsHessianConstant(f, new NumpyLegacyRandom(1), null));
    }

    [Fact]
    public void Rosenbrock_has_a_non_constant_hessian()
    {
        Assert.False(Adcd.IsHessianConstant(new Rosenbrock2(), new NumpyLegacyRandom(1), null));
    }

    [Fact]
    public void A_hessian_of_NaNs_is_not_constant_because_NaN_never_equals_NaN()
    {
        Assert.False(Adcd.IsHessianConstant(new NaNHessian(2), new NumpyLegacyRandom(1), null));
    }

    [Fact]
    public void Test_consumes_three_points_of_the_global_stream()
    {
        var used = new NumpyLegacyRandom(1);
        Adcd.IsHessianConstant(new InnerProduct(4), used, null);

        var expected = new NumpyLegacyRandom(1);
        expected.Uniform(-10, 10, new double[12]);
        Assert.Equal(expected.NextUInt32(), used.NextUInt32());
    }

    [Fact]
    public void Test_draws_its_points_from_the_neighbourhood_box_when_one_is_given()
    {
        var recorder = new RecordingHessian(2);
        Adcd.IsHessianConstant(recorder, new NumpyLegacyRandom(3), new BoxDomain([0.0, -1.0], [1.0, 1.0]));

        // numpy: np.random.seed(3); np.random.uniform([0., -1.], [1., 1.], (3, 2)), then cast to float32.
        var expected = new NumpyLegacyRandom(3);
        var points = new double[6];
        expected.Uniform([0.0, -1.0], [1.0, 1.0], points);
        Assert.Equal(3, recorder.Points.Count);
        for (var p = 0; p < 3; p++)
        {
            Assert.Equal((double)(float)points[2 * p], recorder.Points[p][0]);
            Assert.Equal((double)(float)points[(2 * p) + 1], recorder.Points[p][1]);
            Assert.InRange(recorder.Points[p][0], 0.0, 1.0);
        }
    }

    [Fact]
    public void Hessian_is_evaluated_at_float32_points()
    {
        var recorder = new RecordingHessian(3);
        Adcd.IsHessianConstant(recorder, new NumpyLegacyRandom(1), null);
        foreach (var point in recorder.Points)
        {
            foreach (var v in point)
            {
                Assert.Equal(v, (double)(float)v);
            }
        }

        // First coordinate of np.random.seed(1); uniform(-10, 10) is -1.6595599059485195, as float32.
        Assert.Equal((double)(float)-1.6595599059485195, recorder.Points[0][0]);
    }

    private sealed class RecordingHessian(int dimension) : IHessianFunction
    {
        public List<double[]> Points { get; } = [];

        public int Dimension => dimension;

        public void Hessian(ReadOnlySpan<double> x, Span<double> hessian)
        {
            Points.Add(x.ToArray());
            hessian.Clear();
        }

        public void CurvatureGradient(ReadOnlySpan<double> x, ReadOnlySpan<double> direction, Span<double> gradient) => gradient.Clear();
    }
}
