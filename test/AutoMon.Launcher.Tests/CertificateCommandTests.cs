using System.Globalization;
using AutoMon.Grains.Hosting;

namespace AutoMon.Launcher.Tests;

/// <summary><c>automon cluster-certificate</c>: the certificate silos and clients share for mutual TLS.</summary>
public sealed class CertificateCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("automon-cert-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Writes_a_loadable_owner_only_certificate_and_never_overwrites_one()
    {
        var path = Path.Combine(_folder, "cluster.pfx");
        var (code, output, _) = await RunAsync("cluster-certificate", "--out", path, "--days", "2");

        Assert.Equal(0, code);
        using var certificate = ClusterCertificate.Load(path, null, "--out");
        Assert.Equal(ClusterCertificate.SubjectName, certificate.Subject);
        Assert.Contains($"SHA-256 {ClusterCertificate.Hash(certificate)}", output, StringComparison.Ordinal);
        Assert.InRange(certificate.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(1.9), DateTime.UtcNow.AddDays(2.1));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var again = await RunAsync("cluster-certificate", "--out", path);
        Assert.Equal(1, again.Code);
        Assert.Contains($"--out {path} exists", again.Error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await LauncherApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
