using System.Net;
using System.Net.Http.Headers;
using Amazon.Runtime;

namespace AutoMon.Launcher.Aws;

/// <summary>One signed call: who signs it (service, region), where it goes, what it carries.</summary>
internal sealed record AwsCall(string Service, string Action, string Region, Uri Endpoint, byte[] Body, string ContentType,
    string? Target);

/// <summary>AWS's error code and message pulled from an error response by the protocol's parser.</summary>
internal readonly record struct AwsErrorInfo(string? Code, string? Message);

/// <summary>
/// Sends SigV4-signed requests with retries: throttling and 5xx answers and unreachable endpoints are retried with backoff
/// (<see cref="AwsRetryPolicy"/>); any other error becomes an <see cref="AwsServiceException"/> naming service, action,
/// HTTP status and AWS's code and message. Each attempt is signed afresh (new date, refreshed credentials).
/// </summary>
internal sealed class AwsHttpTransport
{
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "ProvisionedThroughputExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
        "InternalError", "ServerException", "RequestTimeout", "RequestTimeoutException",
    };

    private readonly HttpClient _http;
    private readonly AWSCredentials _credentials;
    private readonly AwsConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<string, string>? _onCall;

    public AwsHttpTransport(HttpClient http, AWSCredentials credentials, AwsConnectionOptions options, TimeProvider time,
        Action<string, string>? onCall = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _http = http;
        _credentials = credentials;
        _options = options;
        _time = time;
        _onCall = onCall;
    }

    /// <summary>The override endpoint when one is set, else AWS's regional endpoint for the service.</summary>
    public Uri EndpointFor(string endpointPrefix, string region) =>
        _options.Endpoint ?? new Uri($"https://{endpointPrefix}.{region}.amazonaws.com/");

    public async Task<byte[]> SendAsync(AwsCall call, Func<HttpResponseMessage, byte[], AwsErrorInfo> parseError,
        CancellationToken cancellationToken)
    {
        _onCall?.Invoke(call.Service, call.Action);
        var retry = _options.Retry;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var credentials = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Post, call.Endpoint);
            request.Content = new ByteArrayContent(call.Body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(call.ContentType);
            if (call.Target is not null)
            {
                request.Headers.TryAddWithoutValidation("X-Amz-Target", call.Target);
            }
            SigV4Signer.Sign(request, call.Body, credentials, call.Region, call.Service, _time.GetUtcNow().UtcDateTime);

            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(_options.RequestTimeout);
            HttpResponseMessage response;
            byte[] body;
            try
            {
                response = await _http.SendAsync(request, attemptTimeout.Token).ConfigureAwait(false);
                body = await response.Content.ReadAsByteArrayAsync(attemptTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException ||
                                      (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                if (attempt >= retry.MaxAttempts)
                {
                    throw new AwsEndpointUnreachableException(call.Endpoint, call.Service, call.Action, call.Region, attempt,
                        e is OperationCanceledException
                            ? new TimeoutException($"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s", e)
                            : e);
                }
                await Task.Delay(retry.DelayBefore(attempt + 1, Random.Shared.NextDouble()), cancellationToken)
                    .ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return body;
                }
                var error = parseError(response, body);
                if (IsRetryable(response.StatusCode, error.Code) && attempt < retry.MaxAttempts)
                {
                    await Task.Delay(retry.DelayBefore(attempt + 1, Random.Shared.NextDouble()), cancellationToken)
                        .ConfigureAwait(false);
                    continue;
                }
                throw new AwsServiceException(call.Service, call.Action, call.Region, response.StatusCode, error.Code,
                    error.Message);
            }
        }
    }

    internal static bool IsRetryable(HttpStatusCode status, string? code) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500 || (code is not null && RetryableCodes.Contains(code));
}
