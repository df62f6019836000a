using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using FsCheck.Xunit;

namespace AutoMon.Numerics.Tests;

public class FormulaTests
{
    private const string Example = "dot(x[0:3], x[3:6]) - log(1 + sum(x[0:3]^2))";

    // ---- value, gradient and Hessian against closed forms ----

    [Property(MaxTest = 60)]
    public void The_issue_example_has_the_value_gradient_and_hessian_of_its_closed_form(int seed)
    {
        var f = Formula.Parse(Example, 6);
        var x = Oracles.RandomPoint(seed, 6, -3, 3);
        double[] a = x[..3], b = x[3..];
        var s = 1 + a.Sum(v => v * v);
        var value = a.Zip(b).Sum(p => p.First * p.Second) - Math.Log(s);
        var gradient = new double[6];
        var hessian = new double[36];
        for (var i = 0; i < 3; i++)
        {
            gradient[i] = b[i] - (2 * a[i] / s);
            gradient[3 + i] = a[i];
            hessian[(i * 6) + 3 + i] = 1;
            hessian[((3 + i) * 6) + i] = 1;
            for (var j = 0; j < 3; j++)
            {
                hessian[(i * 6) + j] = (4 * a[i] * a[j] / (s * s)) - (i == j ? 2 / s : 0);
            }
        }

        AssertAll(f, x, value, gradient, hessian);
    }

    [Property(MaxTest = 40)]
    public void Mean_of_exp_over_the_whole_input_has_a_diagonal_hessian(int seed)
    {
        var d = 1 + (Math.Abs(seed) % 8);
        var f = Formula.Parse("mean(exp(x))", d);
        var x = Oracles.RandomPoint(seed, d, -2, 2);
        var hessian = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            hessian[(i * d) + i] = Math.Exp(x[i]) / d;
        }

