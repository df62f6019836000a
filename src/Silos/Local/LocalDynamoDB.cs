using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AutoMon.Silos.Local;

/// <summary>
/// A DynamoDB endpoint on this machine for a local cluster's membership table: moto's server (<c>python3 -m moto.server</c>)
/// on a free 127.0.0.1 port. Requests are served one at a time, because DynamoDB applies each conditional write and
/// transaction atomically and moto's threaded server could interleave two of them; the server exits by itself when the
/// launcher's process is gone, so a crashed launcher never leaves it behind.
/// </summary>
public sealed class LocalDynamoDB : IAsyncDisposable
{
    /// <summary>The signing region of every client of the local table (moto keeps one backend per region).</summary>
    public const string Region = "us-west-2";

    /// <summary>moto accepts any credentials; these are passed to the silos through the SDK's environment chain.</summary>
    public const string AccessKey = "automon-local";

    public const string SecretKey = "automon-local";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    // argv: port, pid of the launcher. python3 may be a shim that forks, so watch the launcher's pid, not our parent.
    private const string Bootstrap = """
        import os, sys, threading, time
        launcher = int(sys.argv[2])
        def watch():
            while True:
                try:
                    os.kill(launcher, 0)
                except ProcessLookupError:
                    os._exit(0)
                time.sleep(0.5)
        threading.Thread(target=watch, daemon=True).start()
        import moto.server as server
        lock = threading.Lock()
        run_simple = server.run_simple
        def run_serialized(host, port, app, **kwargs):
            def serialized(environ, start_response):
                with lock:
                    return list(app(environ, start_response))
            return run_simple(host, port, serialized, **kwargs)
        server.run_simple = run_serialized
        server.main(["-H", "127.0.0.1", "-p", sys.argv[1]])
        """;

    private readonly ChildProcess _process;

    private LocalDynamoDB(ChildProcess process, Uri serviceUrl)
    {
        _process = process;
        ServiceUrl = serviceUrl;
    }

    /// <summary>The endpoint, e.g. http://127.0.0.1:40123/.</summary>
    public Uri ServiceUrl { get; }

    /// <summary>The server's last lines of output (for error messages).</summary>
    public string Output => _process.Tail();

    /// <summary>Starts the server and waits until it answers.</summary>
    /// <exception cref="InvalidOperationException">python3 or moto is missing, or the server died; the message says what to do.</exception>
    public static async Task<LocalDynamoDB> StartAsync(string python, string? logPath, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(python);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Bootstrap);
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        start.Environment["PYTHONUNBUFFERED"] = "1";
        ChildProcess process;
        try
        {
            process = ChildProcess.Start("local DynamoDB (moto)", start, logPath, readyLine: null);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{e.Message}. {Advice}", e);
        }

        var url = new Uri($"http://127.0.0.1:{port}/");
        var server = new LocalDynamoDB(process, url);
        try
        {
            await server.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What to do when the local DynamoDB cannot start.</summary>
    public const string Advice = "The local cluster's DynamoDB membership runs on moto: install it (pip install 'moto[server]'), " +
                                 "or use --membership localhost.";

    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException(_process.Describe("stopped before answering") + ". " + Advice);
            }

            try
            {
                using var response = await http.GetAsync(new Uri(ServiceUrl, "moto-api/data.json"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A request timed out while the server was starting.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(_process.Describe($"did not answer on {ServiceUrl} within {StartTimeout.TotalSeconds:F0} s") + ". " + Advice);
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        // moto does not read its stdin: stop it at once.
        _process.Kill();
        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
