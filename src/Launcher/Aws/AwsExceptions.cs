using System.Net;

namespace AutoMon.Launcher.Aws;

/// <summary>An AWS service answered with an error: which service, action and region, the HTTP status, AWS's code and message.</summary>
public sealed class AwsServiceException : Exception
{
    public AwsServiceException(string service, string action, string region, HttpStatusCode? statusCode, string? errorCode,
        string? awsMessage, Exception? innerException = null)
        : base(Describe(service, action, region, statusCode, errorCode, awsMessage), innerException)
    {
        Service = service;
        Action = action;
        Region = region;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        AwsMessage = awsMessage;
    }

    public string Service { get; }
    public string Action { get; }
    public string Region { get; }
    public HttpStatusCode? StatusCode { get; }

    /// <summary>AWS's error code without namespace, e.g. <c>ClusterNotFoundException</c>.</summary>
    public string? ErrorCode { get; }

    public string? AwsMessage { get; }

    private static string Describe(string service, string action, string region, HttpStatusCode? status, string? code,
        string? message)
    {
        var http = status is { } s ? $"HTTP {(int)s}" : "no HTTP status";
        return $"AWS {service} {action} in {region} failed: {http} {code ?? "(no error code)"}: {message ?? "(no message)"}";
    }
}

/// <summary>No answer from an endpoint after the retries: connection refused, DNS failure or time-out.</summary>
public sealed class AwsEndpointUnreachableException : Exception
{
    public AwsEndpointUnreachableException(Uri endpoint, string service, string action, string region, int attempts,
        Exception innerException)
        : base($"AWS endpoint {endpoint} is unreachable ({service} {action} in {region}, {attempts} attempt(s)): " +
               innerException?.Message, innerException)
    {
        Endpoint = endpoint;
        Service = service;
        Action = action;
        Region = region;
    }

    public Uri Endpoint { get; }
    public string Service { get; }
    public string Action { get; }
    public string Region { get; }
}

/// <summary>Provisioning stopped part-way; what had been created was cleaned up (see <see cref="Cleanup"/>).</summary>
public sealed class AwsProvisioningException : Exception
{
    public AwsProvisioningException(string message, Exception innerException, AwsCleanupReport? cleanup)
        : base(message, innerException)
    {
        Cleanup = cleanup;
    }

    /// <summary>What the automatic clean-up removed, or null when it was disabled.</summary>
    public AwsCleanupReport? Cleanup { get; }
}
