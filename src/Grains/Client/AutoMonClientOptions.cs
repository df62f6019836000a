using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace AutoMon.Client;

/// <summary>
/// Where the silos are: their gateway endpoints (each silo's <c>--address</c>:<c>--gateway-port</c>, 30000 by default) and
/// the cluster's <c>--cluster-id</c> and <c>--service-id</c>.
/// </summary>
public sealed record AutoMonClientOptions
{
    /// <summary>The silos' gateways, e.g. <c>[IPEndPoint.Parse("127.0.0.1:30000")]</c>; at least one.</summary>
    public IReadOnlyList<IPEndPoint> Gateways { get; init; } = [];

    /// <summary>The silos' cluster id (default <c>automon</c>, the silos' default).</summary>
    public string ClusterId { get; init; } = "automon";

    /// <summary>The silos' service id (default <c>automon</c>, the silos' default).</summary>
    public string ServiceId { get; init; } = "automon";

    /// <summary>
    /// The cluster's certificate with its private key, for silos started with <c>--tls-certificate</c>: the client then
    /// connects over mutual TLS and accepts only gateways presenting this same certificate
    /// (<see cref="AutoMon.Grains.Hosting.ClusterCertificate"/>). Null, with no <see cref="TlsCertificateFile"/>: plain TCP,
    /// which a TLS cluster refuses. The caller keeps owning it.
    /// </summary>
    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary>The cluster's certificate as a PKCS#12 (.pfx) file, the silos' <c>--tls-certificate</c>; instead of <see cref="TlsCertificate"/>.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The password of <see cref="TlsCertificateFile"/>, if it has one.</summary>
    public string? TlsCertificatePassword { get; init; }

    /// <summary>
    /// How long <see cref="AutoMonClient.ConnectAsync"/> may take before it fails (default 30 s): a TLS cluster refuses a
    /// client without its certificate by closing the connection, which the Orleans client would otherwise retry for ever.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a push keeps trying while a silo of the cluster is being replaced (default 60 s: fast failure detection
    /// needs seconds, Orleans' default about 15 s, and the monitor's recovery a little more).
    /// </summary>
    public TimeSpan PushRetryTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Options for the gateways <paramref name="gateways"/> (<c>host:port</c> with an IP address, e.g. <c>127.0.0.1:30000</c>).</summary>
    public static AutoMonClientOptions ForGateways(params string[] gateways)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        var endpoints = new List<IPEndPoint>();
        foreach (var gateway in gateways)
        {
            if (!IPEndPoint.TryParse(gateway ?? string.Empty, out var endpoint) || endpoint.Port == 0)
            {
                throw new ArgumentException($"Gateways: '{gateway}' is not an IP address and port such as 127.0.0.1:30000.", nameof(gateways));
            }

            endpoints.Add(endpoint);
        }

        return new AutoMonClientOptions { Gateways = endpoints };
    }

    /// <summary>The problems of these options, each naming its option; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Gateways is null || Gateways.Count == 0)
        {
            problems.Add("Gateways: at least one silo gateway endpoint is required (e.g. 127.0.0.1:30000)");
        }
        else if (Gateways.Any(g => g is null || g.Port == 0))
        {
            problems.Add("Gateways: every gateway needs an address and a non-zero port");
        }

        if (PushRetryTimeout < TimeSpan.Zero)
        {
            problems.Add("PushRetryTimeout: must not be negative");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            problems.Add("ClusterId: the cluster id is required");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add("ServiceId: the service id is required");
        }

        if (TlsCertificate is not null && TlsCertificateFile is not null)
        {
            problems.Add("TlsCertificate, TlsCertificateFile: give the certificate one way, not both");
        }
        else if (TlsCertificate is { HasPrivateKey: false })
        {
            problems.Add("TlsCertificate: the certificate has no private key (load the .pfx with its key)");
        }

        if (TlsCertificatePassword is not null && TlsCertificateFile is null)
        {
            problems.Add("TlsCertificatePassword: applies to TlsCertificateFile only");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Add("ConnectTimeout: must be positive");
        }

        return problems;
    }
}
