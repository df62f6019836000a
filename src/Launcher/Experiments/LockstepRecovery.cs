using System.Diagnostics;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Launcher.Cluster;
using GrainResult = AutoMon.Grains.Experiments.ExperimentResult;

namespace AutoMon.Launcher.Experiments;

/// <summary>What <c>--inject-fault SILO@ROUND</c> asks: kill silo <paramref name="Silo"/> once the run has closed <paramref name="Round"/> rounds.</summary>
internal sealed record FaultInjection(string Silo, int Round)
{
    /// <summary>Parses <c>SILO@ROUND</c> (e.g. <c>node-1@300</c>).</summary>
    public static FaultInjection Parse(string text)
    {
        var at = text?.LastIndexOf('@') ?? -1;
        if (at <= 0 || !int.TryParse(text.AsSpan(at + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var round))
        {
            throw new ArgumentException($"--inject-fault '{text}' is not SILO@ROUND (e.g. node-1@300, coordinator@300).");
        }

        return new FaultInjection(text![..at], round);
    }
}

/// <summary>
/// A lockstep run on a cluster whose silos may die. The protocol is deterministic and the driver holds every row, so the
/// round boundary at the start of the run is a consistent checkpoint the run can always go back to: when a silo dies,
/// the attempt on it is abandoned (a grain call to a dead silo may never answer an Orleans client), the cluster is left to
/// declare the silo dead, and the run replays on fresh grains placed on the silos that are left. The result is the
/// fault-free run's, exactly; each loss is recorded as a <see cref="SiloFault"/>.
/// </summary>
internal sealed class LockstepRecovery(IGrainFactory grains, ISiloFaults silos, Func<string> nextId, FaultInjection? injection)
{
    private static readonly TimeSpan ExitNoticeWait = TimeSpan.FromSeconds(5);

    // Replays that failed only because a message could not reach a silo, after a loss and with no new one.
    internal const int MaxUnreachedReplays = 3;

    private readonly List<SiloFault> _faults = [];
    private readonly List<(string Silo, int Round, double Detection, long DetectedAt)> _recovering = [];

    public async Task<(GrainResult Result, IReadOnlyList<SiloFault> Faults)> RunAsync(
        ExperimentSpec spec, ExperimentConfig config, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        // Silos that died before this run: wait until the cluster has declared them dead, so no grain is placed on them.
        var handled = silos.ExitCount;
        for (var i = 0; i < handled; i++)
        {
            await silos.WaitUntilDeclaredDeadAsync(await silos.ExitAsync(i, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        // One replay per silo at most: every loss leaves fewer silos, and none left ends it.
        var unreachedReplays = 0;
        for (var attempt = 0; ; attempt++)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var current = new StrongBox<LockstepRun?>();
            var injecting = attempt == 0 && injection is not null;
            var run = RunAttemptAsync(spec, config, progress, current, injecting, stop.Token);
            var injector = injecting ? InjectAsync(injection!, current, stop.Token) : Task.CompletedTask;
            var exit = silos.ExitAsync(handled, stop.Token);
            if (await Task.WhenAny(run, exit).ConfigureAwait(false) == run)
            {
                try
                {
                    var result = await run.ConfigureAwait(false);
                    await stop.CancelAsync().ConfigureAwait(false);
                    Observe(injector);
                    CompleteRecoveries(int.MaxValue);
                    return (result, _faults);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A silo that died may fail the attempt before its process-exit notice arrives: give the notice a
                    // moment, then recover from the death, or report the failure when no silo died.
                    if (await Task.WhenAny(exit, Task.Delay(ExitNoticeWait, cancellationToken)).ConfigureAwait(false) != exit)
                    {
                        // A replay's message may still be routed to the silo the cluster has declared dead, by a client
                        // or a silo whose view of the membership has not caught up: replay again, a few times at most.
                        if (handled > 0 && Unreached(e) && unreachedReplays++ < MaxUnreachedReplays)
                        {
                            await stop.CancelAsync().ConfigureAwait(false);
                            Observe(injector);
                            attempt--; // not a loss
                            continue;
                        }

                        throw;
                    }
                }
            }

            var lost = await silos.ExitAsync(handled, cancellationToken).ConfigureAwait(false);
            handled++;
            var round = current.Value?.RoundsClosed ?? 0;
            await stop.CancelAsync().ConfigureAwait(false);
            Observe(run);
            Observe(injector);
            if (attempt >= silos.SiloNames.Count)
            {
                throw new SiloLossException($"silo {lost.Silo} died and the run has been replayed {attempt} times; no silos are left to run it.");
            }

            TimeSpan detection;
            try
            {
                detection = await silos.WaitUntilDeclaredDeadAsync(lost, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                throw new SiloLossException($"silo {lost.Silo} died at round {round}: {e.Message}", e);
            }

            _recovering.Add((lost.Silo, round, detection.TotalSeconds, Stopwatch.GetTimestamp()));
        }
    }

    private async Task<GrainResult> RunAttemptAsync(
        ExperimentSpec spec, ExperimentConfig config, IProgress<ExperimentProgress>? progress, StrongBox<LockstepRun?> current, bool injecting,
        CancellationToken cancellationToken)
    {
        var driver = new ExperimentDriver(grains, new ExperimentDriverOptions { RoundsOnCoordinatorSilo = true });
        var run = await driver.StartLockstepAsync(nextId(), config, spec.Data, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref current.Value, run);

        // With a fault to inject, the steps stop at each slice, so the kill lands within a slice of its round.
        await run.RunToEndAsync(r =>
        {
            CompleteRecoveries(r.RoundsClosed);
            progress?.Report(new ExperimentProgress(r.RoundsClosed, r.TotalRounds, "lockstep"));
        }, cutStepsToSlices: injecting, cancellationToken).ConfigureAwait(false);

        return await run.ResultAsync().ConfigureAwait(false);
    }

    // A loss is recovered once the replay is back at the round where it struck.
    private void CompleteRecoveries(int roundsClosed)
    {
        lock (_recovering)
        {
            foreach (var done in _recovering.Where(r => r.Round <= roundsClosed).ToList())
            {
                _faults.Add(new SiloFault(done.Silo, done.Round, done.Detection, Stopwatch.GetElapsedTime(done.DetectedAt).TotalSeconds));
                _recovering.Remove(done);
            }
        }
    }

    // Watches the run from beside it, so the kill lands while grain calls are in flight, as a crash would.
    private async Task InjectAsync(FaultInjection fault, StrongBox<LockstepRun?> current, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref current.Value) is not { } run || run.RoundsClosed < fault.Round)
        {
            if (Volatile.Read(ref current.Value) is { IsComplete: true })
            {
                return;
            }

            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }

        silos.Kill(fault.Silo);
    }

    // Orleans could not deliver a message to a silo (no connection, or the silo is unavailable).
    private static bool Unreached(Exception e) => e switch
    {
        OrleansMessageRejectionException or SiloUnavailableException => true,
        AggregateException all => all.InnerExceptions.Any(Unreached),
        _ => e.InnerException is { } inner && Unreached(inner),
    };

    // An abandoned attempt may fail later (or never finish: its call to the dead silo); nobody waits for it.
    private static void Observe(Task task) => _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
        TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private sealed class StrongBox<T>
    {
        public T Value = default!;
    }
}

/// <summary>A silo loss the run cannot recover from; its message says why (not rewritten into a generic "silo stopped").</summary>
internal sealed class SiloLossException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
