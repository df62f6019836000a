using AutoMon.Grains.Results;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using AutoMon.Launcher.Aws;
using AutoMon.Launcher.Cluster;
using AutoMon.Launcher.Experiments;
using AutoMon.Launcher.Results;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;
using AutoMon.Launcher.Tests.Experiments;
using AutoMon.Numerics.Functions;
using AutoMon.Silos.Local;
using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// The whole AWS flow with the cloud emulated on this machine: the launcher provisions against moto, then the silo
/// command lines and environments of the task definitions it registered are run as local processes (as ECS would run
/// the image, its entrypoint adding --address), with only the endpoints and ports rewritten to stay on 127.0.0.1; the
/// coordinator runs the experiment and uploads to moto's S3, the node silos stop by themselves, and <c>--block</c>
/// downloads and plots the results. Nothing connects to an address moto invented.
/// </summary>
[Collection(LocalClusterCollection.Name)]
public sealed partial class AwsDeploymentEmulationTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("automon-aws-emulation-").FullName;
    private readonly List<ChildProcess> _silos = [];
    private LocalDynamoDB _aws = null!;

    private string Endpoint => _aws.ServiceUrl.ToString();

    private string CredentialsCsv => Path.Combine(_folder, "credentials.csv");

    public async Task InitializeAsync()
    {
        // The launcher's own local AWS (moto with requests serialised, so DynamoDB transactions are atomic).
        _aws = await LocalDynamoDB.StartAsync("python3", null, CancellationToken.None);
        using (var session = AwsSession.Create(new AwsConnectionOptions { Endpoint = _aws.ServiceUrl }, new BasicAWSCredentials("testing", "testing")))
        {
            await MotoAws.CreateOneTimeSetupAsync(session);
        }

        await File.WriteAllTextAsync(CredentialsCsv, "User name,Access key ID,Secret access key\nautomon,testing,testing\n");
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _aws.DisposeAsync();
        if (Environment.GetEnvironmentVariable("KEEP") is null) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Provisioned_silos_run_the_experiment_upload_it_stop_and_block_plots_it()
    {
        await RunsOnEmulatedAwsAsync([]);
    }

    [Fact]
    public async Task With_data_dir_the_coordinator_downloads_the_uploaded_file_and_runs_on_it()
    {
        // The reference's layout with a small inner_product data file: 2 nodes, 30 iterations, d = 40.
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "datasets", "inner_product")).FullName;
        var data = DataGenerators.Generate(Workload.InnerProduct, new GeneratorOptions(2, 30, 40, 11, 0));
        NumpyTextFile.WriteTable(Path.Combine(folder, "data_file.txt"), data.Values, 40);

        var coordinatorLog = await RunsOnEmulatedAwsAsync(["--data-dir", Path.Combine(_folder, "datasets")]);

        Assert.Contains("downloaded 1 data file(s) from s3://automon-experiment-results/inner-product-", coordinatorLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_weights_every_silo_runs_the_uploaded_network()
    {
        var weights = Path.Combine(_folder, "mlp_net.npz");
        FunctionFiles.WriteNetwork(weights, DenseNetwork.Initialize(DenseNetwork.MlpShape(2), Activation.Tanh, Activation.Identity, seed: 9));

        var coordinatorLog = await RunsOnEmulatedAwsAsync(["--weights", weights], nodeType: "mlp", errorBound: 0.1);

        Assert.Contains("downloaded the weights mlp_net.npz", coordinatorLog, StringComparison.Ordinal);
    }

    /// <summary>Provisions, runs the registered silos, waits for them, and checks what --block downloads; the coordinator's log.</summary>
    private async Task<string> RunsOnEmulatedAwsAsync(string[] options, string nodeType = "inner_product", double errorBound = 0.3)
    {
        string[] experiment =
        [
            "--node-type", nodeType, "--target", "aws", "--error-bound", errorBound.ToString(CultureInfo.InvariantCulture), "--nodes", "2", "--iterations", "30",
            "--round-interval", "20ms", "--lazy-sync-latency", "10ms", "--full-sync-latency", "20ms", "--coordinator-instance-type", "fargate",
            "--aws-endpoint", Endpoint, "--credentials-csv", CredentialsCsv, .. options,
        ];

        // 1. Provision: clusters, task definitions, bucket, membership table, tasks (in moto), the silos' ingress rules.
        using var session = AwsSession.Create(new AwsConnectionOptions { Endpoint = _aws.ServiceUrl }, new BasicAWSCredentials("testing", "testing"));
        var provisioned = await ProvisionsAsync(session, experiment);
        Assert.Contains("started 2 node task(s) and the coordinator", provisioned, StringComparison.Ordinal);
        Assert.Contains("silo ports open to its 3 silo address(es) only", provisioned, StringComparison.Ordinal);

        // 2. Run what ECS would run: each registered task definition's command and environment.
        var coordinator = Assert.Single(await MotoAws.ActiveTaskDefinitionsAsync(session, MotoAws.CoordinatorRegion));
        var nodes = await MotoAws.ActiveTaskDefinitionsAsync(session, MotoAws.NodesRegion);
        Assert.Equal(2, nodes.Count);
        foreach (var node in nodes)
        {
            _silos.Add(StartSilo(node.TaskDefinition, "node"));
        }

        var coordinatorSilo = StartSilo(coordinator.TaskDefinition, "coordinator");
        _silos.Add(coordinatorSilo);

        // 3. The coordinator finishes and uploads; the node silos see it leave and stop by themselves.
        Assert.True(await ExitsAsync(coordinatorSilo, TimeSpan.FromMinutes(4)), coordinatorSilo.Describe("did not finish"));
        Assert.True(coordinatorSilo.ExitCode == 0, coordinatorSilo.Describe("failed"));
        foreach (var node in _silos.Take(2))
        {
            Assert.True(await ExitsAsync(node, TimeSpan.FromMinutes(2)), node.Describe("kept running after the coordinator left"));
            Assert.Contains("has left the cluster", node.Tail(), StringComparison.Ordinal);
        }

        // Every silo logged JSON lines (its task definition's --log-format json), as CloudWatch Logs stores them.
        foreach (var definition in nodes.Append(coordinator))
        {
            Assert.All(ReadLog(definition.TaskDefinition.Family).Split('\n', StringSplitOptions.RemoveEmptyEntries),
                line =>
                {
                    using var entry = JsonDocument.Parse(line);
                    Assert.Equal(JsonValueKind.Object, entry.RootElement.ValueKind);
                });
        }

        // Mutual TLS by default: every silo downloaded its experiment's certificate and ran with it (one certificate for all).
        var hashes = nodes.Append(coordinator).Select(definition =>
        {
            var log = ReadLog(definition.TaskDefinition.Family);
            Assert.Contains("downloaded the cluster certificate from s3://automon-experiment-results/", log, StringComparison.Ordinal);
            var at = log.IndexOf("holding the cluster certificate ", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{definition.TaskDefinition.Family} did not run with TLS");
            return log.Substring(at + "holding the cluster certificate ".Length, 64);
        }).ToList();
        Assert.Single(hashes.Distinct());

        // The task registered for node i hosted node i (its --node-range), as the seed's node tasks did.
        foreach (var node in nodes)
        {
            var index = node.TaskDefinition.Family.Split('_')[0]["node-".Length..];
            Assert.Contains($"Node {index} of experiment", ReadLog(node.TaskDefinition.Family), StringComparison.Ordinal);
        }

        // 4. --block finds the results in S3, starts nothing, downloads and plots them.
        var results = Path.Combine(_folder, "results");
        var block = await Succeeds([.. experiment, "--block", "--output", results]);
        Assert.Contains("not started again", block, StringComparison.Ordinal);
        var row = Assert.Single(ReadCsv(Path.Combine(results, ExperimentSweep.ResultsCsv)));
        Assert.Equal(errorBound, Number(row["error_bound"]));
        Assert.True(Number(row["messages"]) > 0);
        using var summary = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(results, "summary.json", SearchOption.AllDirectories).Single()));
        var nodesPerSilo = summary.RootElement.GetProperty("nodes_per_silo").EnumerateObject().Select(p => p.Value.GetInt32()).ToList();
        Assert.Equal([1, 1], nodesPerSilo);
        Assert.Equal("paced", summary.RootElement.GetProperty("pacing").GetString());

        // The paper's measure travels with the results: every node's sync history, every data round's error, and the
        // settled checkpoints apart.
        var coordinatorFolder = Path.GetDirectoryName(Directory.GetFiles(results, "summary.json", SearchOption.AllDirectories).Single())!;
        foreach (var node in new[] { 0, 1 })
        {
            var path = Path.Combine(coordinatorFolder, ResultFiles.NodesFolder, ResultFiles.NodeSyncHistory(node));
            Assert.Equal(ResultFiles.NodeSyncHistoryHeader, File.ReadLines(path).First());
            var first = ReadCsv(path)[0];
            Assert.Equal(("sync", "0", "0"), (first["kind"], first["round"], first["coordinator_round"]));
        }

        var dataRounds = summary.RootElement.GetProperty("rounds").GetInt32();
        Assert.True(dataRounds > 10, $"{dataRounds} rounds");
        Assert.Equal(1 + dataRounds, File.ReadAllLines(Path.Combine(coordinatorFolder, ResultFiles.FunctionValues)).Length);
        Assert.True(File.Exists(Path.Combine(coordinatorFolder, ResultFiles.CheckpointValues)));
        var experimentFolder = Path.GetRelativePath(results, Path.GetDirectoryName(coordinatorFolder)!);
        foreach (var png in new[] { "max_error_vs_messages.png", "function_values.png", Path.Combine(experimentFolder, "function_values.png"), Path.Combine(experimentFolder, "checkpoint_values.png") })
        {
            var (width, height) = PngSize(Path.Combine(results, png));
            Assert.True(width > 0 && height > 0);
        }

        // The summary table a local sweep prints, with the paper's AWS points beside ours where it published them.
        var tableRow = Assert.Single(block.Split('\n'), l => l.Split('|').Length > 2 && l.Split('|')[1].Trim() == errorBound.ToString(CultureInfo.InvariantCulture));
        Assert.Contains("vs central.", block, StringComparison.Ordinal);
        if (PaperAwsResults.TryGet(nodeType, errorBound, out var paper))
        {
            Assert.Contains(SweepDisplay.PaperMaxErrorColumn, block, StringComparison.Ordinal);
            var cells = tableRow.Split('|')[1..^1].Select(c => c.Trim()).ToArray();
            Assert.Equal([paper.MaxError.ToString("G4", CultureInfo.InvariantCulture), paper.Messages.ToString("N0", CultureInfo.InvariantCulture)], cells[^2..]);
        }

        return ReadLog(coordinator.TaskDefinition.Family);
    }

    /// <summary>The launcher's provisioning run, while the tasks it starts get public addresses as on Fargate.</summary>
    private static async Task<string> ProvisionsAsync(AwsSession session, string[] arguments)
    {
        using var stop = new CancellationTokenSource();
        var addresses = MotoAws.AssignTaskPublicIpsAsync(session, stop.Token);
        try
        {
            return await Succeeds(arguments);
        }
        finally
        {
            await stop.CancelAsync();
            await addresses;
        }
    }

    /// <summary>A silo's whole log (the tail keeps the last lines only); the process may still hold it open.</summary>
    private string ReadLog(string family)
    {
        using var log = new StreamReader(new FileStream(Path.Combine(_folder, family + ".log"), FileMode.Open, FileAccess.Read,
            FileShare.ReadWrite | FileShare.Delete));
        return log.ReadToEnd();
    }

    /// <summary>A silo process from a task definition, as the image's entrypoint would start it, kept on loopback.</summary>
    private ChildProcess StartSilo(EcsTaskDefinition definition, string role)
    {
        var container = Assert.Single(definition.ContainerDefinitions);
        var arguments = new List<string>(container.Command ?? throw new InvalidOperationException($"{definition.Family} has no command"));
        Assert.Equal(role, arguments[arguments.IndexOf("--role") + 1]);
        // Every task listens on the same ports on its own host; here they share one.
        arguments[arguments.IndexOf("--silo-port") + 1] = LocalDynamoDB.FreePort().ToString(CultureInfo.InvariantCulture);
        arguments[arguments.IndexOf("--gateway-port") + 1] = LocalDynamoDB.FreePort().ToString(CultureInfo.InvariantCulture);
        arguments.AddRange(["--address", "127.0.0.1", "--dynamodb-service-url", Endpoint.TrimEnd('/'), "--failure-detection", "fast"]);
        if (arguments.Contains("--results-s3-uri") || arguments.Contains("--data-s3-uri"))
        {
            arguments.AddRange(["--s3-service-url", Endpoint.TrimEnd('/')]);
        }

        if (arguments.Contains("--tls-certificate-s3-uri"))
        {
            arguments.AddRange(["--tls-certificate-s3-service-url", Endpoint.TrimEnd('/')]);
        }

        var (host, hostArguments) = LocalSiloCluster.SiloHostCommand();
        var start = new ProcessStartInfo(host);
        foreach (var argument in hostArguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in container.Environment ?? [])
        {
            start.Environment[variable.Name] = variable.Value;
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = "testing";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "testing";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["DOTNET_gcServer"] = "0";
        return ChildProcess.Start(definition.Family, start, Path.Combine(_folder, definition.Family + ".log"), readyLine: null);
    }

    private static async Task<bool> ExitsAsync(ChildProcess silo, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!silo.HasExited)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(250);
        }

        return true;
    }
}
