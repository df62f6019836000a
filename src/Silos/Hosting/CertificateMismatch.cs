using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using AutoMon.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// A silo started with the wrong <c>--tls-certificate</c>: the cluster's silos it connects to while joining present
/// another certificate, so it can never join (the members refuse it, vote it dead, and Orleans would end it with a stack
/// dump, or its start would time out). The first such refusal while starting is the answer: <see cref="Detected"/> gives
/// one line that names the setting, the file and both certificates. Refused peers are logged in one line each (once per
/// certificate and direction), instead of Orleans' handshake stack traces.
/// </summary>
public sealed partial class CertificateMismatch(string path, X509Certificate2 certificate)
{
    private readonly TaskCompletionSource<string> _detected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<(string Hash, bool Connecting)> _logged = [];
    private volatile bool _started;

    /// <summary>Where refusals are logged (the host's logger, once it exists).</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>Completes with the one-line problem when, while starting, a silo this one connected to presents another certificate.</summary>
    public Task<string> Detected => _detected.Task;

    /// <summary>The silo has joined: from now on refusals are only logged (an intruder knocking is not this silo's problem).</summary>
    public void Started() => _started = true;

    /// <summary>The callback for <see cref="ClusterCertificate.Configure"/>.</summary>
    public void Refused(X509Certificate2 peer, bool connecting, EndPoint? address)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var hash = ClusterCertificate.Hash(peer);
        var where = address?.ToString() ?? "a peer";
        if (connecting && !_started)
        {
            // This silo is the odd one out: the line that ends its start says so.
            _detected.TrySetResult(string.Create(CultureInfo.InvariantCulture,
                $"--tls-certificate {path}: the cluster's silo at {where} presents another certificate (SHA-256 {Short(hash)}), this file holds {Short(ClusterCertificate.Hash(certificate))}; start the silo with the cluster's certificate"));
            return;
        }

        lock (_logged)
        {
            if (_logged.Add((hash, connecting)))
            {
                if (connecting)
                {
                    LogRefusedServer(Logger, where, Short(hash));
                }
                else
                {
                    LogRefusedClient(Logger, where, Short(hash));
                }
            }
        }
    }

    private static string Short(string hash) => hash[..16] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "AutoMon silo: refused the TLS connection to {Peer}: it presents certificate {Sha256}, not the cluster's")]
    private static partial void LogRefusedServer(ILogger logger, string peer, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AutoMon silo: refused a TLS connection from {Peer}: it presents certificate {Sha256}, not the cluster's")]
    private static partial void LogRefusedClient(ILogger logger, string peer, string sha256);
}
