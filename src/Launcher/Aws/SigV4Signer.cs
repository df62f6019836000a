using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// AWS Signature Version 4 for the requests our own clients send (ECS, CloudWatch Logs, STS): the SDK packages for those
/// services are not available, so we sign with HMAC-SHA256 ourselves, following the published algorithm
/// (canonical request, string to sign, derived key). Tests check it against AWSSDK.Core's signer and AWS's test vectors.
/// </summary>
internal static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>Adds X-Amz-Date, the session token when there is one, and the Authorization header.</summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> payload, ImmutableCredentials credentials,
        string region, string service, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));

        var amzDate = utcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        request.Headers.Remove("X-Amz-Date");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (credentials.UseToken)
        {
            request.Headers.Remove("X-Amz-Security-Token");
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
        }

        var headers = CollectHeaders(request, uri);
        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalRequest = CanonicalRequest(request.Method.Method, uri, headers, HexSha256(payload));
        var scope = $"{date}/{region}/{service}/aws4_request";
        var signature = Signature(credentials.SecretKey, date, region, service, StringToSign(amzDate, scope, canonicalRequest));

        request.Headers.Authorization = new AuthenticationHeaderValue(Algorithm,
            $"Credential={credentials.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    /// <summary>Lower-cased header names (sorted) with trimmed, space-collapsed values; Host always included.</summary>
    internal static SortedDictionary<string, string> CollectHeaders(HttpRequestMessage request, Uri uri)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}",
        };
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            headers[name.ToLowerInvariant()] = string.Join(',', values.Select(CollapseSpaces));
        }
        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers)
            {
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                headers[name.ToLowerInvariant()] = string.Join(',', values.Select(CollapseSpaces));
            }
        }
        return headers;
    }

    internal static string CanonicalRequest(string method, Uri uri, SortedDictionary<string, string> headers, string payloadHash)
    {
        var builder = new StringBuilder();
        builder.Append(method).Append('\n');
        builder.Append(CanonicalPath(uri.AbsolutePath)).Append('\n');
        builder.Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }
        builder.Append('\n');
        builder.Append(string.Join(';', headers.Keys)).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    internal static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}";

    internal static string Signature(string secretKey, string date, string region, string service, string stringToSign)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    internal static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    // Non-S3 services sign the path with each segment URI-encoded (the path is already encoded once in the URI).
    private static string CanonicalPath(string absolutePath)
    {
        if (string.IsNullOrEmpty(absolutePath))
        {
            return "/";
        }
        var segments = absolutePath.Split('/');
        return string.Join('/', segments.Select(s => UriEncode(s)));
    }

    private static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return string.Empty;
        }
        var pairs = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? p : p[..eq]);
                var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(p[(eq + 1)..]);
                return (Name: UriEncode(name), Value: UriEncode(value));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX (upper case).</summary>
    internal static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }
        var builder = new StringBuilder(trimmed.Length);
        var previousSpace = false;
        foreach (var c in trimmed)
        {
            if (c == ' ')
            {
                if (!previousSpace)
                {
                    builder.Append(c);
                }
                previousSpace = true;
            }
            else
            {
                builder.Append(c);
                previousSpace = false;
            }
        }
        return builder.ToString();
    }
}
