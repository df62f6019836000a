using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using AutoMon.Grains.Experiments;
using AutoMon.Numerics.Functions;

namespace AutoMon.Grains.Hosting;

/// <summary>
/// Per silo: the configuration of every experiment that has a grain here, and the wire bytes of the protocol calls this silo
/// sent or received for it. The grain-call filters (WAN latency, wire bytes) look experiments up here by grain key.
/// </summary>
public sealed class ExperimentRegistry
{
    private readonly ConcurrentDictionary<string, ExperimentConfig> _configs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WireCounter> _wire = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SharedFunction> _functions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ImmutableArray<double>> _matrices = new(StringComparer.Ordinal);

    /// <summary>Records that <paramref name="experimentId"/> runs with <paramref name="config"/> (a grain of it is here).</summary>
    public void Register(string experimentId, ExperimentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _configs[experimentId] = config;
    }

    /// <summary>The configuration of <paramref name="experimentId"/>, if a grain of it registered on this silo.</summary>
    public ExperimentConfig? Find(string experimentId) => _configs.GetValueOrDefault(experimentId);

    /// <summary>
    /// The monitored function of <paramref name="experimentId"/> as <paramref name="config"/> builds it, one per silo: the
    /// node grains here share its graph (it evaluates with one evaluator per thread) instead of building 10,000 copies.
    /// </summary>
    public MonitoredFunction Function(string experimentId, ExperimentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var shared = _functions.GetOrAdd(experimentId, static (_, c) => new SharedFunction(c, c.Function.Create()), config);
        if (SameFunction(shared.Spec, config.Function))
        {
            return shared.Function;
        }

        // Another function under the same id (a new experiment reusing it): the latest wins.
        var rebuilt = new SharedFunction(config, config.Function.Create());
        _functions[experimentId] = rebuilt;
        return rebuilt.Function;
    }

    // Each grain call deserializes its own copy of the configuration, H matrix included: compare it by value.
    private static bool SameFunction(FunctionSpec a, FunctionSpec b) =>
        a == b || ((a with { HMatrix = [] }) == (b with { HMatrix = [] }) && a.HMatrix.AsSpan().SequenceEqual(b.HMatrix.AsSpan()));

    private sealed class SharedFunction(ExperimentConfig config, MonitoredFunction function)
    {
        public FunctionSpec Spec { get; } = config.Function;

        public MonitoredFunction Function { get; } = function;
    }

    /// <summary>
    /// <paramref name="matrix"/>, or the equal one (bit for bit) a grain of <paramref name="experimentId"/> on this silo
    /// was given last. Across processes every node's Sync arrives with its own copy of the coordinator's ADCD-E matrix
    /// (12.8 KB at d = 40); node grains that keep one instance also share its sparse form.
    /// </summary>
    public ImmutableArray<double> SharedMatrix(string experimentId, ImmutableArray<double> matrix)
    {
        var kept = _matrices.GetOrAdd(experimentId, matrix);
        if (kept == matrix || MemoryMarshal.AsBytes(kept.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(matrix.AsSpan())))
        {
            return kept;
        }

        // A new constraint's matrix: the latest is the one the syncs that follow bring.
        _matrices[experimentId] = matrix;
        return matrix;
    }

    /// <summary>Drops what this silo keeps of <paramref name="experimentId"/>: its settings, shared function and matrix, wire tally.</summary>
    public void Forget(string experimentId)
    {
        _configs.TryRemove(experimentId, out _);
        _functions.TryRemove(experimentId, out _);
        _matrices.TryRemove(experimentId, out _);
        _wire.TryRemove(experimentId, out _);
    }

    /// <summary>The wire-byte tally of <paramref name="experimentId"/> on this silo.</summary>
    public WireCounter Wire(string experimentId) => _wire.GetOrAdd(experimentId, static _ => new WireCounter());
}

/// <summary>A thread-safe tally of Orleans messages and their header and body bytes.</summary>
public sealed class WireCounter
{
    private long _messages;
    private long _headerBytes;
    private long _bodyBytes;

    /// <summary>Adds one message.</summary>
    public void Add(int headerBytes, int bodyBytes)
    {
        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _headerBytes, headerBytes);
        Interlocked.Add(ref _bodyBytes, bodyBytes);
    }

    /// <summary>Adds a tally taken elsewhere (a coordinator restored on this silo continues its predecessor's).</summary>
    public void Add(WireTraffic traffic)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        Interlocked.Add(ref _messages, traffic.Messages);
        Interlocked.Add(ref _headerBytes, traffic.HeaderBytes);
        Interlocked.Add(ref _bodyBytes, traffic.BodyBytes);
    }

    /// <summary>The tally so far.</summary>
    public WireTraffic Snapshot() => new()
    {
        Messages = Interlocked.Read(ref _messages),
        HeaderBytes = Interlocked.Read(ref _headerBytes),
        BodyBytes = Interlocked.Read(ref _bodyBytes),
    };
}
