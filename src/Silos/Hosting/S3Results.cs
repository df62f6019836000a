using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using AutoMon.Grains.Results;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// A folder in S3 (<c>s3://bucket/prefix/</c>) with how to reach it: where a coordinator silo uploads an experiment's
/// results (<c>--results-s3-uri</c>; the paper's experiments wrote them to the bucket <c>automon-experiment-results</c>,
/// where the launcher's <c>--block</c> waits), or reads its data files from (<c>--data-s3-uri</c>).
/// </summary>
public sealed record S3Folder
{
    public required string Bucket { get; init; }

    /// <summary>Key prefix, empty or ending in '/'.</summary>
    public required string Prefix { get; init; }

    /// <summary>The bucket's region (null: the SDK's default region, or the service URL's).</summary>
    public string? Region { get; init; }

    /// <summary>Another S3 endpoint (e.g. a local emulator); null for AWS.</summary>
    public string? ServiceUrl { get; init; }

    public string Uri => $"s3://{Bucket}/{Prefix}";

    /// <summary>Parses <c>s3://bucket/prefix/</c> (the prefix gets a trailing '/'); false with the reason otherwise.</summary>
    public static bool TryParse(string text, out S3Folder destination, out string? problem, string option = "--results-s3-uri")
    {
        destination = new S3Folder { Bucket = "", Prefix = "" };
        problem = null;
        const string scheme = "s3://";
        if (text is null || !text.StartsWith(scheme, StringComparison.Ordinal))
        {
            problem = $"{option} '{text}' does not start with s3:// (e.g. s3://automon-experiment-results/run/)";
            return false;
        }

        var rest = text[scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        // S3 bucket names: 3-63 characters of lower-case letters, digits, '.' and '-', starting and ending with a letter or digit.
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
            || !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
        {
            problem = $"{option} '{text}': '{bucket}' is not an S3 bucket name";
            return false;
        }

        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            prefix += "/";
        }

        destination = new S3Folder { Bucket = bucket, Prefix = prefix };
        return true;
    }
}

/// <summary>Uploads result files to an <see cref="S3Folder"/> with the SDK's default credentials (task role, instance profile, environment).</summary>
public sealed class S3ResultsUploader : IDisposable
{
    /// <summary>The file the launcher waits for: uploaded last, so its presence means every other file is there.</summary>
    public const string CompletionFile = ResultFiles.Summary;

    /// <summary>What a failed experiment uploads instead, so a waiting launcher learns why at once.</summary>
    public const string ErrorFile = "error.txt";

    private readonly S3Folder _destination;
    private readonly AmazonS3Client _client;

    public S3ResultsUploader(S3Folder destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _destination = destination;
        _client = CreateClient(destination);
    }

    /// <summary>An S3 client for <paramref name="location"/>'s region or endpoint, with the SDK's default credentials.</summary>
    internal static AmazonS3Client CreateClient(S3Folder location)
    {
        var config = new AmazonS3Config { MaxErrorRetry = 6 };
        if (location.ServiceUrl is { } url)
        {
            config.ServiceURL = url;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = location.Region ?? "us-east-1";
        }
        else if (location.Region is { } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonS3Client(config);
    }

    /// <summary>
    /// Uploads the result files of <paramref name="folder"/> (every file, <see cref="S3ResultsUploader.CompletionFile"/>
    /// last); the keys written.
    /// </summary>
    /// <exception cref="IOException">The upload failed; the message names the bucket, key and cause.</exception>
    public async Task<IReadOnlyList<string>> UploadFolderAsync(string folder, CancellationToken cancellationToken)
    {
        // Subfolders too (a paced run's nodes/), the completion file last.
        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .OrderBy(f => f == S3ResultsUploader.CompletionFile ? 1 : 0)
            .ThenBy(f => f, StringComparer.Ordinal)
            .ToList();
        var keys = new List<string>();
        foreach (var relative in files)
        {
            var file = Path.Combine(folder, relative);
            var key = _destination.Prefix + relative;
            await PutAsync(new PutObjectRequest { BucketName = _destination.Bucket, Key = key, FilePath = file }, key, cancellationToken).ConfigureAwait(false);
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>Uploads <paramref name="message"/> as <see cref="S3ResultsUploader.ErrorFile"/>.</summary>
    public async Task UploadErrorAsync(string message, CancellationToken cancellationToken)
    {
        var key = _destination.Prefix + S3ResultsUploader.ErrorFile;
        await PutAsync(new PutObjectRequest { BucketName = _destination.Bucket, Key = key, ContentBody = message.TrimEnd() + "\n" }, key, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// What the folder holds already: <see cref="CompletionFile"/> (the results are complete), <see cref="ErrorFile"/> (the
    /// run failed and said why) or null (neither: no run has finished there).
    /// </summary>
    /// <exception cref="IOException">The listing failed; the message names the bucket, prefix and cause.</exception>
    public async Task<string?> FindOutcomeAsync(CancellationToken cancellationToken)
    {
        var listed = await S3Calls.RunAsync("listing", _destination.Bucket, _destination.Prefix, () => _client.ListObjectsV2Async(
            new ListObjectsV2Request { BucketName = _destination.Bucket, Prefix = _destination.Prefix, Delimiter = "/" }, cancellationToken))
            .ConfigureAwait(false);
        var keys = (listed.S3Objects ?? []).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        return keys.Contains(_destination.Prefix + CompletionFile) ? CompletionFile
            : keys.Contains(_destination.Prefix + ErrorFile) ? ErrorFile
            : null;
    }

    private Task PutAsync(PutObjectRequest request, string key, CancellationToken cancellationToken) =>
        S3Calls.RunAsync("uploading", _destination.Bucket, key, () => _client.PutObjectAsync(request, cancellationToken));

    public void Dispose() => _client.Dispose();
}

/// <summary>Turns the SDK's failures of one S3 call into an <see cref="IOException"/> naming the object and the cause.</summary>
internal static class S3Calls
{
    /// <summary>Runs <paramref name="call"/> on s3://<paramref name="bucket"/>/<paramref name="key"/>; <paramref name="doing"/> says what ("uploading").</summary>
    public static async Task<T> RunAsync<T>(string doing, string bucket, string key, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            var status = e.StatusCode == 0 ? "" : $" ({(int)e.StatusCode} {e.StatusCode})";
            var hint = e.StatusCode == HttpStatusCode.NotFound ? " — does the bucket exist?" : "";
            throw new IOException($"{doing} s3://{bucket}/{key} failed{status}: {e.Message}{hint}", e);
        }
        catch (AmazonClientException e)
        {
            throw new IOException($"{doing} s3://{bucket}/{key} failed: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"{doing} s3://{bucket}/{key} failed: S3 endpoint unreachable ({e.Message})", e);
        }
    }
}
