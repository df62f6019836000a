using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using AutoMon.Grains.Hosting;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// A paced run's restart after a silo died under it: when the driver noticed, when the run took data again, the data
/// rounds it had reached then, and what moved. Between the loss and the restart the error bound is not guaranteed.
/// </summary>
/// <param name="NoticedAt">When the driver saw the loss (UTC): a call failed, a node or the coordinator had lost its state.</param>
/// <param name="RestartedAt">When the restart's full sync had reached every node and the nodes took data again (UTC).</param>
/// <param name="RoundNoticed">The data round the furthest node had reached when the loss was noticed.</param>
/// <param name="RoundRestarted">The data round the run restarted at (the nodes whose silo died rejoined there).</param>
/// <param name="RejoinedNodes">Nodes whose grains lost their state and rejoined from the driver's data.</param>
/// <param name="CoordinatorRestored">True when the coordinator lost its silo and continued from its stored state.</param>
public sealed record PacedRestart(
    DateTime NoticedAt, DateTime RestartedAt, int RoundNoticed, int RoundRestarted, IReadOnlyList<int> RejoinedNodes, bool CoordinatorRestored);

/// <summary>
/// Restarts a paced run whose silo died: the driver holds every row, so a node grain that lost its state rejoins where
/// the others are (its window refilled from the rows up to there), the coordinator continues from its last write, and
/// the protocol restarts everywhere with one full sync. Calls to grains of a silo the cluster has not yet declared dead
/// fail or hang; the restart is tried again every second until the cluster has replaced the silo.
/// </summary>
internal sealed class PacedRecovery(ExperimentDriver.ExperimentSetup setup, ExperimentDriverOptions options)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly long[] _lastSeen = Enumerable.Repeat(-1L, setup.Nodes.Length).ToArray();
    private readonly int _pointsPerRound = setup.Config.SingleSampleRounds ? 1 : setup.Nodes.Length;

    /// <summary>The data round the furthest node had reached at the last look.</summary>
    public int Round => PacedRounds.RoundOf(_lastSeen.Max(), setup.FillRows, _pointsPerRound);

    /// <summary>
    /// Every node's status, noting how far each got; null when the calls did not answer in time (a silo that died may
    /// never answer a client until the cluster declares it dead; then its grains answer from new activations). Throws
    /// <see cref="LostStateException"/> when a node or the coordinator lost its state with its silo, and the call's own
    /// failure when a silo is known to be unreachable.
    /// </summary>
    public async Task<NodeStatus[]?> PollAsync()
    {
        NodeStatus[] statuses;
        try
        {
            statuses = await Probe(Task.WhenAll(setup.Nodes.Select(n => n.GetStatus()))).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }

        Note(statuses);
        if (Array.FindIndex(statuses, s => !s.Configured) is var lost and >= 0)
        {
            throw new LostStateException(string.Create(CultureInfo.InvariantCulture, $"node {lost} lost its state with its silo"));
        }

        if (await Probe(setup.Coordinator.GetLiveness()).ConfigureAwait(false) != CoordinatorLiveness.Running)
        {
            throw new LostStateException("the coordinator lost its silo");
        }

        return statuses;
    }

    /// <summary>True for a failure that a restart answers: a silo unreachable, a grain that lost its state (not a mere slow answer).</summary>
    public static bool IsLoss(Exception exception) =>
        exception is LostStateException || (exception is not TimeoutException && GrainCallFaults.IsUnreachable(exception));

    /// <summary>Starts the timers of every node that answers (a paused node whose silo lives); the others are left as they are.</summary>
    public async Task ResumeSurvivorsAsync()
    {
        await Task.WhenAll(setup.Nodes.Select(async node =>
        {
            try
            {
                await Probe(node.StartPaced(DataRows.Empty)).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or InvalidOperationException || IsLoss(exception))
            {
                // Its silo is gone (or its new activation knows nothing yet): the restart deals with it.
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Restarts the run; tries again until it succeeds or <see cref="ExperimentDriverOptions.RecoveryTimeout"/> passes.</summary>
    public async Task<PacedRestart> RestartAsync(Exception cause, CancellationToken cancellationToken)
    {
        var noticedAt = DateTime.UtcNow;
        var roundNoticed = Round;
        var clock = Stopwatch.StartNew();
        var last = cause;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (clock.Elapsed > options.RecoveryTimeout)
            {
                // Not a TimeoutException: the driver takes those for a slow answer and goes on.
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Experiment '{setup.Id}': a silo was lost at round {roundNoticed} and the run could not restart within {options.RecoveryTimeout.TotalSeconds:0} s: {last.Message}"), last);
            }

            try
            {
                var (rejoined, restored) = await TryRestartAsync().ConfigureAwait(false);
                return new PacedRestart(noticedAt, DateTime.UtcNow, roundNoticed, Round, rejoined, restored);
            }
            catch (Exception exception) when ((IsLoss(exception) || exception is TimeoutException) && !cancellationToken.IsCancellationRequested)
            {
                last = exception;
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<(IReadOnlyList<int> Rejoined, bool Restored)> TryRestartAsync()
    {
        // First wait, with the survivors still taking data as a real deployment's would, until every grain answers again:
        // the cluster has declared the silo dead and its grains have new activations.
        await Probe(Task.WhenAll(setup.Nodes.Select(n => n.GetStatus()))).ConfigureAwait(false);
        var liveness = await Probe(setup.Coordinator.GetLiveness()).ConfigureAwait(false);
        if (liveness == CoordinatorLiveness.Unknown)
        {
            throw new InvalidOperationException(
                $"Experiment '{setup.Id}': the coordinator's silo died and its state was not stored (silos store it with --grain-storage dynamodb); the run cannot continue.");
        }

        await Call(Task.WhenAll(setup.Nodes.Select(n => n.StopPaced()))).ConfigureAwait(false);
        var statuses = await Call(Task.WhenAll(setup.Nodes.Select(n => n.GetStatus()))).ConfigureAwait(false);
        Note(statuses);

        // Where the run is: the furthest any node got (one that lost its state rejoins there, as if it had kept up).
        var reached = _lastSeen.Max();
        var rejoined = new List<int>();
        for (var i = 0; i < statuses.Length; i++)
        {
            if (!statuses[i].Configured)
            {
                var (window, upcoming, updates) = setup.RejoinAt(i, reached);
                await Call(setup.Nodes[i].Rejoin(setup.Config, window, upcoming, updates)).ConfigureAwait(false);
                _lastSeen[i] = window.Sequence[^1];
                rejoined.Add(i);
            }
        }

        var reports = await Call(Task.WhenAll(setup.Nodes.Select(n => n.Restart()))).ConfigureAwait(false);
        await Call(setup.Coordinator.Restart([.. reports])).ConfigureAwait(false);
        await Call(Task.WhenAll(setup.Nodes.Select(n => n.StartPaced(DataRows.Empty)))).ConfigureAwait(false);
        return (rejoined, liveness == CoordinatorLiveness.Restored);
    }

    private void Note(NodeStatus[] statuses)
    {
        for (var i = 0; i < statuses.Length; i++)
        {
            if (statuses[i].Configured)
            {
                _lastSeen[i] = Math.Max(_lastSeen[i], statuses[i].ConsumedSequence);
            }
        }
    }

    // A client's call to a silo that died may never be answered: give up on it after a while and look again. A look
    // (status, liveness) is quick; the restart's calls include a full sync with its emulated latencies.
    private Task<T> Probe<T>(Task<T> call) => call.WaitAsync(options.ProbeTimeout);

    private Task Probe(Task call) => call.WaitAsync(options.ProbeTimeout);

    private Task<T> Call<T>(Task<T> call) => call.WaitAsync(ActionTimeout);

    private Task Call(Task call) => call.WaitAsync(ActionTimeout);

    private TimeSpan ActionTimeout =>
        options.CallTimeout + setup.Config.FullSyncLatency + setup.Config.LazySyncLatency + (4 * setup.Config.WanLatency);

    /// <summary>A grain of the run lost its state with its silo (reactivated elsewhere knowing nothing, or only its stored counts).</summary>
    internal sealed class LostStateException(string message) : Exception(message);
}
