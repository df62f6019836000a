namespace AutoMon.Launcher.Aws;

/// <summary>How the launcher reaches AWS: the command line's <c>--aws-endpoint</c> and <c>--credentials-csv</c>.</summary>
public sealed record AwsConnectionOptions
{
    /// <summary>
    /// One endpoint for every service client (ECS, CloudWatch Logs, STS, EC2, S3, DynamoDB), e.g. a moto server. Requests
    /// are still signed for their own region and service, so one endpoint serves both regions. Null: the real AWS endpoints.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>An IAM console credentials file (<c>new_user_credentials.csv</c>); null: the standard AWS credential chain.</summary>
    public string? CredentialsCsvPath { get; init; }

    /// <summary>Retries of throttled, 5xx and unreachable requests.</summary>
    public AwsRetryPolicy Retry { get; init; } = AwsRetryPolicy.Default;

    /// <summary>Time allowed for one HTTP attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (Endpoint is { } endpoint &&
            (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"--aws-endpoint '{endpoint}' is not an absolute http(s) URL.", nameof(Endpoint));
        }
        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"RequestTimeout must be positive, got {RequestTimeout}.", nameof(RequestTimeout));
        }
        Retry.Validate();
    }
}

/// <summary>
/// Exponential backoff with jitter: attempt k (1-based) that failed retryably waits min(MaxDelay, BaseDelay·2^(k-1)) scaled
/// by a random factor in [0.5, 1], as AWS recommends for throttling.
/// </summary>
public sealed record AwsRetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static AwsRetryPolicy Default { get; } = new(6, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));

    public TimeSpan DelayBefore(int nextAttempt, double jitter01)
    {
        var exponent = Math.Min(nextAttempt - 2, 30);
        var raw = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(exponent, 0));
        var capped = Math.Min(raw, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (0.5 * jitter01)));
    }

    public void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"Retry MaxAttempts must be at least 1, got {MaxAttempts}.", nameof(MaxAttempts));
        }
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay)
        {
            throw new ArgumentException($"Retry delays must satisfy 0 <= BaseDelay <= MaxDelay, got {BaseDelay} and {MaxDelay}.");
        }
    }
}
