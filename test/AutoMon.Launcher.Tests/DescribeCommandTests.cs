using System.Globalization;
using System.Text.Json;

namespace AutoMon.Launcher.Tests;

public sealed class DescribeCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-describe-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var exitCode = await LauncherApp.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static async Task<JsonElement> Describe(params string[] args)
    {
        var (exitCode, output, error) = await Run(["describe", .. args]);
        Assert.True(exitCode == 0, $"exit {exitCode}: {error}");
        Assert.Equal(string.Empty, error);
        return JsonDocument.Parse(output).RootElement;
    }

    private static async Task<string> Fails(params string[] args)
    {
        var (exitCode, output, error) = await Run(["describe", .. args]);
        Assert.NotEqual(0, exitCode);
        Assert.Equal(string.Empty, output);
        var line = error.TrimEnd();
        Assert.False(string.IsNullOrEmpty(line));
        Assert.DoesNotContain('\n', line);
        return line;
    }

    private static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public async Task Inner_product_reports_value_gradient_and_ADCD_E_convex()
    {
        var json = await Describe("--function", "inner_product", "--x", "1,2,3,4");

        Assert.Equal(11.0, json.GetProperty("value").GetDouble());
        Assert.Equal([3.0, 4.0, 1.0, 2.0], Numbers(json.GetProperty("gradient")));
        Assert.Equal(-1.0, json.GetProperty("hessian_min_eigenvalue").GetDouble(), 12);
        Assert.Equal(1.0, json.GetProperty("hessian_max_eigenvalue").GetDouble(), 12);
        Assert.True(json.GetProperty("constant_hessian").GetBoolean());
        Assert.Equal("E", json.GetProperty("adcd").GetString());
        Assert.Equal("convex", json.GetProperty("dc_type").GetString());
        Assert.False(json.TryGetProperty("extreme_eigenvalues", out _));
    }

    [Fact]
    public async Task A_formula_is_described_like_a_catalog_function()
    {
        var json = await Describe("--function", "x[0]*x[1] + sin(x[2])", "--x", "2,3,0");

        Assert.Equal(6.0, json.GetProperty("value").GetDouble(), 12);
        Assert.Equal([3.0, 2.0, 1.0], Numbers(json.GetProperty("gradient")));
        Assert.False(json.GetProperty("constant_hessian").GetBoolean());
        Assert.Equal("X", json.GetProperty("adcd").GetString());
    }

    [Fact]
    public async Task Dimension_defaults_to_the_length_of_x()
    {
        var json = await Describe("--function", "inner_product", "--x", "1,0,0,0,2,0,0,0");
        Assert.Equal(8, json.GetProperty("dimension").GetInt32());
        Assert.Equal(2.0, json.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task Variance_is_ADCD_E_concave()
    {
        var json = await Describe("--function", "variance", "--x", "0.5,1");

        Assert.Equal(0.75, json.GetProperty("value").GetDouble());
        Assert.Equal("E", json.GetProperty("adcd").GetString());
        Assert.Equal("concave", json.GetProperty("dc_type").GetString());
    }

    [Fact]
    public async Task Quadratic_reads_H_from_the_matrix_file()
    {
        // H = -I: f = -(x0^2 + x1^2), negative definite, so concave.
        var path = Path.Combine(_directory, "H.txt");
        await File.WriteAllTextAsync(path, "-1.0 0.0\n0.0 -1.0\n");

        var json = await Describe("--function", "quadratic", "--h-matrix", path, "--x", "1,2");

        Assert.Equal(-5.0, json.GetProperty("value").GetDouble());
        Assert.Equal([-2.0, -4.0], Numbers(json.GetProperty("gradient")));
        Assert.Equal("E", json.GetProperty("adcd").GetString());
        Assert.Equal("concave", json.GetProperty("dc_type").GetString());
    }

    [Fact]
    public async Task Rosenbrock_with_a_neighbourhood_is_ADCD_X_with_extreme_eigenvalues_over_the_box()
    {
        var json = await Describe("--function", "rozenbrock", "--x", "0.5,0.5", "--neighborhood", "0.5");

        Assert.False(json.GetProperty("constant_hessian").GetBoolean());
        Assert.Equal("X", json.GetProperty("adcd").GetString());
        Assert.Equal("convex", json.GetProperty("dc_type").GetString());
        var extremes = json.GetProperty("extreme_eigenvalues");

        // scipy's L-BFGS-B (maxiter 5) finds the corners: -398 at (0, 1) and 1342.0936 at (1, 0).
        Assert.Equal(-398.0, extremes.GetProperty("min").GetDouble(), 6);
        Assert.Equal(1342.0935969107786, extremes.GetProperty("max").GetDouble(), 6);
        Assert.Equal(-398.0, json.GetProperty("dc_argument").GetDouble(), 6);
        Assert.Equal([0.0, 0.0], Numbers(extremes.GetProperty("box").GetProperty("lower")));
        Assert.Equal([1.0, 1.0], Numbers(extremes.GetProperty("box").GetProperty("upper")));
    }

    [Fact]
    public async Task Entropy_without_a_neighbourhood_searches_its_domain()
    {
        var json = await Describe("--function", "entropy", "--x", "0.1,0.2,0.3,0.4");

        Assert.Equal("X", json.GetProperty("adcd").GetString());
        Assert.Equal("concave", json.GetProperty("dc_type").GetString());
        var box = json.GetProperty("extreme_eigenvalues").GetProperty("box");
        Assert.Equal([0.0, 0.0, 0.0, 0.0], Numbers(box.GetProperty("lower")));
        Assert.Equal([1.0, 1.0, 1.0, 1.0], Numbers(box.GetProperty("upper")));
    }

    [Fact]
    public async Task Unknown_function_is_a_one_line_error()
    {
        var error = await Fails("--function", "nope", "--x", "1,2");
        Assert.Contains("Unknown function 'nope'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dimension_that_disagrees_with_x_is_a_one_line_error()
    {
        var error = await Fails("--function", "inner_product", "--dim", "4", "--x", "1,2,3");
        Assert.Contains("--x has 3 values but --dim is 4", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dimension_the_function_cannot_take_is_a_one_line_error()
    {
        var error = await Fails("--function", "inner_product", "--x", "1,2,3");
        Assert.Contains("even dimension", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NaN_in_x_is_a_one_line_error()
    {
        var error = await Fails("--function", "inner_product", "--x", "1,NaN");
        Assert.Contains("value 2 is NaN", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_number_in_x_is_a_one_line_error()
    {
        var error = await Fails("--function", "inner_product", "--x", "1,2,x3,4");
        Assert.Contains("value 3 ('x3') is not a number", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_matrix_file_is_a_one_line_error()
    {
        var missing = Path.Combine(_directory, "missing.txt");
        var error = await Fails("--function", "quadratic", "--h-matrix", missing, "--x", "1,2");
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_weights_file_is_a_one_line_error()
    {
        var missing = Path.Combine(_directory, "weights.npz");
        var x = string.Join(',', Enumerable.Repeat("0.1", 41));
        var error = await Fails("--function", "dnn", "--weights", missing, "--x", x);
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_matrix_file_is_a_one_line_error_naming_the_line()
    {
        var path = Path.Combine(_directory, "bad.txt");
        await File.WriteAllTextAsync(path, "1 0\n0 oops\n");
        var error = await Fails("--function", "quadratic", "--h-matrix", path, "--x", "1,2");
        Assert.Contains("line 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Negative_neighbourhood_is_a_one_line_error()
    {
        var error = await Fails("--function", "rozenbrock", "--x", "0.5,0.5", "--neighborhood", "-1");
        Assert.Contains("--neighborhood", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_function_option_fails_without_printing_help()
    {
        var (exitCode, output, error) = await Run("describe", "--x", "1,2");
        Assert.NotEqual(0, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Contains("--function", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage", error, StringComparison.Ordinal);
    }
}
