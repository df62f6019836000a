using System.Text.Json;
using AutoMon.Launcher.Cluster;
using AutoMon.Launcher.Commands;
using AutoMon.Launcher.Experiments;
using AutoMon.Silos.Hosting;
using static AutoMon.Launcher.Tests.Experiments.LauncherRun;

namespace AutoMon.Launcher.Tests.Experiments;

/// <summary>Several .NET silo processes each: run alone, so a busy machine does not starve them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalClusterCollection
{
    public const string Name = "local cluster";
}

/// <summary><c>--silos K</c>: the grains engine on a local multi-process cluster laid out as the paper's deployment.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class LocalClusterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-cluster-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Lockstep_on_a_local_cluster_gives_the_simulations_results()
    {
        var cluster = Path.Combine(_directory, "cluster");
        var simulation = Path.Combine(_directory, "simulation");
        string[] run = ["--node-type", "inner_product", "--iterations", "50", "--error-bounds", "0.05,0.3"];

        await Succeeds([.. run, "--silos", "3", "--output", cluster]);
        await Succeeds([.. run, "--engine", "simulation", "--output", simulation]);

        var expected = ReadCsv(Path.Combine(simulation, "results.csv"));
        var actual = ReadCsv(Path.Combine(cluster, "results.csv"));
        foreach (var column in new[] { "error_bound", "max_error", "messages", "payload_bytes", "rounds", "full_syncs", "lazy_syncs" })
        {
            Assert.Equal(expected.Select(r => r[column]), actual.Select(r => r[column]));
        }

        foreach (var folder in actual.Select(r => r["folder"]))
        {
            Assert.Equal(File.ReadAllText(Path.Combine(simulation, folder, "function_values.csv")), File.ReadAllText(Path.Combine(cluster, folder, "function_values.csv")));
            Assert.Equal(File.ReadAllText(Path.Combine(simulation, folder, "sync_history.csv")), File.ReadAllText(Path.Combine(cluster, folder, "sync_history.csv")));
        }
    }

    [Fact]
    public async Task Node_grains_are_spread_over_the_node_silos_and_the_coordinator_has_its_own()
    {
        var output = Path.Combine(_directory, "placement");

        await Succeeds("--node-type", "quadratic", "--iterations", "30", "--error-bound", "0.05", "--silos", "3", "--output", output);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.05", "summary.json")));
        var placement = summary.RootElement.GetProperty("placement");
        var coordinator = placement.GetProperty("coordinator_silo").GetString();
        var nodesPerSilo = placement.GetProperty("nodes_per_silo").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal([5, 5], nodesPerSilo.Values);
        Assert.DoesNotContain(coordinator, nodesPerSilo.Keys);
        Assert.True(summary.RootElement.GetProperty("wire_bytes").GetInt64() > summary.RootElement.GetProperty("bytes_sent").GetInt64());
    }

    [Fact]
    public async Task Silos_join_through_dynamodb_membership_on_a_local_moto_and_log_under_the_results()
    {
        var output = Path.Combine(_directory, "logs");

        await Succeeds("--node-type", "inner_product", "--iterations", "30", "--error-bound", "0.3", "--silos", "3", "--output", output);

        var logs = Path.Combine(output, ExperimentCommand.SiloLogsFolder);
        Assert.Equal(["coordinator.log", "dynamodb-moto.log", "node-1.log", "node-2.log"],
            Directory.GetFiles(logs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("role=coordinator region=us-west-2", File.ReadAllText(Path.Combine(logs, "coordinator.log")), StringComparison.Ordinal);
        foreach (var node in new[] { "node-1.log", "node-2.log" })
        {
            var log = File.ReadAllText(Path.Combine(logs, node));
            Assert.Contains("role=node region=us-east-2", log, StringComparison.Ordinal);
            Assert.Contains("membership=DynamoDB", log, StringComparison.Ordinal);
        }

        // The membership table lives in the launcher's moto, which answered the silos' DynamoDB calls.
        Assert.Contains("DynamoDB membership table automon-local-membership", File.ReadAllText(Path.Combine(logs, "coordinator.log")), StringComparison.Ordinal);
        Assert.Contains("\"POST / HTTP/1.1\" 200", File.ReadAllText(Path.Combine(logs, "dynamodb-moto.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Localhost_membership_clusters_around_the_coordinator_silo_without_moto()
    {
        var output = Path.Combine(_directory, "localhost");

        await Succeeds("--node-type", "inner_product", "--iterations", "30", "--error-bound", "0.3", "--silos", "2", "--membership", "localhost", "--output", output);

        var logs = Path.Combine(output, ExperimentCommand.SiloLogsFolder);
        Assert.False(File.Exists(Path.Combine(logs, "dynamodb-moto.log")));
        Assert.Contains("membership=Localhost", File.ReadAllText(Path.Combine(logs, "node-1.log")), StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "error_bound_0.3", "summary.json")));
        Assert.Equal(10, summary.RootElement.GetProperty("placement").GetProperty("nodes_per_silo").EnumerateObject().Single().Value.GetInt32());
    }

    [Fact]
    public async Task Tls_gives_every_silo_and_the_launcher_one_generated_certificate()
    {
        var output = Path.Combine(_directory, "tls");

        await Succeeds("--node-type", "inner_product", "--iterations", "30", "--error-bound", "0.3", "--silos", "2", "--membership", "localhost", "--tls", "--output", output);

        // The run needs the launcher's client on the silos' TLS gateways; each silo says it holds the generated certificate.
        var logs = Path.Combine(output, ExperimentCommand.SiloLogsFolder);
        using var certificate = AutoMon.Grains.Hosting.ClusterCertificate.Load(Path.Combine(logs, ExperimentCommand.ClusterCertificateFile), null, "test");
        Assert.Equal("CN=automon-cluster", certificate.Subject);
        foreach (var silo in new[] { "coordinator.log", "node-1.log" })
        {
            Assert.Contains($"mutual TLS; only silos and clients holding the cluster certificate {AutoMon.Grains.Hosting.ClusterCertificate.Hash(certificate)} connect",
                File.ReadAllText(Path.Combine(logs, silo)), StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(output, "error_bound_0.3", "summary.json")));
    }

    [Fact]
    public async Task A_node_silo_that_died_before_the_run_is_waited_out_and_the_run_goes_on_the_silos_left()
    {
        var request = ExperimentCommand.Parse("--node-type", "inner_product", "--iterations", "30", "--error-bound", "0.3");
        var cluster = new LocalSiloCluster(new LocalClusterOptions { Silos = 2, Membership = LocalMembership.Localhost, FailureDetection = FailureDetectionProfile.Fast });
        await using var runner = new GrainsRunner(cluster);
        var spec = ExperimentCommand.Prepare(request, runner, Path.Combine(_directory, "dies")).SpecFor(0.3);
        await cluster.StartAsync(CancellationToken.None);

        cluster.Silos[1].Kill();
        var result = await runner.RunAsync(spec, null, CancellationToken.None);

        // No node silo is left: the coordinator silo hosts the nodes rather than the run ending (or waiting on the dead one).
        Assert.Equal(10, Assert.Single(result.Placement!.NodesPerSilo).Value);
        Assert.Equal(result.Placement.CoordinatorSilo, Assert.Single(result.Placement.NodesPerSilo).Key);
        Assert.Equal((await new SimulationRunner().RunAsync(spec, null, CancellationToken.None)).Messages, result.Messages);
    }

    [Fact]
    public async Task Dynamodb_membership_without_moto_says_how_to_get_it_or_avoid_it()
    {
        await using var cluster = new LocalSiloCluster(new LocalClusterOptions { Silos = 2, Python = Path.Combine(_directory, "no-such-python") });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartAsync(CancellationToken.None));

        Assert.Contains("no-such-python", error.Message, StringComparison.Ordinal);
        Assert.Contains("moto", error.Message, StringComparison.Ordinal);
        Assert.Contains("--membership localhost", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster.Silos);
    }

    [Fact]
    public async Task Stopping_the_cluster_ends_every_silo_process_one_at_a_time_and_the_coordinators_last()
    {
        // Silos leaving at once contend for the membership table, and a node silo could end before its leave was written.
        var cluster = new LocalSiloCluster(new LocalClusterOptions { Silos = 3, Membership = LocalMembership.Localhost });
        await cluster.StartAsync(CancellationToken.None);
        var silos = cluster.Silos.ToList();
        var processes = silos.Select(s => System.Diagnostics.Process.GetProcessById(s.Id)).ToList();

        await cluster.DisposeAsync();

        Assert.All(processes, p => Assert.True(p.HasExited, $"silo process {p.Id} still runs"));
        var stops = silos.OrderBy(s => s.StopRequestedAt).ToList();
        Assert.Equal("coordinator silo", stops[^1].Name);
        for (var i = 1; i < stops.Count; i++)
        {
            Assert.True(stops[i - 1].StoppedAt <= stops[i].StopRequestedAt, $"{stops[i].Name} was asked to stop before {stops[i - 1].Name} had stopped");
        }
    }

    [Fact]
    public async Task One_silo_is_the_embedded_silo_with_both_roles()
    {
        var text = await Succeeds("--node-type", "inner_product", "--iterations", "40", "--error-bounds", "0.3", "--silos", "1",
            "--output", Path.Combine(_directory, "one"));

        Assert.Contains("engine grains on an embedded all-in-one silo", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "one", "silo-logs")));
    }

    [Theory]
    [InlineData(new[] { "--silos", "0" }, "--silos must be at least 1")]
    [InlineData(new[] { "--silos", "1", "--tls" }, "--tls applies to a local cluster: give --silos K with K ≥ 2")]
    [InlineData(new[] { "--silos", "12", "--nodes", "10" }, "--silos 12 is more than the run can use: one coordinator silo and at most one silo per node, so at most 11")]
    [InlineData(new[] { "--silos", "3", "--engine", "simulation" }, "--silos runs the grains engine")]
    [InlineData(new[] { "--membership", "localhost" }, "--membership applies to a local cluster")]
    [InlineData(new[] { "--tls" }, "--tls applies to a local cluster")]
    [InlineData(new[] { "--silos", "3", "--target", "aws" }, "--silos")]
    public async Task Local_cluster_options_that_do_not_fit_are_rejected(string[] options, string expected)
    {
        var line = await FailsWithOneLine(["--node-type", "inner_product", "--output", Path.Combine(_directory, "rejected"), .. options]);

        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
