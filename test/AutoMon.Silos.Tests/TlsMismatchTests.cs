using System.Diagnostics;
using AutoMon.Grains.Hosting;
using Xunit.Abstractions;
using static AutoMon.Silos.Tests.MembershipTestData;

namespace AutoMon.Silos.Tests;

/// <summary>
/// A silo started with another <c>--tls-certificate</c> than the cluster's cannot join: it exits non-zero with one line
/// naming the setting, its file and both certificates, not Orleans' stack traces; the cluster's silo stays up.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class TlsMismatchTests(MotoServer moto, ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("automon-tls-mismatch-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_silo_with_another_certificate_than_the_clusters_ends_with_one_line_naming_it()
    {
        var clusterCertificate = Path.Combine(_folder, "cluster.pfx");
        var otherCertificate = Path.Combine(_folder, "other.pfx");
        var clusterHash = ClusterCertificate.CreateFile(clusterCertificate);
        var otherHash = ClusterCertificate.CreateFile(otherCertificate);
        var tableName = UniqueName("tlsmismatch");
        var clusterId = UniqueName("tlsmismatch");

        await using var member = SiloProcess.StartWithDynamoDB(moto, "coordinator", "us-west-2", clusterId, tableName, "--tls-certificate", clusterCertificate);
        var clock = Stopwatch.StartNew();
        while (!member.Output.Contains("AutoMon silo started", StringComparison.Ordinal))
        {
            Assert.False(member.HasExited, $"the cluster's silo exited:\n{member.Output}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"the cluster's silo did not start:\n{member.Output}");
            await Task.Delay(200);
        }

        await using var wrong = SiloProcess.StartWithDynamoDB(moto, "node", "us-east-2", clusterId, tableName, "--tls-certificate", otherCertificate);
        clock.Restart();
        var exitCode = await wrong.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"exited {exitCode} after {clock.Elapsed.TotalSeconds:F1} s:\n{wrong.Output}");

        Assert.Equal(1, exitCode);
        var last = wrong.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains($"AutoMon silo did not start: --tls-certificate {otherCertificate}: the cluster's silo at 127.0.0.1:{member.SiloPort} presents another certificate " +
                        $"(SHA-256 {clusterHash[..16]}…), this file holds {otherHash[..16]}…; start the silo with the cluster's certificate", last, StringComparison.Ordinal);
        // No Orleans error, no stack dump (a line of its own per frame), no handshake failures: the one error is the last line.
        Assert.Equal(last, Assert.Single(wrong.Output.Split('\n'), l => l.Contains("fail:", StringComparison.Ordinal)));
        Assert.DoesNotContain(wrong.Output.Split('\n'), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Authentication failed", wrong.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AutoMon silo started", wrong.Output, StringComparison.Ordinal);

        // The member only logs the refused connection, once, in one line; it keeps running.
        Assert.False(member.HasExited, member.Output);
        Assert.Contains($"refused a TLS connection from", member.Output, StringComparison.Ordinal);
        Assert.Contains($"it presents certificate {otherHash[..16]}…, not the cluster's", member.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Authentication failed", member.Output, StringComparison.Ordinal);
    }
}