        AssertAll(f, x, x.Average(Math.Exp), x.Select(v => Math.Exp(v) / d).ToArray(), hessian);
    }

    [Property(MaxTest = 40)]
    public void Sum_of_sigmoid_has_the_logistic_derivatives(int seed)
    {
        var f = Formula.Parse("sum(sigmoid(x))", 4);
        var x = Oracles.RandomPoint(seed, 4, -4, 4);
        var sigma = x.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
        var hessian = new double[16];
        for (var i = 0; i < 4; i++)
        {
            hessian[(i * 4) + i] = sigma[i] * (1 - sigma[i]) * (1 - (2 * sigma[i]));
        }

        AssertAll(f, x, sigma.Sum(), sigma.Select(s => s * (1 - s)).ToArray(), hessian);
    }

    [Property(MaxTest = 40)]
    public void Products_of_tanh_sin_and_cos_have_their_closed_form(int seed)
    {
        var f = Formula.Parse("tanh(x[0]) * sin(x[1]) + cos(x[2])", 3);
        var x = Oracles.RandomPoint(seed, 3, -2, 2);
        double t = Math.Tanh(x[0]), sech2 = 1 - (t * t), s1 = Math.Sin(x[1]), c1 = Math.Cos(x[1]);
        AssertAll(f, x,
            (t * s1) + Math.Cos(x[2]),
            [sech2 * s1, t * c1, -Math.Sin(x[2])],
            [-2 * t * sech2 * s1, sech2 * c1, 0, sech2 * c1, -t * s1, 0, 0, 0, -Math.Cos(x[2])]);
    }

    [Property(MaxTest = 40)]
    public void Quotients_and_square_roots_have_their_closed_form(int seed)
    {
        var f = Formula.Parse("sqrt(x[0]) / x[1]", 2);
        var x = Oracles.RandomPoint(seed, 2, 0.5, 3);
        double r = Math.Sqrt(x[0]), y = x[1];
        AssertAll(f, x,
            r / y,
            [0.5 / (r * y), -r / (y * y)],
            [-0.25 / (x[0] * r * y), -0.5 / (r * y * y), -0.5 / (r * y * y), 2 * r / (y * y * y)]);
    }

    [Property(MaxTest = 40)]
    public void A_power_with_a_variable_exponent_is_exp_of_exponent_times_log_base(int seed)
    {
        var f = Formula.Parse("x[0]^x[1]", 2);
        var x = Oracles.RandomPoint(seed, 2, 0.5, 2.5);
        double u = x[0], p = x[1], v = Math.Pow(u, p), ln = Math.Log(u);
        var cross = Math.Pow(u, p - 1) * (1 + (p * ln));
        AssertAll(f, x,
            v,
            [p * Math.Pow(u, p - 1), v * ln],
            [p * (p - 1) * Math.Pow(u, p - 2), cross, cross, v * ln * ln]);
    }

    [Property(MaxTest = 40)]
    public void A_constant_power_is_elementwise_on_a_slice(int seed)
    {
        var f = Formula.Parse("sum(x[1:3]^2.5) + 3^x[0]", 3);
        var x = Oracles.RandomPoint(seed, 3, 0.1, 2);
        AssertAll(f, x,
            Math.Pow(x[1], 2.5) + Math.Pow(x[2], 2.5) + Math.Pow(3, x[0]),
            [Math.Pow(3, x[0]) * Math.Log(3), 2.5 * Math.Pow(x[1], 1.5), 2.5 * Math.Pow(x[2], 1.5)],
            [Math.Pow(3, x[0]) * Math.Log(3) * Math.Log(3), 0, 0, 0, 3.75 * Math.Sqrt(x[1]), 0, 0, 0, 3.75 * Math.Sqrt(x[2])]);
    }

    [Fact]
    public void Powers_one_and_zero_stay_finite_where_the_base_is_zero()
    {
        var f = Formula.Parse("x[0]^1 + x[1]^0", 2);
        AssertAll(f, [0, 0], 1, [1, 0], [0, 0, 0, 0]);
    }

    [Property(MaxTest = 40)]
    public void A_formula_records_the_same_graph_as_the_same_function_written_with_Ad(int seed)
    {
        var formula = Formula.Parse(Example, 6);
        var written = DifferentiableFunction.Create("example", 6, x => Ad.Dot(x[0..3], x[3..6]) - Ad.Log(1.0 + Ad.Sum(Ad.Square(x[0..3]))));
        var point = Oracles.RandomPoint(seed, 6, -3, 3);
        var (v1, g1, h1) = Oracles.All(formula, point);
        var (v2, g2, h2) = Oracles.All(written, point);
        Assert.Equal(written.OperationCount, formula.OperationCount);
        Assert.Equal(v2, v1);
        Assert.Equal(g2, g1);
        Assert.Equal(h2, h1);
    }

    [Fact]
    public void The_function_is_named_by_the_formula_text_and_has_the_given_dimension()
    {
        var f = Formula.Parse(Example, 6);
        Assert.Equal(Example, f.Name);
        Assert.Equal(6, f.Dimension);
    }

    // ---- precedence, associativity, numbers, broadcasting ----

    [Theory]
    [InlineData("-x[0]^2", 3, -9)]             // ^ binds tighter than unary minus: −(x0²)
    [InlineData("-x[0]^2", -3, -9)]
    [InlineData("2^3^2 * x[0]", 1, 512)]       // right-associative: 2^(3^2)
    [InlineData("2^-1 * x[0]", 1, 0.5)]        // the exponent may carry its own sign
    [InlineData("1 + 2 * x[0]", 3, 7)]
    [InlineData("(1 + 2) * x[0]", 3, 9)]
    [InlineData("x[0] - 1 - 2", 10, 7)]        // left-associative
    [InlineData("x[0] / 2 / 5", 10, 1)]
    [InlineData("- -x[0]", 4, 4)]
    [InlineData("+x[0] * 2", 4, 8)]
    [InlineData("x[0] * 1e-3 + .5 + 2.5E+1", 1000, 26.5)]
    [InlineData("exp(0) * x[0] + sqrt(16) - log(1) + sin(0) + cos(0) + tanh(0) + sigmoid(0)", 1, 6.5)]
    [InlineData("x", 5, 5)]
    public void Operators_follow_the_documented_precedence(string formula, double x0, double expected)
    {
        Assert.Equal(expected, Formula.Parse(formula, 1).Value([x0]), 12);
    }

    [Fact]
    public void A_scalar_broadcasts_against_a_slice_and_equal_lengths_combine_elementwise()
    {
        var x = new double[] { 1, 2, 3, 10, 20, 30, 5 };
        Assert.Equal(9 + 18 + 27, Formula.Parse("sum((x[3:6] - x[0:3]) / x[0:3] * x[0:3] - x[0] + 1 * 1)", 7).Value(x), 12);
        Assert.Equal(((1 - 5) * (1 - 5)) + ((2 - 5) * (2 - 5)) + ((3 - 5) * (3 - 5)), Formula.Parse("sum((x[0:3] - x[6])^2)", 7).Value(x), 12);
        Assert.Equal(2 * (1 + 2 + 3), Formula.Parse("sum(2 * x[:3])", 7).Value(x), 12);
        Assert.Equal(5 + 10 + 20 + 30, Formula.Parse("sum(x[3:])", 7).Value(x), 12);
        Assert.Equal(20, Formula.Parse("mean(x[3:6])", 7).Value(x), 12);
        Assert.Equal((1 * 10) + (2 * 20) + (3 * 30), Formula.Parse("dot(x[:3], x[3:6])", 7).Value(x), 12);
    }

    [Property(MaxTest = 30)]
    public void Broadcasting_a_scalar_input_over_a_slice_has_the_closed_form_derivatives(int seed)
    {
        var f = Formula.Parse("sum((x[0:3] - x[3])^2)", 4);
        var x = Oracles.RandomPoint(seed, 4, -2, 2);
        var c = x[3];
        var value = x[..3].Sum(a => (a - c) * (a - c));
        double[] gradient = [2 * (x[0] - c), 2 * (x[1] - c), 2 * (x[2] - c), -2 * x[..3].Sum(a => a - c)];
        double[] hessian = [2, 0, 0, -2, 0, 2, 0, -2, 0, 0, 2, -2, -2, -2, -2, 6];
        AssertAll(f, x, value, gradient, hessian);
    }

    // ---- errors name the position and what was expected ----

    [Theory]
    [InlineData("", 6, 0, "the formula is empty")]
    [InlineData("x[0] +", 6, 6, "expected a number, x, a function or '(' after '+', found the end of the formula")]
    [InlineData("x[0] $ 1", 6, 5, "unexpected character '$'")]
    [InlineData("dot(x[0:3], x[3:6] x[0])", 6, 19, "expected ')' after the arguments of dot, found 'x'")]
    [InlineData("dot(x[0:3])", 6, 10, "dot takes 2 arguments; found 1")]
    [InlineData("dot(x[0:3]; x[3:6])", 6, 10, "unexpected character ';'")]
    [InlineData("exp(x[0], x[1])", 6, 8, "exp takes 1 argument")]
    [InlineData("sum(x[0:3] x[0])", 6, 11, "expected ')' after the argument of sum")]
    [InlineData("foo(x[0])", 6, 0, "unknown name 'foo'; the input is x and the functions are exp, log")]
    [InlineData("x[0] * X", 6, 7, "the input vector is lowercase x")]
    [InlineData("exp x[0]", 6, 4, "expected '(' after exp")]
    [InlineData("(x[0] + 1", 6, 9, "expected ')' to close the '(' at position 0")]
    [InlineData("x[0])", 6, 4, "found ')' without a matching '('")]
    [InlineData("2 x[0]", 6, 2, "expected an operator (+ - * / ^) or the end of the formula, found 'x'")]
    [InlineData("x[0] ** 2", 6, 6, "powers are written with ^")]
    [InlineData("x[0] * 1,5", 6, 8, "expected an operator")]
    [InlineData("x[0] * 1e+", 6, 8, "the number '1e+' needs digits after its exponent 'e'")]
    [InlineData("x[0] * 1e999", 6, 7, "too large")]
    [InlineData("x[7]", 6, 2, "x[7] is outside a vector of dimension 6")]
    [InlineData("sum(x[2:8])", 6, 8, "x[2:8] is outside a vector of dimension 6")]
    [InlineData("sum(x[6:])", 6, 6, "x[6:] is outside a vector of dimension 6")]
    [InlineData("sum(x[3:3])", 6, 8, "x[3:3] is empty")]
    [InlineData("x[1.5]", 6, 2, "an index must be a whole number from 0; found 1.5")]
    [InlineData("x[-1]", 6, 2, "expected an index (a whole number from 0) or ':' after 'x[', found '-'")]
    [InlineData("x[0", 6, 3, "expected ']' or ':' after the index in 'x[0'")]
    [InlineData("sum(x[0:2)", 6, 9, "expected ']' to close 'x[0:2'")]
    [InlineData("sum(x[0:3] + x[3:5])", 6, 11, "'+' needs operands of one length or a scalar; found lengths 3 and 2")]
    [InlineData("dot(x[0:3], x[3:5])", 6, 0, "dot needs two vectors of one length; found lengths 3 and 2")]
    [InlineData("x[0] ^ x[0:2]", 6, 5, "the exponent of '^' must be a scalar")]
    [InlineData("(-2)^x[0]", 6, 4, "a constant raised to a power of x must be positive")]
    [InlineData("x[0] + log(0)", 6, 7, "this constant part of the formula evaluates to infinity")]
    public void Every_error_names_its_position_and_what_was_expected(string formula, int d, int position, string problem)
    {
        var e = Assert.Throws<FormulaException>(() => Formula.Parse(formula, d));
        Assert.Equal(position, e.Position);
        Assert.StartsWith($"position {position}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vector_valued_formula_is_rejected_as_not_a_scalar()
    {
        var e = Assert.Throws<FormulaException>(() => Formula.Parse("x[0:3] * 2", 6));
        Assert.Null(e.Position);
        Assert.Equal("the formula's value has 3 components; f must be a scalar (use sum, dot or an index)", e.Message);
    }

    [Fact]
    public void A_formula_without_x_is_rejected()
    {
        var e = Assert.Throws<FormulaException>(() => Formula.Parse("1 + 2", 6));
        Assert.Contains("never uses x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_returns_the_function_or_the_error()
    {
        Assert.True(Formula.TryParse("x[0] * x[1]", 2, out var f, out var none));
        Assert.Null(none);
        Assert.Equal(6, f.Value([2, 3]));

        Assert.False(Formula.TryParse("x[0] * x[2]", 2, out var g, out var error));
        Assert.Null(g);
        Assert.Equal(9, error.Position);
        Assert.False(Formula.TryParse(null, 2, out _));
    }

    [Fact]
    public void A_formula_error_is_an_argument_exception()
    {
        Assert.IsAssignableFrom<ArgumentException>(Assert.Throws<FormulaException>(() => Formula.Parse("x[", 2)));
    }

    // ---- the catalog ----

    [Theory]
    [InlineData("x[0] * x[1]", true)]
    [InlineData("x", true)]
    [InlineData("-x", true)]
    [InlineData(Example, true)]
    [InlineData("inner_product", false)]
    [InlineData("Inner-Product", false)]
    [InlineData("rosenbrock", false)]
    [InlineData("banana", false)]
    [InlineData("maxx", false)]           // a misspelt name, not a formula
    [InlineData("1 + 2", false)]
    public void IsFormula_tells_formulas_from_catalog_names(string name, bool isFormula)
    {
        Assert.Equal(isFormula, FunctionCatalog.IsFormula(name));
        if (isFormula)
        {
            Assert.False(FunctionCatalog.TryResolve(name, out _));
        }
    }

    [Theory]
    [InlineData("x[0] * x[1]", 2)]
    [InlineData(Example, 6)]
    [InlineData("sum(x[:4]) + x[1]", 4)]
    [InlineData("x[9]", 10)]
    public void A_formula_defaults_to_the_smallest_dimension_covering_its_indices(string formula, int expected)
    {
        Assert.Equal(expected, FunctionCatalog.DefaultDimension(formula));
        Assert.Equal(expected, FunctionCatalog.Create(formula, new FunctionOptions()).Dimension);
    }

    [Theory]
    [InlineData("sum(x)")]
    [InlineData("sum(x[2:]) + x[5]")]
    public void A_formula_whose_length_is_the_dimension_asks_for_dim(string formula)
    {
        var e = Assert.Throws<ArgumentException>(() => FunctionCatalog.DefaultDimension(formula));
        Assert.Contains("a formula needs --dim", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => FunctionCatalog.Create(formula, new FunctionOptions()));
        Assert.Contains("a formula needs --dim", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_catalog_builds_a_formula_over_all_of_R_d_with_an_unknown_range()
    {
        var monitored = FunctionCatalog.Create(Example, new FunctionOptions { Dimension = 8 });
        Assert.Equal(Example, monitored.Name);
        Assert.Equal(8, monitored.Dimension);
        Assert.Null(monitored.Domain);
        Assert.Equal(double.NegativeInfinity, monitored.MinValue);
        Assert.Equal(double.PositiveInfinity, monitored.MaxValue);
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        Assert.Equal(32 - Math.Log(15), monitored.Function.Value(x), 12);
    }

    [Fact]
    public void The_catalog_reports_formula_errors_with_their_position()
    {
        var e = Assert.Throws<FormulaException>(() => FunctionCatalog.Create("x[0] * x[6]", new FunctionOptions { Dimension = 6 }));
        Assert.StartsWith("position 9: x[6] is outside a vector of dimension 6", e.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ArgumentException>(() => FunctionCatalog.Create("maxx", new FunctionOptions()));
        Assert.Contains("Unknown function 'maxx'", unknown.Message, StringComparison.Ordinal);
    }

    private static void AssertAll(DifferentiableFunction f, double[] x, double value, double[] gradient, double[] hessian)
    {
        var (v, g, h) = Oracles.All(f, x);
        Assert.True(Oracles.Close(value, v, 1e-12), $"value: expected {value:R}, got {v:R}");
        Assert.True(Oracles.Close(value, f.Value(x), 1e-12), "value pass");
        Oracles.AssertClose(gradient, g, 1e-10, "gradient");
        Oracles.AssertClose(hessian, h, 1e-9, "hessian");
    }
}
