namespace AutoMon.Protocol;

/// <summary>
/// The monitoring protocol a run uses: AutoMon, or one of the paper's competitors (Sec. 5.1). The competitors share
/// AutoMon's node and coordinator (violations, eager and lazy sync, slack, counters) and differ only in the local
/// constraint a node checks (<see cref="Competitors.CompetitorConstraint"/>).
/// </summary>
public enum MonitoringProtocol
{
    /// <summary>AutoMon: ADCD safe zones (reference <c>automon/automon</c>).</summary>
    AutoMon,

    /// <summary>Geometric Monitoring with the convex-set safe zones of CIDER (reference <c>automon/gm</c>): entropy, variance.</summary>
    Gm,

    /// <summary>Convex Bound (reference <c>automon/cb</c>): inner product, cosine similarity.</summary>
    Cb,

    /// <summary>Reference-point local violation: each node checks f(x) ∈ [L, U] on its own (reference <c>automon/rlv</c>).</summary>
    Rlv,
}

/// <summary>Names and function support of the protocols.</summary>
public static class MonitoringProtocols
{
    /// <summary>The command-line name of <paramref name="protocol"/>.</summary>
    public static string Name(this MonitoringProtocol protocol) => protocol switch
    {
        MonitoringProtocol.Gm => "gm",
        MonitoringProtocol.Cb => "cb",
        MonitoringProtocol.Rlv => "rlv",
        _ => "automon",
    };

    /// <summary>
    /// The functions <paramref name="protocol"/> has a safe zone for, or null when it takes any function (AutoMon, and RLV,
    /// which only evaluates f).
    /// </summary>
    public static IReadOnlyList<string>? SupportedFunctions(this MonitoringProtocol protocol) => protocol switch
    {
        MonitoringProtocol.Gm => ["entropy", "variance"],
        MonitoringProtocol.Cb => ["inner_product", "cosine_similarity"],
        _ => null,
    };

    /// <summary>
    /// The slack and sync type <paramref name="protocol"/> runs with: RLV bounds each node's own f, so a slack or a lazy
    /// sync would bound nothing and it always runs without slack, eagerly (reference <c>RlvCoordinator</c>); the others
    /// run with the ones given.
    /// </summary>
    public static (SlackType Slack, SyncType Sync) SlackAndSync(this MonitoringProtocol protocol, SlackType slack, SyncType sync) =>
        protocol == MonitoringProtocol.Rlv ? (SlackType.NoSlack, SyncType.Eager) : (slack, sync);

    /// <summary>Null when <paramref name="protocol"/> can monitor <paramref name="function"/>, else the one-line reason.</summary>
    public static string? Refusal(this MonitoringProtocol protocol, string function) =>
        protocol.SupportedFunctions() is { } supported && !supported.Contains(function)
            ? $"--protocol {protocol.Name()} supports {string.Join(", ", supported)}; got {function}"
            : null;
}
