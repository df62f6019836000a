using System.Text;
using System.Security.Cryptography.X509Certificates;
using Amazon.S3.Model;
using AutoMon.Grains.Hosting;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// The run's side of the results bucket (<see cref="AwsExperimentPlan.ResultsBucket"/>, <c>--results-bucket</c>): made if
/// missing; the <c>--data-dir</c> files and <c>--weights</c> uploaded under <c>&lt;run id&gt;/datasets/</c>; each experiment's
/// completion marker (<c>summary.json</c>) or error marker (<c>error.txt</c>) looked for; the <c>--block</c> wait; and the
/// download of each experiment's results folder.
/// </summary>
internal sealed class AwsResultsStore(AwsSession session, TextWriter log, TimeProvider time)
{
    public async Task EnsureBucketAsync(AwsExperimentPlan plan, CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        try
        {
            var request = new PutBucketRequest { BucketName = plan.ResultsBucket };
            if (region != "us-east-1")
            {
                request.BucketRegionName = region;
            }
            await AwsSdkCall.RunAsync(session, "s3", "CreateBucket", region,
                () => session.S3(region).PutBucketAsync(request, cancellationToken)).ConfigureAwait(false);
            log.WriteLine($"Created results bucket s3://{plan.ResultsBucket} in {region}");
        }
        catch (AwsServiceException e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
        {
            // Kept from earlier runs: results accumulate there, as in the seed.
        }
        catch (AwsServiceException e) when (e.ErrorCode == "BucketAlreadyExists")
        {
            throw new InvalidOperationException(
                $"The S3 bucket name '{plan.ResultsBucket}' belongs to another AWS account; choose another with --results-bucket.", e);
        }
    }

    /// <summary>The run's <c>--data-dir</c> files, once for all its experiments, where their coordinators download them.</summary>
    public async Task UploadDataFilesAsync(AwsExperimentPlan plan, CancellationToken cancellationToken)
    {
        var uploads = plan.WeightsFile is { } weights ? [.. plan.DataFiles, weights] : plan.DataFiles;
        if (uploads.Count == 0)
        {
            return;
        }

        var region = plan.EffectiveResultsRegion;
        var s3 = session.S3(region);
        foreach (var file in uploads)
        {
            var key = plan.DataPrefix + file.RelativeKey;
            await AwsSdkCall.RunAsync(session, "s3", "PutObject", region, () => s3.PutObjectAsync(
                new PutObjectRequest { BucketName = plan.ResultsBucket, Key = key, FilePath = file.LocalPath }, cancellationToken)).ConfigureAwait(false);
        }
        log.WriteLine($"Uploaded {uploads.Count} data file(s) to s3://{plan.ResultsBucket}/{plan.DataPrefix}");
    }

    /// <summary>
    /// A new cluster certificate for <paramref name="experiment"/> (<see cref="ClusterCertificate"/>), uploaded as
    /// <c>cluster.pfx</c> under <see cref="AwsExperimentPlan.TlsCertificatePrefix"/> (replacing an earlier attempt's):
    /// generated in memory, never written on this machine.
    /// </summary>
    public async Task UploadClusterCertificateAsync(AwsExperimentPlan plan, AwsExperiment experiment, CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        var key = plan.TlsCertificatePrefix(experiment) + "cluster.pfx";
        using var certificate = ClusterCertificate.Create();
        using var pfx = new MemoryStream(certificate.Export(X509ContentType.Pkcs12));
        await AwsSdkCall.RunAsync(session, "s3", "PutObject", region, () => session.S3(region).PutObjectAsync(
            new PutObjectRequest { BucketName = plan.ResultsBucket, Key = key, InputStream = pfx, AutoCloseStream = false }, cancellationToken)).ConfigureAwait(false);
        log.WriteLine($"  cluster certificate {ClusterCertificate.Hash(certificate)[..16]}… (mutual TLS) in s3://{plan.ResultsBucket}/{key}");
    }

    /// <summary>An earlier attempt's failure report would end this attempt's <c>--block</c> wait at once: it goes.</summary>
    public Task ClearErrorMarkerAsync(AwsExperimentPlan plan, AwsExperiment experiment, CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        return AwsSdkCall.RunAsync(session, "s3", "DeleteObject", region,
            () => session.S3(region).DeleteObjectAsync(plan.ResultsBucket, experiment.ErrorMarkerKey, cancellationToken));
    }

    /// <summary>The plan's experiments whose completion marker (<see cref="AwsExperiment.CompletionMarkerKey"/>) is in S3.</summary>
    public async Task<IReadOnlyList<AwsExperiment>> FindExperimentsWithResultsAsync(AwsExperimentPlan plan,
        CancellationToken cancellationToken)
    {
        var done = new List<AwsExperiment>();
        foreach (var experiment in plan.Experiments)
        {
            try
            {
                if (await HasObjectAsync(plan, experiment.CompletionMarkerKey, cancellationToken).ConfigureAwait(false))
                {
                    done.Add(experiment);
                }
            }
            catch (AwsServiceException e) when (e.ErrorCode == "NoSuchBucket")
            {
                return [];
            }
        }
        return done;
    }

    /// <summary>
    /// The plan's experiments whose coordinator uploaded its error marker (<see cref="AwsExperiment.ErrorMarkerKey"/>) and
    /// no completion marker: they failed. Each with the marker's text (what went wrong), trimmed.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> FindFailedExperimentsAsync(AwsExperimentPlan plan,
        CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        var s3 = session.S3(region);
        var done = (await FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false))
            .Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var experiment in plan.Experiments.Where(e => !done.Contains(e.Name)))
        {
            bool reported;
            try
            {
                reported = await HasObjectAsync(plan, experiment.ErrorMarkerKey, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.ErrorCode == "NoSuchBucket")
            {
                reported = false;
            }
            if (!reported)
            {
                continue;
            }
            string text;
            using (var response = await AwsSdkCall.RunAsync(session, "s3", "GetObject", region,
                       () => s3.GetObjectAsync(plan.ResultsBucket, experiment.ErrorMarkerKey, cancellationToken)).ConfigureAwait(false))
            using (var reader = new StreamReader(response.ResponseStream, Encoding.UTF8))
            {
                text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
            text = text.Trim();
            // A stack trace can be long: the first part says what failed; the whole file is downloaded with the results.
            failed[experiment.Name] = text.Length == 0 ? "(error.txt is empty)" : text.Length > 2000 ? text[..2000] + " ..." : text;
        }
        return failed;
    }

    /// <summary>
    /// The <c>--block</c> wait: looks in S3 every <see cref="AwsWaitOptions.PollInterval"/> until every experiment of the
    /// plan has its completion marker or its error marker (it failed: no longer waited for), then downloads each
    /// experiment's results folder. An experiment without results whose coordinator is gone
    /// (<paramref name="isCoordinatorRunning"/>) ends the wait with an error naming its log group.
    /// </summary>
    public async Task<AwsDownloadedResults> WaitForResultsAsync(AwsExperimentPlan plan, string downloadDirectory,
        AwsWaitOptions options, Func<AwsExperiment, CancellationToken, Task<bool>> isCoordinatorRunning,
        CancellationToken cancellationToken)
    {
        var experiments = plan.Experiments;
        var start = time.GetUtcNow();
        IReadOnlyDictionary<string, string> failed;
        var announced = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var done = (await FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false))
                .Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            failed = await FindFailedExperimentsAsync(plan, cancellationToken).ConfigureAwait(false);
            foreach (var (name, error) in failed.Where(f => announced.Add(f.Key)))
            {
                log.WriteLine($"{name} failed (not waited for any longer): {error}");
            }
            var pending = experiments.Where(e => !done.Contains(e.Name) && !failed.ContainsKey(e.Name)).ToList();
            options.Progress?.Report(new AwsResultsProgress(experiments.Count - pending.Count, experiments.Count,
                pending.Select(e => e.Name).ToList(), failed.Count));
            if (pending.Count == 0)
            {
                break;
            }
            if (options.Timeout is { } timeout && time.GetUtcNow() - start >= timeout)
            {
                throw new TimeoutException(
                    $"After {timeout} the results of {pending.Count} experiment(s) are still not in " +
                    $"s3://{plan.ResultsBucket}: {string.Join(", ", pending.Select(e => e.Name))}.");
            }
            if (options.FailWhenCoordinatorGone)
            {
                await ThrowIfCoordinatorsGoneAsync(plan, pending, isCoordinatorRunning, cancellationToken).ConfigureAwait(false);
            }
            log.WriteLine($"{experiments.Count - pending.Count}/{experiments.Count} experiments done; " +
                          $"looking again in {options.PollInterval}.");
            await Task.Delay(options.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
        var downloaded = await DownloadResultsAsync(plan, downloadDirectory, cancellationToken).ConfigureAwait(false);
        return downloaded with { Failed = failed };
    }

    /// <summary>
    /// An experiment whose coordinator is no longer running and whose results are still not in S3 will never finish: say
    /// so rather than wait for ever (the seed did).
    /// </summary>
    private async Task ThrowIfCoordinatorsGoneAsync(AwsExperimentPlan plan, IReadOnlyList<AwsExperiment> pending,
        Func<AwsExperiment, CancellationToken, Task<bool>> isCoordinatorRunning, CancellationToken cancellationToken)
    {
        var gone = new List<AwsExperiment>();
        foreach (var experiment in pending)
        {
            if (!await isCoordinatorRunning(experiment, cancellationToken).ConfigureAwait(false))
            {
                gone.Add(experiment);
            }
        }
        if (gone.Count == 0)
        {
            return;
        }
        // The coordinator uploads its results (or its error) just before it exits: look once more before calling it lost.
        var done = (await FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false))
            .Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var reported = await FindFailedExperimentsAsync(plan, cancellationToken).ConfigureAwait(false);
        var lost = gone.Where(e => !done.Contains(e.Name) && !reported.ContainsKey(e.Name)).ToList();
        if (lost.Count > 0)
        {
            throw new InvalidOperationException(
                $"The coordinator of {string.Join(", ", lost.Select(e => e.Name))} is no longer running and its results " +
                $"are not in s3://{plan.ResultsBucket}; see the CloudWatch log group(s) " +
                $"{string.Join(", ", lost.Select(e => e.LogGroup))} in {plan.EffectiveLogsRegion}, then run cleanup.");
        }
    }

    /// <summary>Downloads every object under each experiment's results prefix to <c>downloadDirectory/&lt;ResultsFolder&gt;/</c>.</summary>
    public async Task<AwsDownloadedResults> DownloadResultsAsync(AwsExperimentPlan plan, string downloadDirectory,
        CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        var s3 = session.S3(region);
        var root = Path.GetFullPath(downloadDirectory);
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (var experiment in plan.Experiments)
        {
            var folder = Path.Combine(root, experiment.ResultsFolder);
            Directory.CreateDirectory(folder);
            folders[experiment.Name] = folder;
            string? token = null;
            do
            {
                var page = await AwsSdkCall.RunAsync(session, "s3", "ListObjectsV2", region, () =>
                    s3.ListObjectsV2Async(new ListObjectsV2Request
                    {
                        BucketName = plan.ResultsBucket,
                        Prefix = experiment.ResultsPrefix,
                        ContinuationToken = token,
                    }, cancellationToken)).ConfigureAwait(false);
                foreach (var item in page.S3Objects ?? [])
                {
                    if (LocalPathFor(folder, item.Key[experiment.ResultsPrefix.Length..], item.Key) is not { } local)
                    {
                        continue;
                    }
                    Directory.CreateDirectory(Path.GetDirectoryName(local)!);
                    using var response = await AwsSdkCall.RunAsync(session, "s3", "GetObject", region,
                        () => s3.GetObjectAsync(plan.ResultsBucket, item.Key, cancellationToken)).ConfigureAwait(false);
                    var output = File.Create(local);
                    await using (output.ConfigureAwait(false))
                    {
                        await response.ResponseStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                    }
                    files.Add(local);
                }
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
        }
        log.WriteLine($"Downloaded {files.Count} result file(s) to {root}");
        return new AwsDownloadedResults(folders, files);
    }

    /// <summary>The local file for an S3 key below the experiment's prefix; null for folder markers; keys that would
    /// escape the folder ("..", absolute) are refused.</summary>
    internal static string? LocalPathFor(string folder, string relativeKey, string fullKey)
    {
        if (relativeKey.Length == 0 || relativeKey.EndsWith('/'))
        {
            return null;
        }
        var segments = relativeKey.Split('/');
        if (segments.Any(s => s is "" or "." or ".." || s.Contains('\\', StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"S3 key '{fullKey}' is not a safe relative path; refusing to download it.");
        }
        var path = Path.GetFullPath(Path.Combine([folder, .. segments]));
        if (!path.StartsWith(Path.GetFullPath(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"S3 key '{fullKey}' would be written outside {folder}; refusing.");
        }
        return path;
    }

    private async Task<bool> HasObjectAsync(AwsExperimentPlan plan, string key, CancellationToken cancellationToken)
    {
        var region = plan.EffectiveResultsRegion;
        var response = await AwsSdkCall.RunAsync(session, "s3", "ListObjectsV2", region, () =>
            session.S3(region).ListObjectsV2Async(new ListObjectsV2Request { BucketName = plan.ResultsBucket, Prefix = key, MaxKeys = 1 },
                cancellationToken)).ConfigureAwait(false);
        return (response.S3Objects ?? []).Any(o => o.Key == key);
    }
}
