using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace AutoMon.Silos.Membership;

/// <summary>
/// Checks <see cref="DynamoDBClusteringOptions"/> when a silo or client starts, so a region typed as a URL, half a key
/// pair or a bad table name fails at start with a message naming the setting, not later inside the AWS SDK.
/// </summary>
public sealed class DynamoDBClusteringOptionsValidator(IOptions<DynamoDBClusteringOptions> options) : IConfigurationValidator
{
    private readonly DynamoDBClusteringOptions _options = options?.Value ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc />
    public void ValidateConfiguration()
    {
        var problems = Validate(_options);
        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException(
                "Invalid DynamoDB clustering configuration: " + string.Join("; ", problems));
        }
    }

    /// <summary>Every problem with <paramref name="options"/>, each naming the setting; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(DynamoDBClusteringOptions options) => DynamoDBTableOptionsValidator.Validate(options);
}

/// <summary>The checks of <see cref="DynamoDBTableOptions"/> every DynamoDB provider of ours runs when it starts.</summary>
public static partial class DynamoDBTableOptionsValidator
{
    /// <summary>Every problem with <paramref name="options"/>, each naming the setting; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(DynamoDBTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        if (string.IsNullOrWhiteSpace(options.TableName))
        {
            problems.Add($"{nameof(options.TableName)} is empty");
        }
        else if (!TableNamePattern().IsMatch(options.TableName))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{nameof(options.TableName)} '{options.TableName}' is not a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, '_', '-', '.')"));
        }

        var hasRegion = !string.IsNullOrWhiteSpace(options.Region);
        var hasServiceUrl = !string.IsNullOrWhiteSpace(options.ServiceUrl);
        if (!hasRegion && !hasServiceUrl)
        {
            problems.Add($"set {nameof(options.Region)} (e.g. us-west-2) or {nameof(options.ServiceUrl)} (e.g. http://127.0.0.1:5000)");
        }

        if (hasRegion)
        {
            if (options.Region!.Contains("://", StringComparison.Ordinal) || options.Region.Contains('/', StringComparison.Ordinal))
            {
                problems.Add($"{nameof(options.Region)} '{options.Region}' looks like a URL: put endpoints in {nameof(options.ServiceUrl)} and keep {nameof(options.Region)} a region name such as us-west-2");
            }
            else if (!RegionPattern().IsMatch(options.Region))
            {
                problems.Add($"{nameof(options.Region)} '{options.Region}' is not an AWS region name such as us-west-2");
            }
        }

        if (hasServiceUrl
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url)
                || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add($"{nameof(options.ServiceUrl)} '{options.ServiceUrl}' is not an absolute http:// or https:// URL");
        }

        var hasAccessKey = !string.IsNullOrEmpty(options.AccessKey);
        var hasSecretKey = !string.IsNullOrEmpty(options.SecretKey);
        if (hasAccessKey != hasSecretKey)
        {
            problems.Add($"set both {nameof(options.AccessKey)} and {nameof(options.SecretKey)}, or neither to use the default AWS credential chain");
        }

        if (!string.IsNullOrEmpty(options.SessionToken) && !(hasAccessKey && hasSecretKey))
        {
            problems.Add($"{nameof(options.SessionToken)} needs {nameof(options.AccessKey)} and {nameof(options.SecretKey)}");
        }

        if (!Enum.IsDefined(options.CapacityMode))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(options.CapacityMode)} {(int)options.CapacityMode} is not a capacity mode"));
        }
        else if (options.CapacityMode == DynamoDBCapacityMode.Provisioned)
        {
            if (options.ReadCapacityUnits < 1)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(options.ReadCapacityUnits)} must be at least 1 in Provisioned mode (got {options.ReadCapacityUnits})"));
            }

            if (options.WriteCapacityUnits < 1)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(options.WriteCapacityUnits)} must be at least 1 in Provisioned mode (got {options.WriteCapacityUnits})"));
            }
        }

        if (options.TableReadyTimeout <= TimeSpan.Zero)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(options.TableReadyTimeout)} must be positive (got {options.TableReadyTimeout})"));
        }

        return problems;
    }

    [GeneratedRegex("^[a-zA-Z0-9_.-]{3,255}$")]
    private static partial Regex TableNamePattern();

    // Region names: us-west-2, eu-central-1, ap-southeast-3, us-gov-west-1, cn-north-1, ...
    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
