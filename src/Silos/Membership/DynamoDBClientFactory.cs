using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace AutoMon.Silos.Membership;

/// <summary>Builds the DynamoDB client from validated <see cref="DynamoDBTableOptions"/> (membership or grain state).</summary>
internal static class DynamoDBClientFactory
{
    public static AmazonDynamoDBClient Create(DynamoDBTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = DynamoDBTableOptionsValidator.Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid DynamoDB options: " + string.Join("; ", problems), nameof(options));
        }

        var config = new AmazonDynamoDBConfig();
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            // An explicit endpoint still signs requests for a region; setting RegionEndpoint too would replace the URL.
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region)
                ? DynamoDBTableOptions.DefaultSigningRegion
                : options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        // Explicit credentials are honoured with or without a service URL (an endpoint override must not drop them).
        AWSCredentials? credentials = null;
        if (!string.IsNullOrEmpty(options.AccessKey) && !string.IsNullOrEmpty(options.SecretKey))
        {
            credentials = string.IsNullOrEmpty(options.SessionToken)
                ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
                : new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.SessionToken);
        }

        return credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
    }
}
