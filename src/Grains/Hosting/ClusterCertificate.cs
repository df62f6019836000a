using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace AutoMon.Grains.Hosting;

/// <summary>
/// The cluster's key: one certificate with its private key (a PKCS#12 .pfx) that every silo and every .NET client holds.
/// Silo-to-silo and gateway connections are TLS with certificates required on both sides (mutual TLS), and a peer is
/// accepted only when it presents this very certificate (pinning: the same SHA-256 hash), within its validity period. The
/// handshake proves the peer holds the private key, so nobody joins the cluster or calls its grains without the file. Chain
/// and host-name checks are not used: the certificate is self-signed (no authority to trust) and silos are reached by IP
/// address; the pin is stricter than both. One place for the rule: silos (<c>--tls-certificate</c>), the client
/// (<c>AutoMonClientOptions.Certificate</c>), the launcher and the tests all use it.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>The subject of a generated certificate.</summary>
    public const string SubjectName = "CN=automon-cluster";

    /// <summary>How long a generated certificate is valid (an experiment's or a local cluster's lifetime, with margin).</summary>
    public static readonly TimeSpan DefaultValidity = TimeSpan.FromDays(30);

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// A new self-signed certificate with its private key: ECDSA P-256, <see cref="SubjectName"/>, valid from a minute ago
    /// for <paramref name="validity"/> (default 30 days), usable for TLS server and client authentication.
    /// </summary>
    public static X509Certificate2 Create(TimeSpan? validity = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication), new Oid(ClientAuthentication)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-1), now + (validity ?? DefaultValidity));
    }

    /// <summary>
    /// Writes a new certificate (<see cref="Create"/>) with its private key to <paramref name="path"/> as PKCS#12 (.pfx),
    /// readable by its owner only (on Unix); protected by <paramref name="password"/> when given. Returns its SHA-256 hash (hex).
    /// </summary>
    public static string CreateFile(string path, string? password = null, TimeSpan? validity = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var certificate = Create(validity);
        var bytes = certificate.Export(X509ContentType.Pkcs12, password);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        {
            file.Write(bytes);
        }

        return Hash(certificate);
    }

    /// <summary>
    /// Loads the certificate with its private key from the PKCS#12 file <paramref name="path"/>; a file missing, unreadable,
    /// not PKCS#12, with a wrong password, without a private key or not valid now throws an <see cref="ArgumentException"/>
    /// whose one-line message starts with <paramref name="setting"/> (e.g. <c>--tls-certificate /path</c>).
    /// </summary>
    public static X509Certificate2 Load(string path, string? password, string setting)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(setting);
        if (!File.Exists(path))
        {
            throw new ArgumentException(Directory.Exists(path) ? $"{setting} {path}: is a folder, not a .pfx file" : $"{setting} {path}: no such file");
        }

        X509Certificate2 certificate;
        try
        {
            // Ephemeral: the key stays in memory (no key files written for the process's user).
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"{setting} {path}: no such file");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"{setting} {path}: cannot read the file ({e.Message.ReplaceLineEndings(" ")})");
        }
        catch (CryptographicException e)
        {
            var why = password is null ? "not a PKCS#12 (.pfx) file, or it needs a password (--tls-certificate-password)" : "not a PKCS#12 (.pfx) file, or the password is wrong";
            throw new ArgumentException($"{setting} {path}: {why} ({e.Message.ReplaceLineEndings(" ").TrimEnd('.', ' ')})");
        }

        var problem = !certificate.HasPrivateKey ? "holds no private key (export the certificate with its key, as a .pfx)"
            : NotValidNow(certificate, DateTime.UtcNow) is { } when ? when
            : null;
        if (problem is not null)
        {
            certificate.Dispose();
            throw new ArgumentException($"{setting} {path}: {problem}");
        }

        return certificate;
    }

    /// <summary>
    /// The pinning rule: <paramref name="peer"/> is accepted when it is the cluster's certificate (the same SHA-256 hash)
    /// and valid at <paramref name="now"/>. TLS has already checked that the peer holds its private key.
    /// </summary>
    public static bool Accepts(X509Certificate2 cluster, X509Certificate2? peer, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return peer is not null
            && CryptographicOperations.FixedTimeEquals(cluster.GetCertHash(HashAlgorithmName.SHA256), peer.GetCertHash(HashAlgorithmName.SHA256))
            && NotValidNow(peer, now) is null;
    }

    /// <summary>
    /// Orleans' TLS options for a cluster member (silo or client) holding <paramref name="certificate"/>: present it on every
    /// connection, in both directions, require the peer's, and accept only <see cref="Accepts">the same certificate</see>.
    /// <paramref name="refused"/> hears of every peer certificate refused: the certificate, whether this member was
    /// connecting to the peer (rather than accepting its connection) and the peer's address when known.
    /// </summary>
    public static void Configure(TlsOptions options, X509Certificate2 certificate, Action<X509Certificate2, bool, EndPoint?>? refused = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificate);
        options.LocalCertificate = certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // The platform's chain and name errors are expected for a self-signed certificate reached by IP; the pin decides.
        options.RemoteCertificateValidation = (peer, _, _) =>
        {
            var accepted = Accepts(certificate, peer, DateTime.UtcNow);
            if (!accepted && peer is not null && refused is not null)
            {
                var connecting = ConnectingTo.Value;
                refused(peer, connecting is not null, connecting?.Address);
            }

            return accepted;
        };
        options.OnAuthenticateAsClient = (connection, client) =>
        {
            client.TargetHost = "automon-cluster";
            // Called synchronously by the connecting side just before its handshake, in the handshake's own flow: the
            // validation above then knows it checks a peer this member connected to.
            ConnectingTo.Value = new Connecting(connection.RemoteEndPoint);
        };
    }

    // Set in a connection's flow when this member opens it (absent in the flows of accepted connections).
    private static readonly AsyncLocal<Connecting?> ConnectingTo = new();

    private sealed record Connecting(EndPoint? Address);

    /// <summary>The SHA-256 hash of <paramref name="certificate"/>, in hex (what the pin compares; shown in logs and docs).</summary>
    public static string Hash(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    private static string? NotValidNow(X509Certificate2 certificate, DateTime now)
    {
        if (now < certificate.NotBefore.ToUniversalTime())
        {
            return string.Create(CultureInfo.InvariantCulture, $"is not valid before {certificate.NotBefore.ToUniversalTime():u}");
        }

        return now > certificate.NotAfter.ToUniversalTime()
            ? string.Create(CultureInfo.InvariantCulture, $"expired on {certificate.NotAfter.ToUniversalTime():u}; generate a new one")
            : null;
    }
}
