using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Launcher.Cluster;
using GrainResult = AutoMon.Grains.Experiments.ExperimentResult;

namespace AutoMon.Launcher.Experiments;

/// <summary>
/// A paced run on a cluster whose silos may die. The driver restarts such a run itself (<see cref="PacedRestart"/>: the
/// nodes whose silo died rejoin where the others are, the protocol restarts with one full sync); this watch adds what
/// only the cluster's owner knows: which silo died, when, and when the membership declared it dead, and it kills a silo
/// for <c>--inject-fault</c> once the run reaches the round.
/// </summary>
internal sealed class PacedFaultWatch(ISiloFaults silos, FaultInjection? injection)
{
    private int _round;

    public async Task<(GrainResult Result, IReadOnlyList<SiloFault> Faults)> RunAsync(
        Func<ExperimentDriverOptions, CancellationToken, Task<GrainResult>> run, ExperimentDriverOptions options, CancellationToken cancellationToken)
    {
        // Silos that died before this run: wait until the cluster has declared them dead, so no grain is placed on them.
        var handled = silos.ExitCount;
        for (var i = 0; i < handled; i++)
        {
            await silos.WaitUntilDeclaredDeadAsync(await silos.ExitAsync(i, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var losses = new List<Loss>();
        var watcher = WatchAsync(handled, losses, stop);
        var injector = injection is { } fault ? InjectAsync(fault, stop.Token) : Task.CompletedTask;
        try
        {
            var result = await run(options with { RoundProgress = new Progress(this) }, stop.Token).ConfigureAwait(false);
            lock (losses)
            {
                return (result, Faults(result.Paced?.Restarts ?? [], losses));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && Unrecoverable(losses) is { } lost)
        {
            // The cluster cannot replace the silo (e.g. it held the membership): say so rather than wait.
            throw new SiloLossException($"silo {lost.Exit.Silo} died at round {lost.Round}: {lost.Unrecoverable!.Message}", lost.Unrecoverable);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(watcher, injector).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static Loss? Unrecoverable(List<Loss> losses)
    {
        lock (losses)
        {
            return losses.Find(l => l.Unrecoverable is not null);
        }
    }

    private async Task WatchAsync(int first, List<Loss> losses, CancellationTokenSource run)
    {
        for (var index = first; !run.IsCancellationRequested; index++)
        {
            SiloExit exit;
            try
            {
                exit = await silos.ExitAsync(index, run.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var loss = new Loss(exit, Volatile.Read(ref _round));
            lock (losses)
            {
                losses.Add(loss);
            }

            _ = DeclareAsync(loss, run);
        }
    }

    private async Task DeclareAsync(Loss loss, CancellationTokenSource run)
    {
        try
        {
            loss.Detection = await silos.WaitUntilDeclaredDeadAsync(loss.Exit, run.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            loss.Unrecoverable = e;
            await run.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Each restart answers the earliest loss not yet answered that happened before it ended.
    private static List<SiloFault> Faults(IReadOnlyList<PacedRestart> restarts, List<Loss> losses)
    {
        var faults = new List<SiloFault>();
        var open = new Queue<Loss>(losses.OrderBy(l => l.Exit.ExitedAt));
        foreach (var restart in restarts)
        {
            if (!open.TryPeek(out var loss) || loss.Exit.ExitedAt > restart.RestartedAt)
            {
                continue;
            }

            open.Dequeue();
            var unguarded = (restart.RestartedAt - loss.Exit.ExitedAt).TotalSeconds;
            var detection = loss.Detection?.TotalSeconds ?? (restart.NoticedAt - loss.Exit.ExitedAt).TotalSeconds;
            faults.Add(new SiloFault(loss.Exit.Silo, loss.Round, detection, Math.Max(0, unguarded - detection))
            {
                UnguardedSeconds = unguarded,
                UnguardedRounds = Math.Max(0, restart.RoundRestarted - loss.Round),
            });
        }

        return faults;
    }

    private async Task InjectAsync(FaultInjection fault, CancellationToken cancellationToken)
    {
        try
        {
            while (Volatile.Read(ref _round) < fault.Round)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }

            silos.Kill(fault.Silo);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class Loss(SiloExit exit, int round)
    {
        public SiloExit Exit { get; } = exit;

        public int Round { get; } = round;

        public TimeSpan? Detection { get; set; }

        public InvalidOperationException? Unrecoverable { get; set; }
    }

    // Synchronous, unlike Progress<T>: the round is read by the injector, not posted to a context.
    private sealed class Progress(PacedFaultWatch watch) : IProgress<int>
    {
        public void Report(int value) => Volatile.Write(ref watch._round, value);
    }
}
