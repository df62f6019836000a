namespace AutoMon.Launcher.Aws;

/// <summary>STS GetCallerIdentity: the account id (for the default image and role ARNs) and a cheap check of endpoint and credentials.</summary>
public sealed class StsClient
{
    internal StsClient(AwsQueryClient query) => Query = query;

    public AwsQueryClient Query { get; }

    public async Task<string> GetAccountIdAsync(CancellationToken cancellationToken = default)
    {
        var root = await Query.CallAsync("GetCallerIdentity", [], cancellationToken).ConfigureAwait(false);
        return AwsQueryClient.Find(root, "Account") is { Length: > 0 } account
            ? account
            : throw new AwsServiceException("sts", "GetCallerIdentity", Query.Region, null, "MalformedResponse",
                "the answer has no Account");
    }
}
