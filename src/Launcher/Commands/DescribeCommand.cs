using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using AutoMon.Numerics.Randomness;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon describe</c>: what AutoMon derives for a function at a point — value, gradient, Hessian eigenvalues, the
/// constant-Hessian test, and the ADCD choice (E or X, convex or concave), printed as JSON.
/// </summary>
internal static class DescribeCommand
{
    // The reference seeds numpy with 1 before the coordinator's constant-Hessian test.
    private const uint ReferenceSeed = 1;

    public static Command Create()
    {
        var function = new Option<string>("--function") { Description = $"Function name: {string.Join(", ", FunctionCatalog.Names)}; or a formula over x, e.g. \"dot(x[0:3], x[3:6]) - log(1 + sum(x[0:3]^2))\" (docs/formulas.md).", Required = true };
        var dimension = new Option<int?>("--dim") { Description = "Dimension d (default: the number of values in --x)." };
        var hMatrix = new Option<string?>("--h-matrix") { Description = "quadratic: text file with the d x d matrix H (np.savetxt layout)." };
        var weights = new Option<string?>("--weights") { Description = "mlp/dnn: .npz with W0, b0, W1, b1, ..." };
        var point = new Option<string>("--x") { Description = "The point, comma-separated: \"v1,v2,...\".", Required = true };
        var neighborhood = new Option<double?>("--neighborhood") { Description = "ADCD-X box half-width R: the box is [x - R, x + R] (within the function's domain). Default: the domain, or unbounded." };
        var seed = new Option<int>("--seed") { Description = "Seed for parameters not given by a file (quadratic H, network weights).", DefaultValueFactory = _ => 0 };

        var command = new Command("describe", "Print, as JSON, what AutoMon derives for a function at a point: value, gradient, Hessian eigenvalues, constant-Hessian test, ADCD-E/X and the DC type.");
        command.Options.Add(function);
        command.Options.Add(dimension);
        command.Options.Add(hMatrix);
        command.Options.Add(weights);
        command.Options.Add(point);
        command.Options.Add(neighborhood);
        command.Options.Add(seed);

        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                var request = new DescribeRequest(
                    parseResult.GetRequiredValue(function),
                    parseResult.GetValue(dimension),
                    parseResult.GetValue(hMatrix),
                    parseResult.GetValue(weights),
                    ParsePoint(parseResult.GetRequiredValue(point)),
                    parseResult.GetValue(neighborhood),
                    parseResult.GetValue(seed));
                output.WriteLine(Describe(request));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: {OneLine(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    internal sealed record DescribeRequest(string Function, int? Dimension, string? HMatrixPath, string? WeightsPath, double[] Point, double? Neighborhood, int Seed);

    internal static string Describe(DescribeRequest request)
    {
        if (request.Dimension is { } d && d != request.Point.Length)
        {
            throw new ArgumentException($"--x has {request.Point.Length} values but --dim is {d}.");
        }

        if (request.Neighborhood is { } r && (!double.IsFinite(r) || r < 0))
        {
            throw new ArgumentException($"--neighborhood must be a finite non-negative number; got {Format(r)}.");
        }

        var monitored = FunctionCatalog.Create(request.Function, new FunctionOptions
        {
            Dimension = request.Dimension ?? request.Point.Length,
            HMatrixPath = request.HMatrixPath,
            WeightsPath = request.WeightsPath,
            Seed = request.Seed,
        });
        var f = monitored.Function;
        var x = request.Point;
        if (x.Length != f.Dimension)
        {
            throw new ArgumentException($"--x has {x.Length} values but function '{monitored.Name}' has dimension {f.Dimension}.");
        }

        var n = f.Dimension;
        var gradient = new double[n];
        var hessian = new double[n * n];
        var value = f.ValueGradientHessian(x, gradient, hessian);
        for (var k = 0; k < hessian.Length; k++)
        {
            if (!double.IsFinite(hessian[k]))
            {
                throw new ArgumentException($"The Hessian of '{monitored.Name}' at x is not finite (entry ({k / n}, {k % n}) is {Format(hessian[k])}); try a point inside the function's domain.");
            }
        }

        var eigenvalues = Adcd.SymmetricEigenvalues(hessian, n);
        var domain = monitored.Domain is { } range ? BoxDomain.Uniform(n, range.Low, range.High) : null;
        var constant = Adcd.IsHessianConstant(f, new NumpyLegacyRandom(ReferenceSeed), domain);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("function", monitored.Name);
            json.WriteNumber("dimension", n);
            WriteArray(json, "x", x);
            WriteNumber(json, "value", value);
            WriteArray(json, "gradient", gradient);
            WriteNumber(json, "hessian_min_eigenvalue", eigenvalues[0]);
            WriteNumber(json, "hessian_max_eigenvalue", eigenvalues[^1]);
            json.WriteBoolean("constant_hessian", constant);
            if (constant)
            {
                var adcd = Adcd.Exact(hessian, n);
                json.WriteString("adcd", "E");
                json.WriteString("dc_type", DcName(adcd.DcType));
                json.WritePropertyName("signed_hessian");
                json.WriteStartArray();
                for (var i = 0; i < n; i++)
                {
                    WriteArray(json, null, adcd.SignedHessian.Span.Slice(i * n, n));
                }

                json.WriteEndArray();
            }
            else
            {
                // As the coordinator: the neighbourhood box around x within the domain, else the whole domain (or unbounded).
                var box = request.Neighborhood is { } size ? BoxDomain.Neighborhood(x, size, domain) : domain;
                var adcd = Adcd.Extreme(f, x, box);
                json.WriteString("adcd", "X");
                json.WriteString("dc_type", DcName(adcd.DcType));
                WriteNumber(json, "dc_argument", adcd.ExtremeEigenvalue);
                json.WritePropertyName("extreme_eigenvalues");
                json.WriteStartObject();
                WriteNumber(json, "min", adcd.Neighborhood.Min);
                WriteNumber(json, "max", adcd.Neighborhood.Max);
                json.WriteNumber("optimization_time_ms", adcd.Neighborhood.OptimizationTime.TotalMilliseconds);
                if (box is null)
                {
                    json.WriteNull("box");
                }
                else
                {
                    json.WritePropertyName("box");
                    json.WriteStartObject();
                    WriteArray(json, "lower", box.Lower);
                    WriteArray(json, "upper", box.Upper);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static double[] ParsePoint(string text)
    {
        var fields = text.Split(',', StringSplitOptions.TrimEntries);
        if (fields.Length == 0 || (fields.Length == 1 && fields[0].Length == 0))
        {
            throw new FormatException("--x is empty; give the point as \"v1,v2,...\".");
        }

        var point = new double[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                throw new FormatException($"--x value {i + 1} ('{fields[i]}') is not a number.");
            }

            if (!double.IsFinite(v))
            {
                throw new FormatException($"--x value {i + 1} is {Format(v)}; every coordinate must be finite.");
            }

            point[i] = v;
        }

        return point;
    }

    private static string DcName(DcType dcType) => dcType == DcType.Convex ? "convex" : "concave";

    // JSON has no infinities: non-finite numbers are written as the strings "Infinity", "-Infinity", "NaN".
    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteString(name, Format(value));
        }
    }

    private static void WriteArray(Utf8JsonWriter json, string? name, ReadOnlySpan<double> values)
    {
        if (name is null)
        {
            json.WriteStartArray();
        }
        else
        {
            json.WriteStartArray(name);
        }

        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                json.WriteNumberValue(v);
            }
            else
            {
                json.WriteStringValue(Format(v));
            }
        }

        json.WriteEndArray();
    }

    private static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : v.ToString("R", CultureInfo.InvariantCulture);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
