using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests;

public class MonitoredFunctionTests
{
    public static TheoryData<string, double, double> CatalogFunctions => new()
    {
        // name, low, high of the random test points (inside each function's smooth domain).
        { "inner_product", -3, 3 },
        { "quadratic", -3, 3 },
        { "kld", 0.05, 0.95 },
        { "entropy", 0.05, 0.95 },
        { "variance", -3, 3 },
        { "cosine_similarity", 0.2, 3 },
        { "rozenbrock", -2, 2 },
        { "sine", -3, 3 },
        { "quadratic_inverse", -3, 3 },
        { "mlp", -1, 1 },
        { "dnn", -0.5, 0.5 },
    };

    [Fact]
    public void A_functions_domain_box_spans_its_domain_on_every_coordinate_and_is_shared_by_all_who_ask()
    {
        var kld = FunctionCatalog.Create("kld", new FunctionOptions { Dimension = 6, Seed = 7 });
        var domain = kld.Domain!.Value;

        var box = kld.DomainBox()!;

        Assert.Equal(6, box.Dimension);
        Assert.All(box.Lower.ToArray(), low => Assert.Equal(domain.Low, low));
        Assert.All(box.Upper.ToArray(), high => Assert.Equal(domain.High, high));
        Assert.Same(box, kld.DomainBox());
        Assert.Null((kld with { Domain = null }).DomainBox());
    }

    [Theory]
    [MemberData(nameof(CatalogFunctions))]
    public void Catalog_function_gradient_and_hessian_match_finite_differences(string name, double low, double high)
    {
        var f = FunctionCatalog.Create(name, new FunctionOptions { Dimension = name == "quadratic" ? 6 : null, Seed = 7 }).Function;
        for (var seed = 0; seed < 5; seed++)
        {
            var x = Oracles.RandomPoint(seed, f.Dimension, low, high);
            var (v, g, h) = Oracles.All(f, x);
            Assert.Equal(f.Value(x), v);
            Oracles.AssertClose(Oracles.NumericGradient(f, x), g, 2e-5, $"{name} gradient");
            // The DNN's ReLU kinks make its Hessian piecewise; FD of the gradient is still exact away from kinks.
            Oracles.AssertClose(Oracles.NumericHessian(f, x), h, 2e-4, $"{name} Hessian");
        }
    }

    [Fact]
    public void Every_catalog_name_builds_a_function_of_its_default_dimension()
    {
        foreach (var name in FunctionCatalog.Names)
        {
            var f = FunctionCatalog.Create(name, new FunctionOptions());
            Assert.Equal(FunctionCatalog.DefaultDimension(name), f.Dimension);
        }
    }

    [Fact]
    public void Unknown_function_names_are_rejected_with_the_known_names_listed()
    {
        var e = Assert.Throws<ArgumentException>(() => FunctionCatalog.Create("banana", new FunctionOptions()));
        Assert.Contains("Unknown function 'banana'", e.Message, StringComparison.Ordinal);
        Assert.Contains("inner_product", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Odd_dimension_for_a_two_halves_function_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => FunctionCatalog.Create("inner_product", new FunctionOptions { Dimension = 5 }));
        Assert.Contains("even dimension", e.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 50)]
    public bool Kld_matches_its_closed_form(int seed)
    {
        var x = Oracles.RandomPoint(seed, 8, 0, 1);
        const double eps = 1.0 / 2400;
        var expected = 0.0;
        for (var i = 0; i < 4; i++)
        {
            double p = x[i] + eps, q = x[4 + i] + eps;
            expected += p * Math.Log(p / q);
        }

        return Oracles.Close(expected, MonitoredFunctions.KlDivergence(8).Value(x), 1e-12);
    }

    [Property(MaxTest = 50)]
    public bool Rosenbrock_matches_its_closed_form_in_two_dimensions(int seed)
    {
        var x = Oracles.RandomPoint(seed, 2, -2, 2);
        var expected = ((1 - x[0]) * (1 - x[0])) + (100 * (x[1] - (x[0] * x[0])) * (x[1] - (x[0] * x[0])));
        return Oracles.Close(expected, MonitoredFunctions.Rosenbrock().Value(x), 1e-12);
    }

    [Property(MaxTest = 50)]
    public bool Cosine_similarity_matches_its_closed_form(int seed)
    {
        var x = Oracles.RandomPoint(seed, 6, -2, 2);
        double dot = 0, nx = 0, ny = 0;
        for (var i = 0; i < 3; i++)
        {
            dot += x[i] * x[3 + i];
            nx += x[i] * x[i];
            ny += x[3 + i] * x[3 + i];
        }

        return Oracles.Close(dot / Math.Sqrt(nx * ny), MonitoredFunctions.CosineSimilarity(6).Value(x), 1e-12);
    }

    [Fact]
    public void Cosine_similarity_of_a_zero_half_is_zero()
    {
        Assert.Equal(0, MonitoredFunctions.CosineSimilarity(4).Value([0, 0, 1, 2]));
    }

    [Fact]
    public void Variance_is_second_moment_minus_squared_first_moment()
    {
        var f = MonitoredFunctions.Variance();
        var g = new double[2];
        Assert.Equal(5 - 4, f.ValueAndGradient([2, 5], g));
        Assert.Equal([-4.0, 1], g);
    }

    [Fact]
    public void Dense_network_matches_a_plain_forward_pass()
    {
        var net = DenseNetwork.Initialize(DenseNetwork.IntrusionDetectionShape, Activation.Relu, Activation.Sigmoid, seed: 3);
        var f = MonitoredFunctions.Network("dnn", net);
        var x = Oracles.RandomPoint(11, 41, -1, 1);
        var h = x;
        foreach (var layer in net.Layers)
        {
            var next = new double[layer.Outputs];
            for (var o = 0; o < layer.Outputs; o++)
            {
                var s = layer.Bias[o];
                for (var i = 0; i < layer.Inputs; i++)
                {
                    s += layer.Weights[o, i] * h[i];
                }

                next[o] = layer.Activation switch
                {
                    Activation.Relu => Math.Max(s, 0),
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-s)),
                    Activation.Tanh => Math.Tanh(s),
                    _ => s,
                };
            }

            h = next;
        }

        Assert.True(Oracles.Close(h[0], f.Value(x), 1e-12), $"expected {h[0]}, got {f.Value(x)}");
    }

    [Fact]
    public void Dense_network_is_recorded_as_a_few_vector_operations_per_layer()
    {
        var f = FunctionCatalog.Create("dnn", new FunctionOptions()).Function;
        // MatVec, bias add and activation for each of the 6 layers: no per-weight scalar operations.
        Assert.Equal(18, f.OperationCount);
    }
}
