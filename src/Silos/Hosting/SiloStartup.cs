using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using AutoMon.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// Start-up problems in one line that names the port, endpoint or setting: checked before the silo starts where that can be
/// done cheaply (ports free, the DynamoDB endpoint reachable, the TLS certificate readable), and read out of the exception when the start fails anyway —
/// instead of Orleans' lifecycle logs and a stack trace.
/// </summary>
public static class SiloStartup
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan UnwindTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Every problem found before starting: a port in use or an address not of this machine, an endpoint that refuses.</summary>
    public static async Task<IReadOnlyList<string>> CheckAsync(SiloHostOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var ports = new List<(string Setting, int Port)> { ("--silo-port", options.SiloPort), ("--gateway-port", options.GatewayPort) };
        if (options.HttpPort is { } http)
        {
            ports.Add(("--http-port", http));
        }

        var address = options.EffectiveMembership == MembershipKind.Localhost ? IPAddress.Loopback : options.Address;
        foreach (var (setting, port) in ports)
        {
            if (PortProblem(address, port, setting) is { } problem)
            {
                problems.Add(problem);
            }
        }

        if (options.UsesDynamoDB && options.DynamoDBServiceUrl is { } url
            && await EndpointProblemAsync(url, "--dynamodb-service-url", cancellationToken).ConfigureAwait(false) is { } refused)
        {
            problems.Add(refused);
        }

        if (options.TlsCertificate is { } certificate)
        {
            try
            {
                ClusterCertificate.Load(certificate, options.TlsCertificatePassword, "--tls-certificate").Dispose();
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message);
            }
        }

        return problems;
    }

    /// <summary>
    /// Starts <paramref name="host"/>; null when it started, or the one-line problem when, with TLS, a cluster silo it
    /// connected to while joining presented another certificate (<see cref="CertificateMismatch"/>): it would never join.
    /// The start is then cancelled, and what it logs while unwinding is held back, so that line comes last.
    /// </summary>
    public static async Task<string?> StartAsync(IHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Services.GetService<CertificateMismatch>() is not { } mismatch)
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        mismatch.Logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger<CertificateMismatch>();
        using var start = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var starting = host.StartAsync(start.Token);
        if (await Task.WhenAny(starting, mismatch.Detected).ConfigureAwait(false) == starting)
        {
            await starting.ConfigureAwait(false);
            mismatch.Started();
            return null;
        }

        (host.Services.GetRequiredService<ILoggerFactory>() as SiloLoggerFactory)?.HoldBackOthers();
        await start.CancelAsync().ConfigureAwait(false);
        try
        {
            await starting.WaitAsync(UnwindTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or OrleansException or InvalidOperationException or AggregateException)
        {
            // The start was cancelled: expected.
        }

        return await mismatch.Detected.ConfigureAwait(false);
    }

    /// <summary>Why the silo could not start, in one line, for an exception its host threw while starting.</summary>
    public static string Describe(Exception exception, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(options);
        var dynamo = options.UsesDynamoDB;
        var endpoint = options.DynamoDBServiceUrl is { } url ? $"the DynamoDB endpoint {url} (--dynamodb-service-url)" : "DynamoDB";
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return string.Create(CultureInfo.InvariantCulture,
                        $"a port of this silo is in use (--silo-port {options.SiloPort}, --gateway-port {options.GatewayPort}{(options.HttpPort is { } h ? $", --http-port {h}" : "")}); choose free ports");
                case HttpRequestException when dynamo:
                    return $"cannot reach {endpoint}: {e.Message}";
                case AmazonClientException when dynamo && e.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase):
                    return "no AWS credentials for DynamoDB (membership or grain state tables): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run on AWS with a task role";
                case AmazonServiceException service when dynamo:
                    return $"{endpoint} refused a table of this silo (membership or grain state): {service.ErrorCode}: {service.Message}";
            }
        }

        return $"the silo did not start: {Flatten(exception)}";
    }

    private static string? PortProblem(IPAddress address, int port, string setting)
    {
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{setting} {port}: {address}:{port} is in use (another silo or program listens there); choose another port");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            return $"--address {address} is not an address of this machine";
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{setting} {port}: this user may not listen on {address}:{port}; choose a port above 1023");
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task<string?> EndpointProblemAsync(string url, string setting, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return $"{setting} '{url}' is not an absolute URL (e.g. http://127.0.0.1:5000)";
        }

        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await client.ConnectAsync(uri.Host, uri.Port, timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (SocketException e)
        {
            return $"{setting} {url}: cannot connect ({e.Message}); is the endpoint running?";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{setting} {url}: no answer within {ConnectTimeout.TotalSeconds:0} s; is the endpoint running and reachable?");
        }
    }

    private static string Flatten(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        var text = innermost == exception ? exception.Message : $"{exception.Message} ({innermost.Message})";
        return text.ReplaceLineEndings(" ");
    }
}
