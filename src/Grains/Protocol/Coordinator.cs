using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using AutoMon.Numerics;
using AutoMon.Numerics.AutoDiff;
using AutoMon.Numerics.Functions;
using AutoMon.Numerics.Randomness;
using AutoMon.Protocol.Competitors;

namespace AutoMon.Protocol;

/// <summary>
/// The AutoMon coordinator (reference <c>common_coordinator.py</c> + <c>automon_coordinator.py</c>). Transport-agnostic:
/// <see cref="Handle(IReadOnlyList{INodeMessage})"/> consumes node messages and returns the messages to send, each addressed
/// to a node index. Not thread-safe: a host calls it from one thread at a time.
/// </summary>
/// <remarks>
/// <para>A verifier (the reference's node −1) holds the coordinator's own copy of the constraints: it tests candidate points
/// of a lazy sync and, in simulation, classifies violations against the global vector given by <see cref="SetGlobalVector"/>.</para>
/// <para>Random draws (the constant-Hessian test at construction and LazyRandom's shuffles) come from the given
/// <see cref="NumpyLegacyRandom"/>, in the reference's order, so a generator seeded with 1 reproduces its runs.</para>
/// </remarks>
public sealed partial class Coordinator
{
    private readonly MonitoredFunction _function;
    private readonly FunctionEvaluator _evaluator;
    private readonly CoordinatorOptions _options;
    private readonly NumpyLegacyRandom _random;
    private readonly BoxDomain? _domain;
    private readonly int _n;
    private readonly int _d;
    private readonly AdcdEResult? _adcdE;
    private readonly ImmutableArray<double> _signedHessian;

    // Per node: last local vector known (nodes_x0_local), slack, flags, constraint version, LRU counter.
    private readonly double[][] _localVectors;
    private readonly double[][] _slacks;
    private readonly bool[] _hasUpdatedLocalVector;
    private readonly bool[] _hasViolation;
    private readonly bool[] _hasViolationBefore;
    private readonly bool[] _hasSignedHessian;
    private readonly int[] _constraintVersions;
    private readonly double[] _lruCounters;
    private readonly List<int> _awaitedLocalVectors = [];

    private readonly double[] _x0;
    private readonly double[] _meanX;
    private readonly double[] _meanSlack;
    private readonly double[] _candidate;

    private SafeZone _verifier;
    private readonly CompetitorConstraint? _competitor; // a competitor's verifier, in place of the safe zone
    private double _initialNeighborhoodSize;
    private double _neighborhoodSize;
    private BoxDomain? _neighborhood;
    private int _consecutiveDomainViolations;
    private bool _faultySafeZone;
    private DcType _dcType;
    private double _extremeEigenvalue;

    /// <summary>
    /// Creates a coordinator for <paramref name="function"/>. Runs the reference's constant-Hessian test (three draws of
    /// <paramref name="random"/>) and, for a constant Hessian, ADCD-E once.
    /// </summary>
    /// <exception cref="ArgumentException">An invalid option (e.g. NoSlack with a lazy sync type).</exception>
    public Coordinator(MonitoredFunction function, CoordinatorOptions options, NumpyLegacyRandom random)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        var (slack, sync) = options.Protocol.SlackAndSync(options.SlackType, options.SyncType);
        options = options with { SlackType = slack, SyncType = sync };
        options.Validate();

        _function = function;
        _options = options;
        _random = random;
        _n = options.NodeCount;
        _d = function.Dimension;
        _evaluator = function.Function.CreateEvaluator();
        _domain = function.DomainBox();

        _localVectors = NewMatrix(_n, _d);
        _slacks = NewMatrix(_n, _d);
        _hasUpdatedLocalVector = new bool[_n];
        _hasViolation = new bool[_n];
        _hasViolationBefore = new bool[_n];
        _hasSignedHessian = new bool[_n];
        _constraintVersions = new int[_n];
        _lruCounters = new double[_n];
        _x0 = new double[_d];
        _meanX = new double[_d];
        _meanSlack = new double[_d];
        _candidate = new double[_d];
        _globalVector = new double[_d];
        _verifier = new SafeZone(function.Function, function.MinValue, function.MaxValue);

