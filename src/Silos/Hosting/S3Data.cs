using Amazon.S3;
using Amazon.S3.Model;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// Downloads an experiment's data files (<c>--data-s3-uri</c>): the launcher uploads a workload's files of the reference's
/// <c>datasets/</c> folder there, so the cloud coordinator reads the real data without an image that carries it.
/// </summary>
public static class S3DataDownloader
{
    /// <summary>
    /// Copies every object under <paramref name="source"/> into <paramref name="folder"/>, keeping the key's path below the
    /// prefix (e.g. <c>inner_product/data_file.txt</c>); the files written.
    /// </summary>
    /// <exception cref="IOException">Nothing is there, a key is not a safe relative path, or S3 fails; the message names the bucket and key.</exception>
    public static async Task<IReadOnlyList<string>> DownloadAsync(S3Folder source, string folder, CancellationToken cancellationToken) =>
        await DownloadAsync(source, folder, "data files", "the launcher uploads them with --target aws --data-dir", cancellationToken,
            skip: relative => relative.StartsWith(CertificatesFolder + "/", StringComparison.Ordinal)).ConfigureAwait(false);

    /// <summary>
    /// The folder below a run's <c>datasets/</c> prefix where the launcher puts each experiment's cluster certificate
    /// (<c>tls/&lt;experiment&gt;/cluster.pfx</c>): readable by the silos' role as the data is, never downloaded as data.
    /// </summary>
    public const string CertificatesFolder = "tls";

    /// <summary>
    /// As <see cref="DownloadAsync(S3Folder, string, CancellationToken)"/>, leaving out the keys whose path below the prefix
    /// <paramref name="skip"/> picks; <paramref name="what"/> names the files expected and <paramref name="hint"/> who uploads them, when there are none.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DownloadAsync(S3Folder source, string folder, string what, string hint, CancellationToken cancellationToken,
        Func<string, bool>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(folder);
        using var client = S3ResultsUploader.CreateClient(source);
        var root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);
        var files = new List<string>();
        string? token = null;
        do
        {
            var page = await CallAsync(source, source.Prefix, () => client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = source.Bucket, Prefix = source.Prefix, ContinuationToken = token }, cancellationToken))
                .ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                var relative = item.Key[source.Prefix.Length..];
                if (relative.Length == 0 || relative.EndsWith('/') || skip?.Invoke(relative) == true)
                {
                    continue;   // folder markers, and what the caller leaves out
                }

                var path = Path.GetFullPath(Path.Combine(root, relative));
                if (relative.Split('/').Any(part => part is "" or "." or "..") || !path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new IOException($"s3://{source.Bucket}/{item.Key} is not a safe relative path below {source.Uri}; refusing to download it.");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var response = await CallAsync(source, item.Key, () => client.GetObjectAsync(source.Bucket, item.Key, cancellationToken)).ConfigureAwait(false);
                await using (var file = File.Create(path))
                {
                    await response.ResponseStream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }

                files.Add(path);
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        return files.Count > 0
            ? files
            : throw new IOException($"no {what} in {source.Uri} ({hint}).");
    }

    private static Task<T> CallAsync<T>(S3Folder source, string key, Func<Task<T>> call) =>
        S3Calls.RunAsync("downloading", source.Bucket, key, call);
}
