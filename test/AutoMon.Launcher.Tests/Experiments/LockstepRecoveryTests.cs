using System.Reflection;
using AutoMon.Grains.Experiments;
using AutoMon.Launcher.Cluster;
using AutoMon.Launcher.Commands;
using AutoMon.Launcher.Experiments;

namespace AutoMon.Launcher.Tests.Experiments;

/// <summary>
/// After a silo loss the cluster declares the silo dead, but a client's or another silo's view of the membership may not
/// have caught up yet: a replay's message can still be routed to the dead silo and be rejected. The replay then runs again
/// (a few times at most) instead of failing the run.
/// </summary>
public sealed class LockstepRecoveryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("automon-recovery-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_replay_rejected_on_its_way_to_a_silo_runs_again_to_the_fault_free_result()
    {
        await using var plain = new GrainsRunner(new EmbeddedSilo());
        var spec = Spec(plain);
        var expected = (await plain.RunAsync(spec, null, CancellationToken.None)).Monitoring!;

        await using var host = new LostSiloHost(rejections: 1);
        await using var runner = new GrainsRunner(host);
        var actual = (await runner.RunAsync(spec, null, CancellationToken.None)).Monitoring!;

        Assert.Equal(1, host.Rejected);
        Assert.Equal(expected.MaxError, actual.MaxError);
        Assert.Equal(expected.Rounds, actual.Rounds);
        Assert.Equal(expected.DataUpdates, actual.DataUpdates);
        Assert.Equal(expected.Statistics.BytesSent + expected.Statistics.BytesReceived, actual.Statistics.BytesSent + actual.Statistics.BytesReceived);
    }

    [Fact]
    public async Task Replays_that_are_always_rejected_end_in_the_rejection()
    {
        await using var host = new LostSiloHost(rejections: int.MaxValue);
        await using var runner = new GrainsRunner(host);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => runner.RunAsync(Spec(runner), null, CancellationToken.None));

        Assert.IsType<OrleansMessageRejectionException>(error.InnerException ?? error, exactMatch: false);
        Assert.Equal(LockstepRecovery.MaxUnreachedReplays + 1, host.Rejected);
    }

    private ExperimentSpec Spec(GrainsRunner runner) => ExperimentCommand.Prepare(
        ExperimentCommand.Parse("--node-type", "inner_product", "--iterations", "30", "--error-bound", "0.3"), runner, Path.Combine(_directory, Guid.NewGuid().ToString("N"))).SpecFor(0.3);

    /// <summary>An embedded silo that lost a silo before the run; its coordinators' first starts are rejected.</summary>
    private sealed class LostSiloHost(int rejections) : IGrainHost, ISiloFaults
    {
        private readonly EmbeddedSilo _silo = new();
        private int _starts;
        private int _rejected;

        public int Rejected => Volatile.Read(ref _rejected);

        public string Description => "an embedded silo that lost one";

        public IReadOnlyList<string> SiloNames => ["coordinator", "node-1"];

        public int ExitCount => 1;

        public async Task<IGrainFactory> StartAsync(CancellationToken cancellationToken)
        {
            var grains = await _silo.StartAsync(cancellationToken);
            var proxy = DispatchProxy.Create<IGrainFactory, Interceptor>();
            ((Interceptor)(object)proxy).Inner = grains;
            ((Interceptor)(object)proxy).Intercept = result => result is ICoordinatorGrain coordinator ? Rejecting(coordinator) : result;
            return proxy;
        }

        private ICoordinatorGrain Rejecting(ICoordinatorGrain coordinator)
        {
            var proxy = DispatchProxy.Create<ICoordinatorGrain, Interceptor>();
            ((Interceptor)(object)proxy).Inner = coordinator;
            ((Interceptor)(object)proxy).Before = method =>
            {
                if (method.Name == nameof(ICoordinatorGrain.Start) && Interlocked.Increment(ref _starts) <= rejections)
                {
                    Interlocked.Increment(ref _rejected);
                    throw new SiloUnavailableException("Unable to connect to the lost silo");
                }
            };
            return proxy;
        }

        public string? Diagnose() => null;

        public Task<SiloExit> ExitAsync(int index, CancellationToken cancellationToken) => index == 0
            ? Task.FromResult(new SiloExit("node-1", DateTime.UtcNow))
            : Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith<SiloExit>(_ => throw new OperationCanceledException(cancellationToken), TaskScheduler.Default);

        public Task<TimeSpan> WaitUntilDeclaredDeadAsync(SiloExit exit, CancellationToken cancellationToken) => Task.FromResult(TimeSpan.Zero);

        public void Kill(string silo) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => _silo.DisposeAsync();
    }

    /// <summary>Forwards every call to <see cref="Inner"/>, after <see cref="Before"/>, passing results through <see cref="Intercept"/>.</summary>
    public class Interceptor : DispatchProxy
    {
        internal object Inner { get; set; } = null!;

        internal Action<MethodInfo> Before { get; set; } = _ => { };

        internal Func<object?, object?> Intercept { get; set; } = result => result;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            Before(targetMethod);
            try
            {
                return Intercept(targetMethod.Invoke(Inner, args));
            }
            catch (TargetInvocationException e) when (e.InnerException is { } inner)
            {
                throw inner;
            }
        }
    }
}