        if (options.Protocol != MonitoringProtocol.AutoMon)
        {
            // The competitors' coordinators decompose nothing and draw no random number before the run.
            _competitor = CompetitorConstraint.Create(options.Protocol, function);
        }
        else
        {
            // Reference _is_hessian_const: uniform(-10, 10) points, or uniform over the domain when one is given.
            IsHessianConstant = Adcd.IsHessianConstant(function.Function, random, _domain);
        }

        if (IsHessianConstant)
        {
            // The Hessian is the same everywhere: decompose it once (the reference caches signed_H).
            _adcdE = Adcd.Exact(function.Function, _x0);
            _signedHessian = ImmutableArray.Create(_adcdE.SignedHessian.Span);
        }

        var usesNeighborhood = !IsHessianConstant && _competitor is null && options.NeighborhoodSize is not null;
        _initialNeighborhoodSize = usesNeighborhood ? options.NeighborhoodSize!.Value : -1;
        Statistics = new CoordinatorStatistics();
        Reset();
    }

    /// <summary>True when the constant-Hessian test passed: ADCD-E, no neighbourhood.</summary>
    public bool IsHessianConstant { get; }

    /// <summary>The options.</summary>
    public CoordinatorOptions Options => _options;

    /// <summary>The function.</summary>
    public MonitoredFunction Function => _function;

    /// <summary>Protocol state.</summary>
    public CoordinatorState State { get; private set; }

    /// <summary>The iteration counter: data rounds (simulation) or completed syncs (<see cref="IterationClock.Syncs"/>).</summary>
    public int Iteration { get; private set; }

    /// <summary>The reference point x0 of the last full sync (zeros before the first).</summary>
    public ReadOnlySpan<double> ReferencePoint => _x0;

    /// <summary>L = f(x0) − ε (0 before the first sync, as in the reference).</summary>
    public double LowerThreshold { get; private set; }

    /// <summary>U = f(x0) + ε (0 before the first sync).</summary>
    public double UpperThreshold { get; private set; }

    /// <summary>f(x0), the current estimate.</summary>
    public double Estimate { get; private set; }

    /// <summary>The neighbourhood size sent to nodes (−1 = none).</summary>
    public double NeighborhoodSize => _neighborhoodSize;

    /// <summary>The DC type of the last full sync.</summary>
    public DcType DcType => _dcType;

    /// <summary>The verifier: the coordinator's copy of the current constraints.</summary>
    public SafeZone Verifier => _verifier;

    /// <summary>Consecutive Domain violations since the last other violation.</summary>
    public int ConsecutiveDomainViolations => _consecutiveDomainViolations;

    /// <summary>Statistics of the run since the last <see cref="Reset"/>.</summary>
    public CoordinatorStatistics Statistics { get; private set; }

    /// <summary>The constraint version the coordinator holds for <paramref name="node"/>.</summary>
    public int ConstraintVersionOf(int node) => _constraintVersions[node];

    /// <summary>The constraint version of the syncs sent at <paramref name="iteration"/> (reference <c>_sync_node</c>: iteration + 1).</summary>
    public static int ConstraintVersionAt(int iteration) => iteration + 1;

    /// <summary>
    /// The coordinator's <see cref="Iteration"/> when it sent constraint version <paramref name="constraintVersion"/> (the
    /// inverse of <see cref="ConstraintVersionAt"/>): a data round in lockstep, the number of syncs completed before it when paced.
    /// </summary>
    public static int IterationOfVersion(int constraintVersion) => constraintVersion - 1;

    /// <summary>The slack the coordinator assigned to <paramref name="node"/>.</summary>
    public ReadOnlySpan<double> SlackOf(int node) => _slacks[node];

    /// <summary>The lazy-sync LRU counter of <paramref name="node"/>.</summary>
    public double LruCounterOf(int node) => _lruCounters[node];

    /// <summary>Nodes whose local vector the coordinator is waiting for.</summary>
    public IReadOnlyList<int> AwaitedLocalVectors => _awaitedLocalVectors;

    /// <summary>
    /// Back to the state before the first sync (reference <c>_init</c>): versions, slacks, thresholds, LRU counters and
    /// statistics cleared; the random generator and the cached ADCD-E decomposition are kept.
    /// </summary>
    public void Reset()
    {
        Iteration = 0;
        _verifier = new SafeZone(_function.Function, _function.MinValue, _function.MaxValue);
        _competitor?.Reset();
        Array.Clear(_x0);
        LowerThreshold = 0;
        UpperThreshold = 0;
        Estimate = _evaluator.Value(_x0);
        _faultySafeZone = false;
        ForgetNodes();
        _neighborhood = _domain;
        _neighborhoodSize = _initialNeighborhoodSize;
        TuningMode = false;
        IsCentralized = false;
        _budget = null;
        Statistics = new CoordinatorStatistics { Adaptive = _options.Adaptive };
    }

    /// <summary>Handles one node message; returns the messages to send.</summary>
    public IReadOnlyList<ICoordinatorMessage> Handle(INodeMessage message) => Handle([message]);

    /// <summary>
    /// Handles a batch of node messages (the violations of one round, or the replies to one request), then advances the
    /// state machine once, as the reference's <c>parse_message</c> does; returns the messages to send.
    /// </summary>
    public IReadOnlyList<ICoordinatorMessage> Handle(IReadOnlyList<INodeMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // Validate the whole batch first so a bad message leaves no half-applied state behind.
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            if (message is not (Violation or LocalVectorInfo))
            {
                throw new ArgumentException($"The coordinator cannot handle a {message.Type} message.", nameof(messages));
            }

            if ((uint)message.NodeIndex >= (uint)_n)
            {
                throw new ArgumentException($"A {message.Type} message comes from node {message.NodeIndex}; nodes are 0..{_n - 1}.", nameof(messages));
            }

            var length = message.LocalVector.IsDefault ? 0 : message.LocalVector.Length;
            if (length != _d)
            {
                throw new ArgumentException(
                    $"Node {message.NodeIndex} sent a local vector of {length} components; the dimension is {_d}.", nameof(messages));
            }
        }

        var updates = 0;
        foreach (var message in messages)
        {
            Statistics.BytesReceived += message.WireSize;
            updates += message is Violation violation ? HandleViolation(violation) : HandleLocalVectorInfo((LocalVectorInfo)message);
        }

        if (updates == 0)
        {
            return [];
        }

        List<ICoordinatorMessage> output = [];
        if (_awaitedLocalVectors.Count == 0 && State != CoordinatorState.FullSync)
        {
            // Start (Idle) or continue (LazySync) resolving; eager sync means waiting for every node's vector.
            var eager = ResolveViolation(output);
            State = eager ? CoordinatorState.FullSync : CoordinatorState.LazySync;
        }

        if (_awaitedLocalVectors.Count == 0)
        {
            output.Clear();
            if (State == CoordinatorState.FullSync)
            {
                FinishEagerSync(output);
            }
            else
            {
                FinishLazySync(output);
            }

            State = CoordinatorState.Idle;
            Array.Clear(_hasUpdatedLocalVector);
            if (_options.IterationClock == IterationClock.Syncs)
            {
                Iteration++;
            }
        }

        foreach (var message in output)
        {
            Statistics.BytesSent += message.WireSize;
        }

        return output;
    }

    private int HandleViolation(Violation violation)
    {
        var node = violation.NodeIndex;
        Statistics.TotalViolationMessages++;
        switch (violation.Origin)
        {
            case ViolationOrigin.SafeZone:
                Statistics.SafeZoneViolations++;
                break;
            case ViolationOrigin.Domain:
                Statistics.DomainViolations++;
                break;
            default:
                Statistics.FaultySafeZoneViolations++;
                break;
        }

        if (violation.ConstraintVersion != _constraintVersions[node])
        {
            // Reported against constraints the node no longer should hold: counted, otherwise ignored.
            Statistics.StaleMessages++;
            return 0;
        }

        if (_hasViolation[node])
        {
            // A second report while the first is being resolved (the reference treats this as fatal): keep the newer vector.
            _faultySafeZone |= violation.Origin == ViolationOrigin.FaultySafeZone;
            UpdateLocalVector(node, violation.LocalVector.AsSpan());
            return 1;
        }

        // Reference AutomonCoordinator._notify_violation: count consecutive Domain violations (neighbourhood doubling).
        _consecutiveDomainViolations = violation.Origin == ViolationOrigin.Domain ? _consecutiveDomainViolations + 1 : 0;
        _hasViolation[node] = true;
        RecordViolationInRound();

        if (violation.Origin == ViolationOrigin.FaultySafeZone)
        {
            _faultySafeZone = true;
        }

        UpdateLocalVector(node, violation.LocalVector.AsSpan());
        return 1;
    }

    private int HandleLocalVectorInfo(LocalVectorInfo info)
    {
        var node = info.NodeIndex;
        Statistics.NodeReturnLocalVectorMessages++;
        if (info.ConstraintVersion != _constraintVersions[node])
        {
            Statistics.StaleMessages++;
            return 0;
        }

        // Not asked (any more): the node's vector already came with its violation report, or this is a duplicate.
        if (!_awaitedLocalVectors.Contains(node))
        {
            Statistics.UnaskedReplies++;
            return 0;
        }

        UpdateLocalVector(node, info.LocalVector.AsSpan());
        return 1;
    }

    private void UpdateLocalVector(int node, ReadOnlySpan<double> x)
    {
        x.CopyTo(_localVectors[node]);
        _hasUpdatedLocalVector[node] = true;
        _awaitedLocalVectors.Remove(node);
    }

    // The verifier's inside_effective_safe_zone: nothing is inside before the first sync.
    private bool VerifierAccepts(ReadOnlySpan<double> point) => _competitor is null
        ? _verifier.IsSynced && _verifier.Check(point) == SafeZoneResult.Inside
        : _competitor.IsSynced && _competitor.Check(point) == SafeZoneResult.Inside;

    private bool NeighborhoodUpdateRequired =>
        !TuningMode && _options.AdjustNeighborhoodDynamically && _consecutiveDomainViolations > 5 * _n;

    // Reference _resolve_violation; true when the outcome is an eager sync.
    private bool ResolveViolation(List<ICoordinatorMessage> output)
    {
        if (_faultySafeZone || NeighborhoodUpdateRequired || _options.SyncType == SyncType.Eager)
        {
            RequestLocalVectors(AllNodes(), output);
            return true;
        }

        return LazySyncStep(output);
    }

    // Reference _lazy_sync: true when it falls back to eager sync.
    private bool LazySyncStep(List<ICoordinatorMessage> output)
    {
        var maxSize = MaxLazySyncSize(_options.LazySyncMaxFraction, _n);

        // First, only when the set of violating nodes changed since the last attempt: can the violating nodes alone resolve it?
        if (!_hasViolationBefore.AsSpan().SequenceEqual(_hasViolation))
        {
            var violating = Indices(_hasViolation);
            if (violating.Count <= maxSize && SubsetResolves(violating))
            {
                if (violating.Count == 1)
                {
                    throw new InvalidOperationException(
                        $"Iteration {Iteration}: a single violating node's own x − s passed the verifier; node and coordinator constraints disagree.");
                }

                Array.Copy(_hasViolation, _hasUpdatedLocalVector, _n);
                return false;
            }
        }

        Array.Copy(_hasViolation, _hasViolationBefore, _n);

        // Then with every node whose vector is fresh.
        var fresh = Indices(_hasUpdatedLocalVector);
        if (fresh.Count <= maxSize && SubsetResolves(fresh))
        {
            return false;
        }

        if (fresh.Count >= maxSize)
        {
            RequestLocalVectors(AllNodes(), output);
            Array.Clear(_lruCounters);
            Statistics.EagerSyncFallbacks++;
            return true;
        }

        // Ask one more node: random order (LazyRandom) or least recently lazy-synced first (LazyLRU).
        var candidates = Indices(_hasUpdatedLocalVector, value: false);
        int next;
        if (_options.SyncType == SyncType.LazyRandom)
        {
            var order = CollectionsMarshal.AsSpan(candidates);
            _random.Shuffle(order);
            next = order[0];
        }
        else
        {
            Span<double> counters = candidates.Count <= 256 ? stackalloc double[candidates.Count] : new double[candidates.Count];
            for (var i = 0; i < candidates.Count; i++)
            {
                counters[i] = _lruCounters[candidates[i]];
            }

            Span<int> order = candidates.Count <= 256 ? stackalloc int[candidates.Count] : new int[candidates.Count];
            NumpyArgsort.Sort(counters, order);
            next = candidates[order[0]];
        }

        RequestLocalVectors([next], output);
        return false;
    }

    /// <summary>S_max = round(fraction · n) with numpy's round half to even (n = 5 → 2, n = 3 → 2).</summary>
    internal static int MaxLazySyncSize(double fraction, int nodeCount) => (int)Math.Round(fraction * nodeCount, MidpointRounding.ToEven);

    // Does mean(x_i − s_i) over the subset pass the verifier? (reference: S_x0 − S_slack in the effective safe zone)
    private bool SubsetResolves(List<int> subset)
    {
        MeanOver(subset);
        for (var j = 0; j < _d; j++)
        {
            _candidate[j] = _meanX[j] - _meanSlack[j];
        }

        return VerifierAccepts(_candidate);
    }

    // Reference _evaluate_x0_and_slack: sums in node order from zero, then divides by the count.
    private void MeanOver(List<int> subset)
    {
        Array.Clear(_meanX);
        Array.Clear(_meanSlack);
        foreach (var node in subset)
        {
            var x = _localVectors[node];
            var s = _slacks[node];
            for (var j = 0; j < _d; j++)
            {
                _meanX[j] += x[j];
                _meanSlack[j] += s[j];
            }
        }

        double count = subset.Count;
        for (var j = 0; j < _d; j++)
        {
            _meanX[j] /= count;
            _meanSlack[j] /= count;
        }
    }

    // Reference _prepare_message_get_local_vector_for_node_group: ask only nodes whose vector is not fresh.
    private void RequestLocalVectors(List<int> nodes, List<ICoordinatorMessage> output)
    {
        _awaitedLocalVectors.Clear();
        foreach (var node in nodes)
        {
            if (!_hasUpdatedLocalVector[node])
            {
                _awaitedLocalVectors.Add(node);
            }
        }

        if (_awaitedLocalVectors.Count > 0)
        {
            Statistics.GetLocalVectorBroadcastMessages++;
            Statistics.GetLocalVectorMessages += _awaitedLocalVectors.Count;
        }

        foreach (var node in _awaitedLocalVectors)
        {
            output.Add(new GetLocalVector(node, _constraintVersions[node]));
        }
    }

    // Reference _finish_eager_sync: x0 = mean of all local vectors, new thresholds, neighbourhood, ADCD, slacks, Sync to all.
    private void FinishEagerSync(List<ICoordinatorMessage> output)
    {
        var start = Stopwatch.GetTimestamp();
        RecordFullSyncInRound();
        var all = AllNodes();
        MeanOver(all);
        _meanX.CopyTo(_x0, 0);

        var value = _evaluator.Value(_x0);
        Estimate = value;
        LowerThreshold = value - _options.ErrorBound;
        UpperThreshold = value + _options.ErrorBound;
        UpdateNeighborhood();
        if (IsHessianConstant)
        {
            _dcType = _adcdE!.DcType;
        }
        else if (_competitor is null)
        {
            // ADCD-X; a competitor's constraint needs only x0, L and U.
            var adcdX = Adcd.Extreme(_function.Function, _x0, _neighborhood, _options.ExtremeEigenvalueOptions);
            _dcType = adcdX.DcType;
            _extremeEigenvalue = adcdX.ExtremeEigenvalue;
            Statistics.AddAdcdX(adcdX.Neighborhood.OptimizationTime.TotalMilliseconds);
        }

        AllocateSlacks(_x0, all);
        SyncNodes(all, full: true, output);
        SyncVerifier();
        _faultySafeZone = false;

        Statistics.AddFullSync(new FullSyncRecord(Iteration, [.. _x0]), Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        if (Iteration == 0)
        {
            // The first full sync after every window filled: the violations before it do not count.
            Statistics.TotalViolationMessages = 0;
            Statistics.SafeZoneViolations = 0;
            Statistics.DomainViolations = 0;
        }
    }

    // Reference _finish_lazy_sync: new slacks for the nodes of S so that mean(x − s) over S stays where it was.
    private void FinishLazySync(List<ICoordinatorMessage> output)
    {
        var subset = Indices(_hasUpdatedLocalVector);
        MeanOver(subset);
        for (var j = 0; j < _d; j++)
        {
            _candidate[j] = _meanX[j] - _meanSlack[j];
        }

        AllocateSlacks(_candidate, subset);
        SyncNodes(subset, full: false, output);
        foreach (var node in subset)
        {
            _lruCounters[node] += 1;
        }

        Statistics.LazySyncs++;
    }

    // Reference _update_neighborhood (ADCD-X with a neighbourhood only): double after too many Domain violations, re-centre.
    private void UpdateNeighborhood()
    {
        if (IsHessianConstant || _initialNeighborhoodSize == -1)
        {
            return; // also every competitor: its neighbourhood size is −1
        }

        if (NeighborhoodUpdateRequired)
        {
            _neighborhoodSize *= 2;
            _consecutiveDomainViolations = 0;
        }

        _neighborhood = BoxDomain.Neighborhood(_x0, _neighborhoodSize, _domain);
    }

    private void AllocateSlacks(ReadOnlySpan<double> reference, List<int> nodes)
    {
        foreach (var node in nodes)
        {
            var slack = _slacks[node];
            if (_options.SlackType == SlackType.Drift)
            {
                var x = _localVectors[node];
                for (var j = 0; j < _d; j++)
                {
                    slack[j] = x[j] - reference[j];
                }
            }
            else
            {
                Array.Clear(slack);
            }
        }
    }

    // Reference _sync_nodes / _sync_node: version = iteration + 1; the ADCD-E matrix goes only to nodes that lack it.
    private void SyncNodes(List<int> nodes, bool full, List<ICoordinatorMessage> output)
    {
        Statistics.SyncBroadcastMessages++;
        Statistics.SyncMessages += nodes.Count;
        var x0 = full ? ImmutableArray.Create<double>(_x0) : default;
        var scalarArgument = full && !IsHessianConstant ? ImmutableArray.Create(_extremeEigenvalue) : default;
        foreach (var node in nodes)
        {
            var version = ConstraintVersionAt(Iteration);
            _constraintVersions[node] = version;
            // A full sync's drift slack is x_i − x0 of the vector the node sent: nodes that derive it get none.
            var slack = full && _options.NodesDeriveSyncSlack && _options.SlackType == SlackType.Drift
                ? ImmutableArray<double>.Empty
                : ImmutableArray.Create<double>(_slacks[node]);
            if (full)
            {
                ImmutableArray<double> argument;
                if (_competitor is not null)
                {
                    argument = default;
                }
                else if (IsHessianConstant)
                {
                    argument = _hasSignedHessian[node] ? ImmutableArray<double>.Empty : _signedHessian;
                    _hasSignedHessian[node] = true;
                }
                else
                {
                    argument = scalarArgument;
                }

                output.Add(new Sync(node, version, x0, slack, LowerThreshold, UpperThreshold, _neighborhoodSize, _dcType, argument)
                {
                    IsPlain = _competitor is not null,
                });
            }
            else
            {
                output.Add(new LazySync(node, version, slack));
            }

            _hasViolation[node] = false;
        }

        Debug.Assert(Array.IndexOf(_hasViolation, true) < 0, "After a sync no node has a pending violation.");
        Array.Copy(_hasViolation, _hasViolationBefore, _n);
    }

    private void SyncVerifier()
    {
        // The verifier's box is built exactly as a node builds its own from the Sync message.
        var box = _neighborhoodSize > 0 ? BoxDomain.Neighborhood(_x0, _neighborhoodSize, _domain) : _domain;
        if (_competitor is not null)
        {
            _competitor.Sync(_x0, LowerThreshold, UpperThreshold);
        }
        else if (IsHessianConstant)
        {
            _verifier.Sync(_x0, LowerThreshold, UpperThreshold, _dcType, _signedHessian.AsSpan(), box);
        }
        else
        {
            _verifier.Sync(_x0, LowerThreshold, UpperThreshold, _dcType, _extremeEigenvalue, box);
        }
    }

    private List<int> AllNodes()
    {
        var all = new List<int>(_n);
        for (var i = 0; i < _n; i++)
        {
            all.Add(i);
        }

        return all;
    }

    private static List<int> Indices(bool[] flags, bool value = true)
    {
        var result = new List<int>();
        for (var i = 0; i < flags.Length; i++)
        {
            if (flags[i] == value)
            {
                result.Add(i);
            }
        }

        return result;
    }

    private static double[][] NewMatrix(int rows, int columns)
    {
        var matrix = new double[rows][];
        for (var i = 0; i < rows; i++)
        {
            matrix[i] = new double[columns];
        }

        return matrix;
    }
}
