using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using AutoMon.Silos.Hosting;

namespace AutoMon.Silos.Tests;

/// <summary>
/// A cloud experiment's coordinator silo uploads its results to S3 (summary.json last) or, when it fails, error.txt;
/// node silos stop once their coordinator has left. Against moto's S3 and DynamoDB, silos as real processes.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class S3ResultsTests(MotoServer moto) : IDisposable
{
    private readonly string _bucket = "automon-results-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _output = Path.Combine(Path.GetTempPath(), $"automon-s3-{Guid.NewGuid():N}");
    private readonly AmazonS3Client _s3 = new(new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey),
        new AmazonS3Config { ServiceURL = moto.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = MotoServer.Region });

    private static readonly string[] SmallExperiment =
        ["--experiment", "inner_product", "--nodes", "4", "--iterations", "40", "--dim", "4", "--window", "5", "--error-bound", "0.1", "--seed", "3"];

    public void Dispose()
    {
        _s3.Dispose();
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    private Dictionary<string, string> Credentials => new()
    {
        ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = MotoServer.SecretKey,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    private string[] UploadTo(string prefix) =>
        ["--results-s3-uri", $"s3://{_bucket}/{prefix}", "--s3-service-url", moto.ServiceUrl, "--results-s3-region", MotoServer.Region];

    [Fact]
    public async Task A_finished_experiment_uploads_its_result_files_with_the_summary_last()
    {
        await CreateBucketAsync();
        await using var silo = SiloProcess.StartAllInOne(Credentials, [.. SmallExperiment, "--output", _output, .. UploadTo("run/error_bound_0.1/coordinator/")]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{silo.Output}");
        var keys = (await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket })).S3Objects.Select(o => o.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["run/error_bound_0.1/coordinator/function_values.csv", "run/error_bound_0.1/coordinator/summary.json", "run/error_bound_0.1/coordinator/sync_history.csv"], keys);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_output, "summary.json")), await ReadAsync("run/error_bound_0.1/coordinator/summary.json"));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_output, "sync_history.csv")), await ReadAsync("run/error_bound_0.1/coordinator/sync_history.csv"));
    }

    [Fact]
    public async Task The_summary_is_uploaded_after_every_other_file()
    {
        await CreateBucketAsync();
        Directory.CreateDirectory(_output);
        foreach (var name in new[] { "summary.json", "a.csv", "z.csv" })
        {
            await File.WriteAllTextAsync(Path.Combine(_output, name), name);
        }

        var destination = new S3Folder { Bucket = _bucket, Prefix = "p/", Region = MotoServer.Region, ServiceUrl = moto.ServiceUrl };
        var keys = await WithMotoCredentials(async () =>
        {
            using var uploader = new S3ResultsUploader(destination);
            return await uploader.UploadFolderAsync(_output, CancellationToken.None);
        });

        Assert.Equal(["p/a.csv", "p/z.csv", "p/summary.json"], keys);
        Assert.Equal("summary.json", await ReadAsync("p/summary.json"));
    }

    [Fact]
    public async Task An_experiment_that_cannot_run_uploads_its_error()
    {
        await CreateBucketAsync();
        await using var silo = SiloProcess.StartAllInOne(Credentials, ["--experiment", "inner_product", "--dim", "3", .. UploadTo("bad/coordinator/")]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var error = await ReadAsync("bad/coordinator/error.txt");
        Assert.Contains("even", error, StringComparison.Ordinal);
        Assert.Empty((await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = "bad/coordinator/summary" })).S3Objects ?? []);
    }

    [Fact]
    public async Task An_experiment_past_its_max_run_time_stops_and_uploads_why()
    {
        await CreateBucketAsync();
        var environment = Credentials;
        environment["AUTOMON_MAXRUNTIME"] = "8s";

        // Paced at 1 s per update, 40 updates per node: far longer than the limit.
        await using var silo = SiloProcess.StartAllInOne(environment, [.. SmallExperiment, "--pacing", "paced", "--round-interval", "1s", .. UploadTo("slow/")]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.Contains("max run time", await ReadAsync("slow/error.txt"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_bucket_fails_naming_it_and_keeps_the_files()
    {
        await using var silo = SiloProcess.StartAllInOne(Credentials, [.. SmallExperiment, "--output", _output, .. UploadTo("run/")]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.Contains($"s3://{_bucket}/run/", silo.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_output, "summary.json")));
    }

    [Fact]
    public async Task Node_silos_stop_by_themselves_once_the_coordinator_has_finished()
    {
        await CreateBucketAsync();
        var clusterId = "s3-" + Guid.NewGuid().ToString("N")[..8];
        var table = "automon-s3-" + Guid.NewGuid().ToString("N")[..8];
        await using var node = SiloProcess.StartWithDynamoDB(moto, "node", "us-east-2", clusterId, table, "--stop-when-coordinator-leaves");
        await using var coordinator = SiloProcess.StartWithDynamoDB(moto, "coordinator", "us-west-2", clusterId, table,
            [.. SmallExperiment, "--wait-for-silos", "2", .. UploadTo("cluster/coordinator/")]);

        var coordinatorExit = await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(180));
        Assert.True(coordinatorExit == 0, $"coordinator exit code {coordinatorExit}:\n{coordinator.Output}");
        var nodeExit = await node.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(0, nodeExit);
        Assert.Contains("has left the cluster", node.Output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await ReadAsync("cluster/coordinator/summary.json"));
        Assert.Equal(4, summary.RootElement.GetProperty("nodes_per_silo").EnumerateObject().Single().Value.GetInt32());
    }

    [Fact]
    public async Task A_coordinator_with_data_s3_uri_downloads_the_files_and_monitors_them_as_the_simulation_does()
    {
        await CreateBucketAsync();
        var datasets = ExperimentDataFilesTests.WriteInnerProductDatasets(_output);
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket, Key = "run-1/datasets/inner_product/data_file.txt", FilePath = Path.Combine(datasets, "inner_product", "data_file.txt"),
        });
        await using var silo = SiloProcess.StartAllInOne(Credentials,
            [.. SmallExperiment, "--data-s3-uri", $"s3://{_bucket}/run-1/datasets/", "--data-s3-region", MotoServer.Region, .. UploadTo("run-1/coordinator/")]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{silo.Output}");
        Assert.Contains("downloaded 1 data file(s)", silo.Output, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(await ReadAsync("run-1/coordinator/summary.json"));
        ExperimentDataFilesTests.AssertSameCounters(ExperimentDataFilesTests.SimulateOnFile(datasets), summary.RootElement);
    }

    [Fact]
    public async Task A_data_s3_uri_with_no_files_uploads_an_error_naming_it()
    {
        await CreateBucketAsync();
        await using var silo = SiloProcess.StartAllInOne(Credentials,
            [.. SmallExperiment, "--data-s3-uri", $"s3://{_bucket}/empty/datasets/", "--data-s3-region", MotoServer.Region, .. UploadTo("empty/coordinator/")]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.Contains($"no data files in s3://{_bucket}/empty/datasets/", await ReadAsync("empty/coordinator/error.txt"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_downloads_its_tls_certificate_and_one_that_finds_none_says_so_in_one_line()
    {
        await CreateBucketAsync();
        var certificate = Path.Combine(Path.GetTempPath(), $"automon-s3-tls-{Guid.NewGuid():N}.pfx");
        var hash = AutoMon.Grains.Hosting.ClusterCertificate.CreateFile(certificate);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "run/datasets/tls/exp/cluster.pfx", FilePath = certificate });
        File.Delete(certificate);
        string[] From(string prefix) =>
            ["--tls-certificate-s3-uri", $"s3://{_bucket}/{prefix}", "--tls-certificate-s3-region", MotoServer.Region, "--tls-certificate-s3-service-url", moto.ServiceUrl];

        await using (var silo = SiloProcess.StartAllInOne(Credentials, From("run/datasets/tls/exp/")))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!silo.Output.Contains("AutoMon silo started", StringComparison.Ordinal) && !silo.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }

            Assert.Contains($"downloaded the cluster certificate from s3://{_bucket}/run/datasets/tls/exp/", silo.Output, StringComparison.Ordinal);
            Assert.Contains($"holding the cluster certificate {hash} connect", silo.Output, StringComparison.Ordinal);
            Assert.Contains("AutoMon silo started", silo.Output, StringComparison.Ordinal);
        }

        await using var missing = SiloProcess.StartAllInOne(Credentials, From("run/datasets/tls/other/"));
        Assert.Equal(1, await missing.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(missing.Output.Split('\n'), l => l.Contains("did not start", StringComparison.Ordinal));
        Assert.Contains($"--tls-certificate-s3-uri s3://{_bucket}/run/datasets/tls/other/: no certificate in s3://{_bucket}/run/datasets/tls/other/", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_silo_whose_coordinator_never_joins_stops_after_the_join_timeout()
    {
        var clusterId = "alone-" + Guid.NewGuid().ToString("N")[..8];
        var table = "automon-alone-" + Guid.NewGuid().ToString("N")[..8];
        await using var node = SiloProcess.StartWithDynamoDB(moto, "node", "us-east-2", clusterId, table,
            "--stop-when-coordinator-leaves", "--coordinator-join-timeout", "3s");

        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{node.Output}");
        Assert.Contains("no coordinator silo joined within", node.Output, StringComparison.Ordinal);
    }

    // The uploader takes the SDK's default credentials, as on AWS; moto accepts any.
    private static async Task<T> WithMotoCredentials<T>(Func<Task<T>> action)
    {
        var before = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", MotoServer.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", MotoServer.SecretKey);
        try
        {
            return await action();
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", before.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", before.Item2);
        }
    }

    // Outside us-east-1 a bucket is created with its region as location constraint.
    private Task CreateBucketAsync() =>
        _s3.PutBucketAsync(new PutBucketRequest { BucketName = _bucket, BucketRegionName = MotoServer.Region });

    private async Task<string> ReadAsync(string key)
    {
        using var response = await _s3.GetObjectAsync(_bucket, key);
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }
}
