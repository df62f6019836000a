using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// A moto server (the AWS mock) on 127.0.0.1 and a free port, shared by the tests of the "moto" collection and reset before
/// each test. Started as <c>python3 -m moto.server</c> is (moto.server.main), with a watchdog thread that ends the server
/// when the test host goes away, so it is never left running; disposed by killing its process tree. Only 127.0.0.1 is
/// ever contacted: the addresses moto invents for tasks and instances are never used. Like Fargate, and unlike stock moto,
/// the server gives a task started with assignPublicIp ENABLED a public IPv4 on its network interface.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    // moto.server.main with a thread that exits when the test host (argv[2]) is gone. python3 may be a pyenv shim that
    // forks, so the server's parent process is not necessarily ours: watch our pid itself.
    private const string Launcher = """
        import os, sys, threading, time
        host = int(sys.argv[2])
        def watch():
            while True:
                try:
                    os.kill(host, 0)
                except ProcessLookupError:
                    os._exit(0)
                time.sleep(0.5)
        threading.Thread(target=watch, daemon=True).start()
        # Fargate gives a task with assignPublicIp ENABLED a public IPv4 on its network interface; moto's tasks get none.
        # Distinct addresses from 198.18.0.0/15 (benchmarking, never routed).
        import itertools
        from moto.ec2.models import ec2_backends
        import moto.ecs.models as ecs
        addresses = itertools.count(1)
        def public_ip():
            n = next(addresses)
            return f"198.{18 + n // 65536 % 2}.{n // 256 % 256}.{n % 256}"
        task_init = ecs.Task.__init__
        def task_with_public_ip(self, *args, **kwargs):
            task_init(self, *args, **kwargs)
            vpc = (getattr(self, "network_configuration", None) or {}).get("awsvpcConfiguration") or {}
            if vpc.get("assignPublicIp") == "ENABLED":
                enis = ec2_backends[self._account_id][self.region_name]
                for attachment in self.attachments:
                    for detail in attachment["details"]:
                        if detail["name"] == "networkInterfaceId":
                            enis.get_network_interface(detail["value"]).public_ip = public_ip()
        ecs.Task.__init__ = task_with_public_ip
        from moto.server import main
        main(["-H", "127.0.0.1", "-p", sys.argv[1]])
        """;

    private readonly Queue<string> _recentOutput = new();
    private Process? _process;
    private HttpClient? _http;

    public Uri Endpoint { get; private set; } = null!;

    public static BasicAWSCredentials Credentials { get; } = new("testing", "testing");

    /// <summary>Quick retries: moto does not throttle, and the unreachable-endpoint test should not wait long.</summary>
    public AwsConnectionOptions Options => new()
    {
        Endpoint = Endpoint,
        Retry = new AwsRetryPolicy(3, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50)),
        RequestTimeout = TimeSpan.FromSeconds(20),
    };

    public AwsSession CreateSession() => AwsSession.Create(Options, Credentials);

    public async Task InitializeAsync()
    {
        var port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Launcher);
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.Environment["PYTHONUNBUFFERED"] = "1";
        // Loading moto's stock machine images on every region's first EC2 call after a reset costs seconds; the tests
        // register the one image they look up by name.
        start.Environment["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false";
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The AWS tests need python3 with moto 5 (pip install 'moto[server]').", e);
        }
        // moto logs every request: drain both pipes so it never blocks, keep the tail for diagnostics.
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"moto server exited with code {_process.ExitCode} before answering: {RecentOutput()}");
            }
            try
            {
                using var response = await _http.GetAsync(new Uri(Endpoint, "moto-api/data.json")).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                await DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"moto server did not answer on {Endpoint} within 60 s: {RecentOutput()}");
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Forgets every resource (moto's reset API), so each test starts from an empty account.</summary>
    public async Task ResetAsync()
    {
        using var response = await _http!.PostAsync(new Uri(Endpoint, "moto-api/reset"), null).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public Task DisposeAsync()
    {
        _http?.Dispose();
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
            _process = null;
        }
        return Task.CompletedTask;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            while (_recentOutput.Count > 40)
            {
                _recentOutput.Dequeue();
            }
        }
    }

    private string RecentOutput()
    {
        lock (_recentOutput)
        {
            return string.Join('\n', _recentOutput);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServerFixture>
{
    public const string Name = "moto";
}
