using System.Reflection;
using AutoMon.Grains.Experiments;
using Orleans.Runtime;

namespace AutoMon.Grains.Hosting;

/// <summary>The grain calls that carry protocol messages between the coordinator and the nodes (the paper's WAN traffic).</summary>
internal static class ProtocolCalls
{
    public static readonly MethodInfo Deliver = typeof(INodeGrain).GetMethod(nameof(INodeGrain.Deliver))!;
    public static readonly MethodInfo ReportViolation = typeof(ICoordinatorGrain).GetMethod(nameof(ICoordinatorGrain.ReportViolation))!;

    /// <summary>The experiment of the grain that made or receives a protocol call (from its key), or null.</summary>
    public static string? ExperimentOf(GrainId? grain) =>
        grain is { } id && !id.Key.IsDefault ? ExperimentKeys.ExperimentOf(id.Key.ToString()) : null;
}

/// <summary>
/// Emulates the WAN between the coordinator's region and the nodes' region (the kernel here has no netem): every message
/// between a coordinator grain and a node grain waits the experiment's <see cref="ExperimentConfig.WanLatency"/> — a request
/// before it is sent, its response again before the caller sees it; a one-way violation report once.
/// </summary>
internal sealed class WanLatencyFilter(ExperimentRegistry registry) : IOutgoingGrainCallFilter
{
    // Not async on the common path (no latency): a node step passes through without a state machine of its own (two
    // filters on 10,000 calls a step).
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        var method = context.InterfaceMethod;
        var crossesWan = method == ProtocolCalls.Deliver || method == ProtocolCalls.ReportViolation;
        var latency = crossesWan && ProtocolCalls.ExperimentOf(context.SourceId) is { } experiment
            ? registry.Find(experiment)?.WanLatency ?? TimeSpan.Zero
            : TimeSpan.Zero;
        return latency <= TimeSpan.Zero ? context.Invoke() : InvokeAcrossWan(context, method, latency);
    }

    private static async Task InvokeAcrossWan(IOutgoingGrainCallContext context, MethodInfo method, TimeSpan latency)
    {
        await Task.Delay(latency).ConfigureAwait(true);
        await context.Invoke().ConfigureAwait(true);
        if (method == ProtocolCalls.Deliver)
        {
            await Task.Delay(latency).ConfigureAwait(true);
        }
    }
}

/// <summary>
/// Counts what Orleans sends for protocol messages, on the coordinator's silo: each Deliver call to a node (request and
/// response) as it leaves, each violation report as it arrives. Bodies are sized with Orleans' serializer, headers by
/// <see cref="WireSizer"/>.
/// </summary>
internal sealed class WireBytesFilter(ExperimentRegistry registry, WireSizer sizer) : IOutgoingGrainCallFilter, IIncomingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context) =>
        context.InterfaceMethod == ProtocolCalls.Deliver && ProtocolCalls.ExperimentOf(context.SourceId) is { } experiment
            ? InvokeCounted(context, experiment)
            : context.Invoke();

    private async Task InvokeCounted(IOutgoingGrainCallContext context, string experiment)
    {
        var counter = registry.Wire(experiment);
        counter.Add(sizer.RequestHeaderBytes(context.SourceId, context.TargetId, context.InterfaceType), sizer.BodyBytes(context.Request));
        await context.Invoke().ConfigureAwait(true);
        counter.Add(sizer.ResponseHeaderBytes(context.TargetId, context.SourceId ?? context.TargetId), sizer.BodyBytes(context.Result));
    }

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod == ProtocolCalls.ReportViolation && ProtocolCalls.ExperimentOf(context.TargetId) is { } experiment)
        {
            registry.Wire(experiment).Add(
                sizer.RequestHeaderBytes(context.SourceId, context.TargetId, context.InterfaceType), sizer.BodyBytes(context.Request));
        }

        return context.Invoke();
    }
}
