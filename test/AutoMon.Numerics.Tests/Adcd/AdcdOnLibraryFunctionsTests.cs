using AutoMon.Numerics.Functions;
using AutoMon.Numerics.Randomness;

namespace AutoMon.Numerics.Tests.Adcd;

using Adcd = AutoMon.Numerics.Adcd;

/// <summary>ADCD through the AD engine on the library's functions, as the coordinator runs it.</summary>
public class AdcdOnLibraryFunctionsTests
{
    private static MonitoredFunction Create(string name, int? d = null) => FunctionCatalog.Create(name, new FunctionOptions { Dimension = d, Seed = 3 });

    private static BoxDomain? DomainOf(MonitoredFunction f) =>
        f.Domain is { } range ? BoxDomain.Uniform(f.Dimension, range.Low, range.High) : null;

    [Theory]
    [InlineData("inner_product", true)]
    [InlineData("quadratic", true)]
    [InlineData("variance", true)]
    [InlineData("rozenbrock", false)]
    [InlineData("entropy", false)]
    [InlineData("kld", false)]
    [InlineData("cosine_similarity", false)]
    [InlineData("quadratic_inverse", true)]
    [InlineData("sine", false)]
    public void Constant_hessian_test_classifies_the_library_functions(string name, bool constant)
    {
        var f = Create(name);
        Assert.Equal(constant, Adcd.IsHessianConstant(f.Function, new NumpyLegacyRandom(1), DomainOf(f)));
    }

    [Fact]
    public void Adcd_e_of_the_AD_inner_product_equals_the_closed_form()
    {
        var f = MonitoredFunctions.InnerProduct(6);
        var x0 = new[] { 0.1, -0.2, 0.3, 0.4, -0.5, 0.6 };
        var viaAd = Adcd.Exact(f, x0);
        var closed = Adcd.Exact(new InnerProduct(6), x0);

        Assert.Equal(closed.DcType, viaAd.DcType);
        Assert.Equal(closed.SignedHessian.ToArray(), viaAd.SignedHessian.ToArray());
    }

    [Fact]
    public void Adcd_x_of_the_AD_rosenbrock_equals_the_closed_form()
    {
        var f = MonitoredFunctions.Rosenbrock(2);
        var box = BoxDomain.Neighborhood([0.5, 0.5], 0.5, null);
        var viaAd = Adcd.Extreme(f, [0.5, 0.5], box);
        var closed = Adcd.Extreme(new Rosenbrock2(), [0.5, 0.5], box, ExtremeEigenvalueOptions.Default);

        Assert.Equal(closed.DcType, viaAd.DcType);
        Assert.Equal(closed.ExtremeEigenvalue, viaAd.ExtremeEigenvalue, 9);
        Assert.Equal(closed.Neighborhood.Max, viaAd.Neighborhood.Max, 9);
    }

    [Fact]
    public void Variance_is_concave_with_H_plus_zero()
    {
        // x[1] - x[0]^2: Hessian diag(-2, 0): |-2| > 0, so concave; H_plus = 0.
        var result = Adcd.Exact(Create("variance").Function, [0.5, 1.0]);

        Assert.Equal(DcType.Concave, result.DcType);
        Assert.All(result.SignedHessian.ToArray(), v => Assert.Equal(0.0, v, 15));
    }

    [Fact]
    public void Entropy_in_the_interior_is_concave_by_the_dh_heuristic()
    {
        // -sum p log p: Hessian diag(-1 / p_i) < 0 everywhere, so M = 0 and the concave form wins.
        var f = Create("entropy", 4);
        var x0 = new[] { 0.1, 0.2, 0.3, 0.4 };
        var result = Adcd.Extreme(f.Function, x0, BoxDomain.Neighborhood(x0, 0.05, DomainOf(f)));

        Assert.Equal(DcType.Concave, result.DcType);
        Assert.Equal(0.0, result.ExtremeEigenvalue);
        Assert.True(result.Neighborhood.Min <= -1 / 0.1);
    }
}
