using System.CommandLine;
using System.Globalization;
using AutoMon.Grains.Hosting;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon cluster-certificate --out cluster.pfx</c>: a new self-signed cluster certificate with its key
/// (<see cref="ClusterCertificate"/>) for silos' <c>--tls-certificate</c> and the client's <c>TlsCertificateFile</c>.
/// </summary>
internal static class CertificateCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The .pfx file to write (readable by its owner only); an existing file is not overwritten.", Required = true };
        var days = new Option<int>("--days") { Description = "Days it is valid (default 30).", DefaultValueFactory = _ => (int)ClusterCertificate.DefaultValidity.TotalDays };
        var command = new Command("cluster-certificate",
            "Write a new self-signed cluster certificate and key (.pfx) for mutual TLS between silos and clients (--tls-certificate; docs/silo-host.md, TLS).");
        command.Options.Add(output);
        command.Options.Add(days);
        command.SetAction(parseResult =>
        {
            var console = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetRequiredValue(output);
            var validity = parseResult.GetValue(days);
            if (validity < 1)
            {
                error.WriteLine($"error: --days must be at least 1; got {validity.ToString(CultureInfo.InvariantCulture)}.");
                return 1;
            }

            if (File.Exists(path))
            {
                error.WriteLine($"error: --out {path} exists; remove it or choose another file (silos holding it would be locked out).");
                return 1;
            }

            try
            {
                var hash = ClusterCertificate.CreateFile(path, validity: TimeSpan.FromDays(validity));
                console.WriteLine($"Wrote {path}: {ClusterCertificate.SubjectName}, valid {validity.ToString(CultureInfo.InvariantCulture)} days, SHA-256 {hash}");
                console.WriteLine($"Give every silo --tls-certificate {path} and every .NET client TlsCertificateFile = \"{path}\".");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: --out {path}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
