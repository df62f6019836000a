using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;
using AutoMon.Silos.Hosting;

namespace AutoMon.Silos.Tests;

/// <summary>
/// <c>--weights F.npz</c> (or <c>--weights-s3-uri</c>): the mlp/dnn network's weights travel with the experiment's function
/// to every silo, so node silos on other machines need no copy of the file.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class ExperimentWeightsTests(MotoServer moto) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("automon-weights-").FullName;

    private static readonly string[] SmallMlp = ["--experiment", "mlp", "--nodes", "3", "--iterations", "30", "--dim", "2", "--window", "5", "--error-bound", "0.2", "--seed", "3"];

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A network other than the one --seed would initialise.</summary>
    private string WriteWeights()
    {
        var path = Path.Combine(_folder, "net.npz");
        FunctionFiles.WriteNetwork(path, DenseNetwork.Initialize(DenseNetwork.MlpShape(2), Activation.Tanh, Activation.Identity, seed: 11));
        return path;
    }

    [Fact]
    public void The_weights_file_is_sent_inline_with_the_function()
    {
        var path = WriteWeights();
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one", .. SmallMlp, "--weights", path], out var options, out var problems), string.Join("; ", problems));

        var (config, _) = options.Experiment!.Build();

        Assert.Equal(File.ReadAllBytes(path), config.Function.WeightsNpz.ToArray());
        Assert.Null(config.Function.WeightsPath);
        double[] x = [0.3, -0.4];
        var fromFile = FunctionCatalog.Create("mlp", new FunctionOptions { Dimension = 2, WeightsPath = path });
        Assert.Equal(fromFile.Function.Value(x), config.Function.Create().Function.Value(x));
    }

    [Theory]
    [InlineData(new[] { "--weights", "a.npz", "--weights-s3-uri", "s3://automon-experiment-results/w/", "--weights-s3-region", "us-east-2" }, "not both")]
    [InlineData(new[] { "--weights-s3-uri", "s3://automon-experiment-results/w/" }, "--weights-s3-region")]
    public void Weights_options_that_do_not_fit_are_errors(string[] weights, string expected)
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", .. SmallMlp, .. weights], out _, out var problems));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Weights_without_an_experiment_are_an_error()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--weights", "a.npz"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--weights applies to an --experiment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silo_runs_the_network_of_the_weights_file_as_the_simulation_does()
    {
        var path = WriteWeights();
        var output = Path.Combine(_folder, "out");
        await using var silo = SiloProcess.StartAllInOne([.. SmallMlp, "--weights", path, "--output", output]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{silo.Output}");
        var expected = Simulate(path);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "summary.json")));
        for (var k = 0; k < CoordinatorStatistics.CounterNames.Count; k++)
        {
            Assert.Equal(expected.Statistics.Counters[k], summary.RootElement.GetProperty(CoordinatorStatistics.CounterNames[k]).GetInt64());
        }

        Assert.Equal(expected.Statistics.Rounds.Select(r => r.TrueValue), (await File.ReadAllLinesAsync(Path.Combine(output, "function_values.csv")))
            .Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_coordinator_downloads_its_weights_from_s3()
    {
        var path = WriteWeights();
        var bucket = "automon-weights-" + Guid.NewGuid().ToString("N")[..10];
        using (var s3 = new AmazonS3Client(new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey),
                   new AmazonS3Config { ServiceURL = moto.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = MotoServer.Region }))
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket, BucketRegionName = MotoServer.Region });
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "run/datasets/weights/net.npz", FilePath = path });
        }

        var output = Path.Combine(_folder, "out-s3");
        await using var silo = SiloProcess.StartAllInOne(
            new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = MotoServer.SecretKey, ["AWS_EC2_METADATA_DISABLED"] = "true" },
            [.. SmallMlp, "--weights-s3-uri", $"s3://{bucket}/run/datasets/weights/", "--weights-s3-region", MotoServer.Region, "--s3-service-url", moto.ServiceUrl, "--output", output]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{silo.Output}");
        Assert.Contains("downloaded the weights net.npz", silo.Output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "summary.json")));
        Assert.Equal(Simulate(path).Statistics.Counters[0], summary.RootElement.GetProperty(CoordinatorStatistics.CounterNames[0]).GetInt64());
    }

    [Fact]
    public async Task A_weights_file_that_is_not_an_npz_fails_before_the_silo_starts()
    {
        var path = Path.Combine(_folder, "broken.npz");
        await File.WriteAllTextAsync(path, "not a zip archive");
        await using var silo = SiloProcess.StartAllInOne([.. SmallMlp, "--weights", path]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.Contains("not a readable .npz", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AutoMon silo started", silo.Output, StringComparison.Ordinal);
    }

    private static SimulationResult Simulate(string weights)
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one", .. SmallMlp, "--weights", weights], out var options, out var problems), string.Join("; ", problems));
        var (config, data) = options.Experiment!.Build();
        return Simulator.Run(config.ToSimulationOptions(config.Function.Create()), data);
    }
}
