using System.Diagnostics;
using System.Net;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Monitors;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Local;
using AutoMon.Silos.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Messaging;

namespace AutoMon.Client.Tests;

/// <summary>
/// An all-in-one silo with <c>--tls-certificate</c> (a generated cluster certificate) in this process: a client holding the
/// certificate connects and pushes points; a client without it, or with another certificate, cannot connect.
/// </summary>
public sealed class TlsClientTests : IAsyncLifetime
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RefusedWithin = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "automon-tls-client-" + Guid.NewGuid().ToString("N"));
    private readonly ILoggerFactory _loggers = LoggerFactory.Create(_ => { });
    private WebApplication? _app;
    private AutoMonClientOptions _options = new();

    private string Certificate => Path.Combine(_folder, "cluster.pfx");

    public async Task InitializeAsync()
    {
        ClusterCertificate.CreateFile(Certificate);
        var options = new SiloHostOptions
        {
            Role = SiloRole.AllInOne,
            Membership = MembershipKind.Localhost,
            Address = IPAddress.Loopback,
            SiloPort = LocalDynamoDB.FreePort(),
            GatewayPort = LocalDynamoDB.FreePort(),
            HttpPort = LocalDynamoDB.FreePort(),
            ClusterId = "tls-client-tests",
            TlsCertificate = Certificate,
            // The client goes through the Orleans gateway, not the HTTP API.
            NoAuth = true,
        };
        _app = ServiceHost.Build(options, _loggers);
        await _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        _options = AutoMonClientOptions.ForGateways($"127.0.0.1:{options.GatewayPort}") with { ClusterId = options.ClusterId, ConnectTimeout = ConnectTimeout };
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }

        _loggers.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_client_with_the_cluster_certificate_connects_and_pushes_points()
    {
        await using var client = await AutoMonClient.ConnectAsync(_options with { TlsCertificateFile = Certificate }).WaitAsync(TimeSpan.FromSeconds(60));
        await client.CreateMonitorAsync(new MonitorDefinition { Id = "tls", Function = "inner_product", Dimension = 2, ErrorBound = 0.1, Nodes = ["a", "b"] });
        Assert.Equal(2, await client.Node("tls", "a").PushAsync([[1, 2], [1, 2.01]]));
        Assert.Equal(1, await client.Node("tls", "b").PushAsync([[1, 2]]));
        var monitor = await client.GetMonitorAsync("tls");
        Assert.Equal(3, monitor!.Updates);
        Assert.NotNull(monitor.Estimate);
    }

    [Fact]
    public async Task A_client_without_a_certificate_is_refused()
    {
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ConnectionFailedException>(() => AutoMonClient.ConnectAsync(_options).WaitAsync(RefusedWithin));
        Assert.Contains("TlsCertificate", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < RefusedWithin);
    }

    [Fact]
    public async Task A_client_with_another_certificate_is_refused()
    {
        using var other = ClusterCertificate.Create();
        var error = await Assert.ThrowsAsync<ConnectionFailedException>(() => AutoMonClient.ConnectAsync(_options with { TlsCertificate = other }).WaitAsync(RefusedWithin));
        Assert.Contains("this same certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_file_that_cannot_be_read_is_named()
    {
        var missing = Path.Combine(_folder, "missing.pfx");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMonClient.ConnectAsync(_options with { TlsCertificateFile = missing }));
        Assert.StartsWith($"TlsCertificateFile {missing}: no such file", error.Message, StringComparison.Ordinal);
    }
}
