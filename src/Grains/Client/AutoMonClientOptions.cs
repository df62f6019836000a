using System.Net;

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

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            problems.Add("ClusterId: the cluster id is required");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add("ServiceId: the service id is required");
        }

        return problems;
    }
}
