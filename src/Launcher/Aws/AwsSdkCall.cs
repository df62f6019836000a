using Amazon.Runtime;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Wraps calls through the AWS SDK packages (EC2, S3, DynamoDB) so their failures read like our own clients': an
/// <see cref="AwsServiceException"/> with service, action, region, status, code and message, or an
/// <see cref="AwsEndpointUnreachableException"/> naming the endpoint.
/// </summary>
internal static class AwsSdkCall
{
    public static async Task<T> RunAsync<T>(AwsSession session, string service, string action, string region,
        Func<Task<T>> call)
    {
        session.CallObserver?.Invoke(service, action);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException e) when (FindNetworkFailure(e) is null)
        {
            throw new AwsServiceException(service, action, region, e.StatusCode == 0 ? null : e.StatusCode, e.ErrorCode,
                e.Message, e);
        }
        catch (Exception e) when (FindNetworkFailure(e) is { } network)
        {
            var endpoint = session.Options.Endpoint ?? new Uri($"https://{service}.{region}.amazonaws.com/");
            throw new AwsEndpointUnreachableException(endpoint, service, action, region,
                session.Options.Retry.MaxAttempts, network);
        }
    }

    public static Task RunAsync(AwsSession session, string service, string action, string region, Func<Task> call) =>
        RunAsync(session, service, action, region, async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        });

    private static HttpRequestException? FindNetworkFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException http)
            {
                return http;
            }
        }
        return null;
    }
}
