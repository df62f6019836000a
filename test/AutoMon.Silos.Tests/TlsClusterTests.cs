using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Hosting;
using AutoMon.Protocol.Simulation;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Xunit.Abstractions;
using static AutoMon.Silos.Tests.MembershipTestData;

namespace AutoMon.Silos.Tests;

/// <summary>
/// Silo processes with <c>--tls-certificate</c>: two holding the same generated certificate form a cluster that a TLS client
/// drives an experiment on; a silo holding another certificate never becomes active in it.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class TlsClusterTests(MotoServer moto, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(90);
    // The members cannot probe a silo whose certificate they refuse: they vote it dead, and it stops (Orleans fails fast).
    private static readonly TimeSpan ExcludedWithin = TimeSpan.FromSeconds(75);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "automon-tls-cluster-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Silos_with_the_same_certificate_form_a_cluster_and_a_silo_with_another_is_never_active()
    {
        var certificate = Path.Combine(_folder, "cluster.pfx");
        var intruderCertificate = Path.Combine(_folder, "other.pfx");
        ClusterCertificate.CreateFile(certificate);
        ClusterCertificate.CreateFile(intruderCertificate);
        var tableName = UniqueName("tls");
        var clusterId = UniqueName("tls");
        var silos = new List<SiloProcess>();
        try
        {
            silos.Add(SiloProcess.StartWithDynamoDB(moto, "coordinator", "us-west-2", clusterId, tableName, "--tls-certificate", certificate));
            silos.Add(SiloProcess.StartWithDynamoDB(moto, "node", "us-east-2", clusterId, tableName, "--tls-certificate", certificate));
            using var table = NewTable(moto, tableName, clusterId);
            var clock = Stopwatch.StartNew();
            await WaitUntilAsync(table, silos, JoinTimeout, "both TLS silos Active", data => silos.All(s => StatusOf(data, s) == SiloStatus.Active));
            output.WriteLine($"two TLS silos Active after {clock.Elapsed.TotalSeconds:F1} s");

            using var cluster = ClusterCertificate.Load(certificate, null, "test");
            using var client = await ConnectClientAsync(silos[0].GatewayPort, clusterId, cluster);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var request = new ExperimentRequest { Run = AutoMon.Grains.Runs.RunDefinition.Defaults with { Function = "inner_product", Nodes = 2, Iterations = 20, Dimension = 2, Window = 3, ErrorBound = 0.1, Seed = 1 } };
            var (config, data) = request.Build();
            var result = await new ExperimentDriver(grains).RunAsync(UniqueName("exp"), config, data).WaitAsync(TimeSpan.FromSeconds(60));
            var expected = Simulator.Run(config.ToSimulationOptions(config.Function.Create()), data);
            Assert.Equal(expected.Statistics.Counters, result.Statistics.Counters);
            Assert.All(result.Nodes, n => Assert.Contains($":{silos[1].SiloPort}:", n.Silo, StringComparison.Ordinal));
            output.WriteLine($"experiment over TLS done after {clock.Elapsed.TotalSeconds:F1} s");

            // Same cluster id, table and membership, another certificate: the members refuse its connections.
            var intruder = SiloProcess.StartWithDynamoDB(moto, "node", "us-east-2", clusterId, tableName, "--tls-certificate", intruderCertificate);
            silos.Add(intruder);
            var watch = Stopwatch.StartNew();
            var seen = false;
            while (watch.Elapsed < ExcludedWithin && !intruder.HasExited)
            {
                var rows = await table.ReadAll();
                seen |= StatusOf(rows, intruder) is not null;
                Assert.NotEqual(SiloStatus.Active, StatusOf(rows, intruder));
                await Task.Delay(500);
            }

            output.WriteLine($"intruder: seen in the table {seen}, exited {intruder.HasExited} after {watch.Elapsed.TotalSeconds:F1} s");
            Assert.True(intruder.HasExited, $"the silo with another certificate still runs after {ExcludedWithin}");
            Assert.NotEqual(SiloStatus.Active, StatusOf(await table.ReadAll(), intruder));
            Assert.DoesNotContain("AutoMon silo started", intruder.Output, StringComparison.Ordinal);
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(silos.Take(2).Select(s => s.SiloPort).Order(), hosts.Keys.Select(a => a.Endpoint.Port).Order());
            Assert.All(silos.Take(2), s => Assert.False(s.HasExited, $"{s} stopped:\n{s.Output}"));
            await client.StopAsync();
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static SiloStatus? StatusOf(MembershipTableData data, SiloProcess silo) =>
        data.Members.FirstOrDefault(m => m.Item1.SiloAddress.Endpoint.Port == silo.SiloPort)?.Item1.Status;

    private static async Task WaitUntilAsync(DynamoDBMembershipTable table, List<SiloProcess> silos, TimeSpan timeout, string what, Func<MembershipTableData, bool> done)
    {
        var clock = Stopwatch.StartNew();
        var initialized = false;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (!initialized)
                {
                    await table.InitializeMembershipTable(tryInitTableVersion: false);
                    initialized = true;
                }

                if (done(await table.ReadAll()))
                {
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // No version row yet.
            }

            if (silos.FirstOrDefault(s => s.HasExited) is { } dead)
            {
                Assert.Fail($"{dead} exited:\n{dead.Output}");
            }

            await Task.Delay(250);
        }

        Assert.Fail($"Timed out after {timeout} waiting for {what}.\n" + string.Join("\n", silos.Select(s => $"--- {s}:\n{s.Output}")));
    }

    private static async Task<IHost> ConnectClientAsync(int gatewayPort, string clusterId, X509Certificate2 certificate)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = clusterId;
                cluster.ServiceId = SiloHostOptions.DefaultServiceId;
            });
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
            client.UseTls(certificate, tls => ClusterCertificate.Configure(tls, certificate));
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return host;
    }
}

