using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Protocol;
using Orleans.Concurrency;

namespace AutoMon.Grains.Experiments;

/// <summary>
/// One monitored node of an experiment (key <c>experiment/index</c>, see <see cref="ExperimentKeys"/>). It owns its data
/// stream (a sliding window over its share of the rows) and runs the protocol <see cref="Node"/> on every update; it talks
/// to the coordinator only through violations and the coordinator's requests.
/// </summary>
[Alias("AutoMon.Grains.INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Creates the node's protocol node and stream. A second call is rejected.</summary>
    [Alias("Configure")]
    Task Configure(ExperimentConfig config);

    /// <summary>
    /// Fills the window with <paramref name="rows"/> (no checks; the reference fills every window before monitoring), then
    /// checks the full-window local vector: round 0. Returns the violation (every node has one before the first sync).
    /// </summary>
    [Alias("FillWindow")]
    Task<SequencedViolation?> FillWindow(DataRows rows);

    /// <summary>Lockstep: takes rows, commits and looks ahead (see <see cref="NodeStepRequest"/>).</summary>
    [Alias("Step")]
    Task<NodeStepResult> Step(NodeStepRequest request);

    /// <summary>A coordinator message (Sync, LazySync or GetLocalVector); returns the node's reply, if any.</summary>
    [Alias("Deliver")]
    Task<LocalVectorInfo?> Deliver(ICoordinatorMessage message);

    /// <summary>Paced: appends rows and starts (or keeps) the node's timer: one row every round interval.</summary>
    [Alias("StartPaced")]
    Task StartPaced(DataRows rows);

    /// <summary>Paced: stops the timer (rows not yet used stay queued).</summary>
    [Alias("StopPaced")]
    Task StopPaced();

    /// <summary>
    /// Paced recovery, for a node whose silo died (its activation here knows nothing): configures it and puts it where the
    /// run is, as if it had never stopped taking data. <paramref name="window"/> ends at the row the other nodes have
    /// reached and fills the window (no checks: nobody monitored those rows); <paramref name="upcoming"/> waits for the
    /// timer; <paramref name="dataUpdates"/> counts the updates the node had taken by then. The protocol node is
    /// restarted by <see cref="Restart"/>. Repeating the call starts it over.
    /// </summary>
    [Alias("Rejoin")]
    Task Rejoin(ExperimentConfig config, DataRows window, DataRows upcoming, long dataUpdates);

    /// <summary>
    /// Paced recovery: restarts the protocol node (constraints dropped, constraint version 0, counters kept) and checks
    /// its current local vector: the report that <see cref="ICoordinatorGrain.Restart"/> resolves with a full sync.
    /// </summary>
    [Alias("Restart")]
    Task<SequencedViolation> Restart();

    /// <summary>The node's state, counters and hosting silo.</summary>
    [Alias("GetStatus")]
    Task<NodeStatus> GetStatus();

    /// <summary>Paced: every sync and lazy sync the node applied, in order, with where it was in its data.</summary>
    [Alias("GetSyncHistory")]
    Task<ImmutableArray<NodeSyncRecord>> GetSyncHistory();

    /// <summary>
    /// The experiment is over and its results are collected: the activation goes, with its window and protocol node, and
    /// this silo forgets the experiment. A later call finds a new, unconfigured activation.
    /// </summary>
    [Alias("Release")]
    Task Release();
}

/// <summary>
/// The coordinator of one experiment (key: the experiment id), the only activation of its kind for that experiment, placed
/// on the coordinator silo. Runs the protocol <see cref="Coordinator"/> and keeps the experiment's statistics.
/// </summary>
[Alias("AutoMon.Grains.ICoordinatorGrain")]
public interface ICoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the experiment: builds the protocol coordinator (and, with a tuning prefix and a non-constant Hessian, tunes
    /// the neighbourhood size on it first, as the simulation does). A second start is rejected.
    /// </summary>
    [Alias("Start")]
    Task Start(ExperimentConfig config, TuningData? tuning);

    /// <summary>Lockstep: closes rounds in order (clean rounds, then a round whose violations are resolved with the nodes).</summary>
    [Alias("CloseRounds")]
    Task CloseRounds(RoundBatch batch);

    /// <summary>Paced start: resolves round 0's violations (every node's first report) without a global vector.</summary>
    [Alias("ResolveViolations")]
    Task ResolveViolations(ImmutableArray<SequencedViolation> violations);

    /// <summary>Paced: a node reports a violation as it happens; resolved at once (syncs are sent before the next report is read).</summary>
    [OneWay]
    [Alias("ReportViolation")]
    Task ReportViolation(Violation violation);

    /// <summary>Statistics, state and wire bytes.</summary>
    [Alias("GetReport")]
    Task<CoordinatorReport> GetReport();

    /// <summary>
    /// The experiment is over and its results are collected: the activation goes and this silo forgets the experiment
    /// (what the coordinator wrote to storage stays).
    /// </summary>
    [Alias("Release")]
    Task Release();

    /// <summary>Whether this activation runs the experiment, was restored from storage after its silo died, or knows nothing of it.</summary>
    [Alias("GetLiveness")]
    Task<CoordinatorLiveness> GetLiveness();

    /// <summary>
    /// Paced recovery after a silo died: restarts the protocol (<see cref="Coordinator.Restart"/>; counters and iteration
    /// kept) and resolves <paramref name="reports"/>, one per node from <see cref="INodeGrain.Restart"/>, with one full sync.
    /// </summary>
    [Alias("Restart")]
    Task Restart(ImmutableArray<SequencedViolation> reports);
}

/// <summary>
/// Runs a lockstep experiment's rounds on the coordinator's silo (key: the experiment id; placed like the coordinator) for
/// a driver outside the cluster: the driver starts the coordinator and the nodes, loads the monitored data here, and asks
/// for rounds; the result it then collects from the grains as usual.
/// </summary>
[Alias("AutoMon.Grains.ILockstepGrain")]
public interface ILockstepGrain : IGrainWithStringKey
{
    /// <summary>Appends monitored data values (row-major; sent in pieces to keep messages small). Rejected once started.</summary>
    [Alias("LoadData")]
    Task LoadData(ImmutableArray<double> values);

    /// <summary>Starts the rounds on the loaded data: fills the windows and closes round 0. A second start is rejected.</summary>
    [Alias("Start")]
    Task<LockstepProgress> Start(LockstepPlan plan);

    /// <summary>
    /// Runs steps until at least <paramref name="minRounds"/> more rounds are closed, closing no more than
    /// <paramref name="maxRounds"/> (fewer at the end of the data, or after a few seconds).
    /// </summary>
    [Alias("RunRoundsBetween")]
    Task<LockstepProgress> RunRounds(int minRounds, int maxRounds);
}

/// <summary>What a coordinator activation knows of its experiment.</summary>
public enum CoordinatorLiveness
{
    /// <summary>The experiment runs here.</summary>
    Running,

    /// <summary>Reactivated from its stored state after its silo died: it waits for <see cref="ICoordinatorGrain.Restart"/>.</summary>
    Restored,

    /// <summary>Never started here, and nothing stored: the experiment is unknown (or its state was lost with its silo).</summary>
    Unknown,
}

/// <summary>Grain keys of an experiment's grains.</summary>
public static class ExperimentKeys
{
    /// <summary>The coordinator's key: the experiment id.</summary>
    public static string Coordinator(string experimentId)
    {
        Validate(experimentId);
        return experimentId;
    }

    /// <summary>Node <paramref name="index"/>'s key: <c>experiment/index</c>.</summary>
    public static string Node(string experimentId, int index)
    {
        Validate(experimentId);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return string.Create(CultureInfo.InvariantCulture, $"{experimentId}/{index}");
    }

    /// <summary>Splits a node key into experiment id and node index; false when it is not a node key.</summary>
    public static bool TryParseNode(string key, out string experimentId, out int index)
    {
        experimentId = string.Empty;
        index = -1;
        if (key is null)
        {
            return false;
        }

        var slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            return false;
        }

        experimentId = key[..slash];
        return true;
    }

    /// <summary>The experiment a grain key belongs to (a coordinator key is the id itself).</summary>
    public static string ExperimentOf(string key) => TryParseNode(key, out var experiment, out _) ? experiment : key;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="experimentId"/> is a usable id.</summary>
    public static void Validate(string experimentId)
    {
        if (string.IsNullOrWhiteSpace(experimentId) || experimentId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Experiment id '{experimentId}' is empty or contains '/'.", nameof(experimentId));
        }
    }
}
