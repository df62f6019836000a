namespace AutoMon.Grains.Hosting;

/// <summary>Which failures of a grain call mean a silo is gone (or going) rather than a bug.</summary>
public static class GrainCallFaults
{
    /// <summary>
    /// True for the runtime's own failures: the callee's silo is unreachable or died (<see cref="SiloUnavailableException"/>
    /// and the other message rejections), the call timed out, or the grain is being moved. Such a call may be repeated once
    /// membership has replaced the silo; anything else is raised as it is.
    /// </summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is TimeoutException or OrleansException or OperationCanceledException
        || (exception is AggregateException aggregate && aggregate.InnerExceptions.All(IsUnreachable));
}
