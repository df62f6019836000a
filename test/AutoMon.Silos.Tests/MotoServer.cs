using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AutoMon.Silos.Membership;

namespace AutoMon.Silos.Tests;

/// <summary>
/// A moto server (a local implementation of the DynamoDB API) on a free 127.0.0.1 port, started once for the
/// collection and stopped afterwards. It also exits by itself when this test process goes away (it watches its stdin,
/// which we hold open), so a crashed test run never leaves it behind.
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    /// <summary>The signing region every test client and test silo uses: moto keeps one backend per region.</summary>
    public const string Region = "us-west-2";

    /// <summary>Dummy credentials: moto accepts any.</summary>
    public const string AccessKey = "testing";

    public const string SecretKey = "testing";

    // Requests are served one at a time: the DynamoDB service applies each conditional write and transaction
    // atomically, while moto's threaded dev server could interleave two transactions' condition checks and writes.
    private const string Bootstrap = """
        import os, sys, threading

        def exit_with_parent():
            # Our stdin is a pipe held by the test process: end of file means it is gone, so are we.
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)

        threading.Thread(target=exit_with_parent, daemon=True).start()

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

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Port { get; private set; }

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>What moto printed so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Clustering options pointing at this server.</summary>
    public DynamoDBClusteringOptions Options(string tableName) => new()
    {
        TableName = tableName,
        ServiceUrl = ServiceUrl,
        Region = Region,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
    };

    public void Configure(DynamoDBClusteringOptions options, string tableName)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.TableName = tableName;
        options.ServiceUrl = ServiceUrl;
        options.Region = Region;
        options.AccessKey = AccessKey;
        options.SecretKey = SecretKey;
    }

    public async Task InitializeAsync()
    {
        Port = FreePort();
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Bootstrap);
        start.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        try
        {
            await WaitUntilServingAsync().ConfigureAwait(false);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>A port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilServingAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException(
                    $"moto server exited with code {_process.ExitCode} before serving (is moto installed for python3? `python3 -c 'import moto'`). Output:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"{ServiceUrl}/moto-api/")).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but slow to answer while starting.
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"moto server did not answer on {ServiceUrl} within {StartTimeout}. Output:\n{Output}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Keep the tail only: moto logs every request.
            if (_output.Length > 64 * 1024)
            {
                _output.Remove(0, _output.Length - (32 * 1024));
            }

            _output.AppendLine(line);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServer>
{
    public const string Name = "moto";
}
