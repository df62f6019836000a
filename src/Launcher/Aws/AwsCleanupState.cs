using Ec2Filter = Amazon.EC2.Model.Filter;

namespace AutoMon.Launcher.Aws;

/// <summary>
/// Bookkeeping of one <see cref="AwsCleanup"/>: which tags match, what was removed (in a dry run: what would be), what
/// failed, and the shared deadline. In a dry run no removal is called and nothing is waited for.
/// </summary>
internal sealed class CleanupState(AwsCleanupRequest request)
{
    public bool DryRun => request.DryRun;

    public List<AwsRemovedResource> Removed { get; } = [];
    public List<string> Failures { get; } = [];

    public Ec2Filter Ec2TagFilter => request.RunId is { } runId
        ? new Ec2Filter("tag:" + AwsNaming.RunTag, [runId])
        : new Ec2Filter("tag-key", [AwsNaming.RunTag]);

    public bool Matches(IEnumerable<(string Key, string Value)>? tags) =>
        tags is not null && tags.Any(t => t.Key == AwsNaming.RunTag && (request.RunId is null || t.Value == request.RunId));

    /// <summary>Runs one removal; an AWS error is recorded as a failure and the clean-up goes on.</summary>
    public async Task<bool> TryAsync(string kind, string region, string id, Func<Task> remove)
    {
        if (DryRun)
        {
            Removed.Add(new AwsRemovedResource(kind, region, id));
            return true;
        }
        try
        {
            await remove().ConfigureAwait(false);
            Removed.Add(new AwsRemovedResource(kind, region, id));
            return true;
        }
        catch (AwsServiceException e)
        {
            Failures.Add($"{kind} {id} in {region}: {e.Message}");
            return false;
        }
    }

    /// <summary>Retries a removal while AWS answers with one of the "not yet" codes, until the wait time-out.</summary>
    public async Task RetryWhileAsync(string kind, string region, string id, IReadOnlySet<string> busyCodes,
        Func<Task> remove, TimeProvider time, CancellationToken cancellationToken)
    {
        if (DryRun)
        {
            Removed.Add(new AwsRemovedResource(kind, region, id));
            return;
        }
        var deadline = Deadline(time);
        while (true)
        {
            try
            {
                await remove().ConfigureAwait(false);
                Removed.Add(new AwsRemovedResource(kind, region, id));
                return;
            }
            catch (AwsServiceException e) when (e.ErrorCode is { } code && busyCodes.Contains(code) &&
                                                time.GetUtcNow() < deadline)
            {
                await Task.Delay(request.PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsServiceException e)
            {
                Failures.Add($"{kind} {id} in {region}: {e.Message}");
                return;
            }
        }
    }

    /// <summary>Polls until <paramref name="check"/> returns null (done); on time-out records what it last returned.</summary>
    public async Task WaitUntilAsync(string what, TimeProvider time, Func<Task<string?>> check,
        CancellationToken cancellationToken)
    {
        if (DryRun)
        {
            return;
        }
        var deadline = Deadline(time);
        while (true)
        {
            var pending = await check().ConfigureAwait(false);
            if (pending is null)
            {
                return;
            }
            if (time.GetUtcNow() >= deadline)
            {
                Failures.Add($"timed out waiting for {what}: {pending}");
                return;
            }
            await Task.Delay(request.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    // Each wait gets the full time-out: a security group can only go once the tasks' network interfaces have.
    private DateTimeOffset Deadline(TimeProvider time) => time.GetUtcNow() + request.WaitTimeout;
}
