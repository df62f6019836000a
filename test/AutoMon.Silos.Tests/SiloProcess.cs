using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AutoMon.Silos.Tests;

/// <summary>
/// One <c>AutoMon.Silos</c> process (the built host, started with <c>dotnet AutoMon.Silos.dll</c>) on 127.0.0.1.
/// It holds the silo's stdin open and the silo runs with <c>--exit-when-stdin-closes</c>, so the silo also stops if
/// this test process dies; disposing kills its process tree.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();
    private readonly StringBuilder _standardError = new();

    private SiloProcess(Process process, string role, int siloPort, int gatewayPort)
    {
        _process = process;
        Role = role;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public string Role { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public bool HasExited => _process.HasExited;

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

    /// <summary>What the silo wrote on standard output only.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_output)
            {
                return _standardOutput.ToString();
            }
        }
    }

    /// <summary>What the silo wrote on standard error only.</summary>
    public string StandardError
    {
        get
        {
            lock (_output)
            {
                return _standardError.ToString();
            }
        }
    }

    /// <summary>Starts a silo with DynamoDB membership on <paramref name="moto"/> and fast failure detection.</summary>
    public static SiloProcess StartWithDynamoDB(MotoServer moto, string role, string region, string clusterId, string tableName, params string[] extraArguments)
    {
        var siloPort = MotoServer.FreePort();
        var gatewayPort = MotoServer.FreePort();
        var host = Path.Combine(AppContext.BaseDirectory, "AutoMon.Silos.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     host, "--role", role, "--region", region, "--cluster-id", clusterId,
                     "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
                     "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
                     "--membership", "dynamodb", "--dynamodb-table", tableName,
                     "--dynamodb-service-url", moto.ServiceUrl, "--dynamodb-region", MotoServer.Region,
                     "--failure-detection", "fast", "--exit-when-stdin-closes",
                 }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        // Credentials for moto through the SDK's default chain (environment first); no instance-metadata lookups.
        start.Environment["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = MotoServer.SecretKey;
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        // Three silos share two cores with the test run: workstation GC keeps each one light.
        start.Environment["DOTNET_gcServer"] = "0";

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var silo = new SiloProcess(process, role, siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data, silo._standardOutput);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data, silo._standardError);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Starts an all-in-one silo with <paramref name="extraArguments"/> (e.g. an experiment) on free ports.</summary>
    public static SiloProcess StartAllInOne(params string[] extraArguments) => StartAllInOne(new Dictionary<string, string>(), extraArguments);

    /// <summary>Starts an all-in-one silo with <paramref name="environment"/> added to its environment.</summary>
    public static SiloProcess StartAllInOne(IReadOnlyDictionary<string, string> environment, params string[] extraArguments) =>
        StartAllInOne(MotoServer.FreePort(), MotoServer.FreePort(), environment, extraArguments);

    /// <summary>Starts an all-in-one silo on the given ports.</summary>
    public static SiloProcess StartAllInOne(int siloPort, int gatewayPort, IReadOnlyDictionary<string, string> environment, params string[] extraArguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "AutoMon.Silos.dll"), "--role", "all-in-one",
                     "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
                     "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture), "--exit-when-stdin-closes",
                 }.Concat(extraArguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var silo = new SiloProcess(process, "all-in-one", siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data, silo._standardOutput);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data, silo._standardError);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits for the process to exit by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (a scale-in, a deploy) and waits for the silo to stop by itself; its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>Kills the silo at once (no graceful shutdown), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    public override string ToString() => $"{Role} silo on port {SiloPort}";

    private void Append(string? line, StringBuilder stream)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            foreach (var text in new[] { _output, stream })
            {
                if (text.Length > 64 * 1024)
                {
                    text.Remove(0, text.Length - (32 * 1024));
                }

                text.AppendLine(line);
            }
        }
    }
}