/// <summary>The silo's preflight names an unusable <c>--tls-certificate</c> in one line.</summary>
public sealed class TlsPreflightTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "automon-tls-preflight-" + Guid.NewGuid().ToString("N"));

    public TlsPreflightTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_missing_file_a_wrong_password_and_a_certificate_without_key_are_named()
    {
        var missing = Path.Combine(_folder, "missing.pfx");
        Assert.Equal([$"--tls-certificate {missing}: no such file"], await ProblemsAsync(missing, null));

        var protectedFile = Path.Combine(_folder, "protected.pfx");
        ClusterCertificate.CreateFile(protectedFile, "secret");
        Assert.Empty(await ProblemsAsync(protectedFile, "secret"));
        var wrong = Assert.Single(await ProblemsAsync(protectedFile, "wrong"));
        Assert.StartsWith($"--tls-certificate {protectedFile}: not a PKCS#12 (.pfx) file, or the password is wrong", wrong, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', wrong);

        var publicOnly = Path.Combine(_folder, "public.pfx");
        using (var certificate = ClusterCertificate.Create())
        using (var withoutKey = X509CertificateLoader.LoadCertificate(certificate.RawData))
        {
            await File.WriteAllBytesAsync(publicOnly, withoutKey.Export(X509ContentType.Pkcs12));
        }

        Assert.Equal([$"--tls-certificate {publicOnly}: holds no private key (export the certificate with its key, as a .pfx)"], await ProblemsAsync(publicOnly, null));
    }

    [Fact]
    public void A_password_without_a_certificate_is_a_problem()
    {
        Assert.False(SiloCommandLine.TryParse(["--tls-certificate-password", "x"], out _, out var problems));
        Assert.Contains(problems, p => p.Contains("--tls-certificate-password needs --tls-certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void The_pin_accepts_the_same_certificate_only()
    {
        using var cluster = ClusterCertificate.Create();
        using var same = X509CertificateLoader.LoadCertificate(cluster.RawData);
        using var other = ClusterCertificate.Create();
        Assert.True(ClusterCertificate.Accepts(cluster, same, DateTime.UtcNow));
        Assert.False(ClusterCertificate.Accepts(cluster, other, DateTime.UtcNow));
        Assert.False(ClusterCertificate.Accepts(cluster, null, DateTime.UtcNow));
        Assert.False(ClusterCertificate.Accepts(cluster, same, DateTime.UtcNow.AddDays(31)));
    }

    private static async Task<IReadOnlyList<string>> ProblemsAsync(string certificate, string? password) =>
        await SiloStartup.CheckAsync(
            new SiloHostOptions { SiloPort = MotoServer.FreePort(), GatewayPort = MotoServer.FreePort(), TlsCertificate = certificate, TlsCertificatePassword = password },
            CancellationToken.None);
}
