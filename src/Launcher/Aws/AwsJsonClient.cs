using System.Text.Json;
using System.Text.Json.Serialization;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// The AWS JSON 1.1 protocol (ECS, CloudWatch Logs): POST / with <c>X-Amz-Target: Prefix.Action</c> and a JSON body; errors
/// carry <c>__type</c> (maybe namespaced, <c>com.amazonaws.ecs#ClusterNotFoundException</c>) and <c>message</c>.
/// </summary>
public sealed class AwsJsonClient
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly AwsHttpTransport _transport;
    private readonly string _targetPrefix;

    internal AwsJsonClient(AwsHttpTransport transport, string service, string endpointPrefix, string targetPrefix,
        string region)
    {
        _transport = transport;
        _targetPrefix = targetPrefix;
        Service = service;
        Region = region;
        Endpoint = transport.EndpointFor(endpointPrefix, region);
    }

    public string Service { get; }
    public string Region { get; }
    public Uri Endpoint { get; }

    public async Task<JsonElement> CallAsync(string action, object request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, request.GetType(), Json);
        var call = new AwsCall(Service, action, Region, Endpoint, body, "application/x-amz-json-1.1",
            _targetPrefix + "." + action);
        var response = await _transport.SendAsync(call, ParseError, cancellationToken).ConfigureAwait(false);
        if (response.Length == 0)
        {
            return default;
        }
        using var document = JsonDocument.Parse(response);
        return document.RootElement.Clone();
    }

    public async Task<T> CallAsync<T>(string action, object request, CancellationToken cancellationToken)
    {
        var element = await CallAsync(action, request, cancellationToken).ConfigureAwait(false);
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            throw new AwsServiceException(Service, action, Region, null, "EmptyResponse", "the service answered with no body");
        }
        return element.Deserialize<T>(Json) ??
               throw new AwsServiceException(Service, action, Region, null, "NullResponse", "the service answered null");
    }

    internal static AwsErrorInfo ParseError(HttpResponseMessage response, byte[] body)
    {
        string? code = null;
        string? message = null;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code = types.FirstOrDefault();
        }
        try
        {
            if (body.Length > 0)
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in root.EnumerateObject())
                    {
                        if (property.Value.ValueKind != JsonValueKind.String)
                        {
                            continue;
                        }
                        if (property.NameEquals("__type") || property.NameEquals("code"))
                        {
                            code ??= property.Value.GetString();
                        }
                        else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase))
                        {
                            message = property.Value.GetString();
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
            message = System.Text.Encoding.UTF8.GetString(body);
        }
        return new AwsErrorInfo(NormalizeCode(code) ?? response.ReasonPhrase, message);
    }

    /// <summary><c>com.amazonaws.ecs#ClientException</c> and <c>ClientException:http://...</c> both become <c>ClientException</c>.</summary>
    internal static string? NormalizeCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? code[..colon] : code;
    }
}
