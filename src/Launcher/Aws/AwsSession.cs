using System.Collections.Concurrent;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Credentials, one HTTP connection pool and per-region clients for every service the launcher uses. With
/// <see cref="AwsConnectionOptions.Endpoint"/> set, every client (ours and the SDK's) talks to that one endpoint and signs for
/// its own region, which is how the tests drive a moto server.
/// </summary>
public sealed class AwsSession : IDisposable
{
    private readonly HttpClient _http;
    private readonly AwsHttpTransport _transport;
    private readonly ConcurrentDictionary<(string Service, string Region), object> _clients = new();
    private bool _disposed;

    private AwsSession(AwsConnectionOptions options, AWSCredentials credentials, HttpMessageHandler? handler,
        TimeProvider time)
    {
        Options = options;
        Credentials = credentials;
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own time-out
        _transport = new AwsHttpTransport(_http, credentials, options, time,
            (service, action) => CallObserver?.Invoke(service, action));
    }

    /// <summary>Told (service, action) of every AWS call made through this session (tests check the IAM policy with it).</summary>
    internal Action<string, string>? CallObserver { get; set; }

    public AwsConnectionOptions Options { get; }
    public AWSCredentials Credentials { get; }

    /// <summary>
    /// Credentials from <c>--credentials-csv</c> when given, else the SDK's standard chain: environment, profiles (static,
    /// assume-role, and SSO, which AWSSDK.SSO/SSOOIDC resolve), container and instance roles.
    /// </summary>
    public static AwsSession Open(AwsConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        AWSCredentials credentials;
        if (options.CredentialsCsvPath is { } csv)
        {
            credentials = AwsCredentialsCsv.Read(csv);
        }
        else
        {
            try
            {
                credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials();
            }
            catch (AmazonClientException e)
            {
                throw new InvalidOperationException(
                    "No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, configure a profile " +
                    "(aws configure; or aws configure sso and aws sso login, with AWS_PROFILE), run with an IAM role, or pass " +
                    "--credentials-csv new_user_credentials.csv. " + e.Message, e);
            }
        }
        return new AwsSession(options, credentials, null, TimeProvider.System);
    }

    /// <summary>A session with the given credentials (tests, or a caller that resolved them itself).</summary>
    public static AwsSession Create(AwsConnectionOptions options, AWSCredentials credentials,
        HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        options.Validate();
        return new AwsSession(options, credentials, handler, time ?? TimeProvider.System);
    }

    public EcsClient Ecs(string region) => Get("ecs", region, r =>
        new EcsClient(new AwsJsonClient(_transport, "ecs", "ecs", "AmazonEC2ContainerServiceV20141113", r)));

    public CloudWatchLogsClient Logs(string region) => Get("logs", region, r =>
        new CloudWatchLogsClient(new AwsJsonClient(_transport, "logs", "logs", "Logs_20140328", r)));

    public IAmazonSecurityTokenService Sts(string region) => Get<IAmazonSecurityTokenService>("sts", region, r =>
        new AmazonSecurityTokenServiceClient(Credentials, Configure(new AmazonSecurityTokenServiceConfig(), r)));

    /// <summary>STS GetCallerIdentity: the account id (for the default image and role ARNs), and a cheap check of the
    /// endpoint and the credentials before anything is created.</summary>
    public async Task<string> GetAccountIdAsync(string region, CancellationToken cancellationToken = default)
    {
        var sts = Sts(region);
        var identity = await AwsSdkCall.RunAsync(this, "sts", "GetCallerIdentity", region,
            () => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken)).ConfigureAwait(false);
        return identity.Account is { Length: > 0 } account
            ? account
            : throw new AwsServiceException("sts", "GetCallerIdentity", region, null, "MalformedResponse", "the answer has no Account");
    }

    /// <summary>
    /// IAM (the preflight's GetRole and GetInstanceProfile) is global: signed for us-east-1 at iam.amazonaws.com (or the
    /// override endpoint).
    /// </summary>
    public AwsQueryClient Iam() => Get("iam", "us-east-1", r =>
        new AwsQueryClient(_transport, "iam", Options.Endpoint ?? new Uri("https://iam.amazonaws.com/"), "2010-05-08", r));

    public IAmazonEC2 Ec2(string region) => Get<IAmazonEC2>("ec2", region, r =>
        new AmazonEC2Client(Credentials, Configure(new AmazonEC2Config(), r)));

    public IAmazonS3 S3(string region) => Get<IAmazonS3>("s3", region, r =>
    {
        var config = Configure(new AmazonS3Config(), r);
        // Path-style addressing: an override endpoint (moto) has no per-bucket host names.
        config.ForcePathStyle = Options.Endpoint is not null;
        return new AmazonS3Client(Credentials, config);
    });

    public IAmazonDynamoDB DynamoDb(string region) => Get<IAmazonDynamoDB>("dynamodb", region, r =>
        new AmazonDynamoDBClient(Credentials, Configure(new AmazonDynamoDBConfig(), r)));

    private T Configure<T>(T config, string region) where T : ClientConfig
    {
        if (Options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        config.MaxErrorRetry = Options.Retry.MaxAttempts - 1;
        config.Timeout = Options.RequestTimeout;
        return config;
    }

    private T Get<T>(string service, string region, Func<string, T> create) where T : class
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        AwsNaming.ValidateRegion(region);
        return (T)_clients.GetOrAdd((service, region), key => create(key.Region));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var client in _clients.Values)
        {
            (client as IDisposable)?.Dispose();
        }
        _http.Dispose();
    }
}
