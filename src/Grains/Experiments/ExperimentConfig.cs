using System.Collections.Immutable;
using System.Globalization;
using AutoMon.Numerics;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Experiments;

/// <summary>How an experiment's data reaches the nodes.</summary>
public enum Pacing
{
    /// <summary>
    /// Rounds as in the simulation: a round starts when the previous round's syncs are done, so the results equal
    /// <see cref="Simulator.Run"/> exactly (counters, sync history, bytes).
    /// </summary>
    Lockstep = 0,

    /// <summary>
    /// Every node grain updates on its own timer every <see cref="ExperimentConfig.RoundInterval"/> and reports violations
    /// to the coordinator as they happen, like the paper's AWS run: results are close to the simulation, not equal to it.
    /// </summary>
    Paced = 1,
}

/// <summary>
/// A monitored function by catalog name (<see cref="FunctionCatalog"/>) with the parameters that make it the same on every
/// silo: the coordinator grain and every node grain build their own copy from this spec.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.FunctionSpec")]
public sealed record FunctionSpec
{
    /// <summary>Catalog name, e.g. <c>inner_product</c>, <c>quadratic</c>.</summary>
    [Id(0)]
    public required string Name { get; init; }

    /// <summary>d; null takes the catalog's default.</summary>
    [Id(1)]
    public int? Dimension { get; init; }

    /// <summary>Seed of parameters not given (quadratic H, network weights).</summary>
    [Id(2)]
    public int Seed { get; init; }

    /// <summary>Quadratic: H row-major (d×d); empty draws it from <see cref="Seed"/> or reads <see cref="HMatrixPath"/>.</summary>
    [Id(3)]
    public ImmutableArray<double> HMatrix { get; init; } = [];

    /// <summary>Quadratic: an H file every silo can read.</summary>
    [Id(4)]
    public string? HMatrixPath { get; init; }

    /// <summary>mlp/dnn: a weights file every silo can read.</summary>
    [Id(5)]
    public string? WeightsPath { get; init; }

    /// <summary>Overrides the catalog's domain (per-coordinate [low, high]) when both bounds are given.</summary>
    [Id(6)]
    public double? DomainLow { get; init; }

    /// <summary>See <see cref="DomainLow"/>.</summary>
    [Id(7)]
    public double? DomainHigh { get; init; }

    /// <summary>Overrides the catalog's lower bound of f.</summary>
    [Id(8)]
    public double? MinValue { get; init; }

    /// <summary>Overrides the catalog's upper bound of f.</summary>
    [Id(9)]
    public double? MaxValue { get; init; }

    /// <summary>
    /// mlp/dnn: the weights .npz itself (takes precedence over <see cref="WeightsPath"/>), for silos on machines that do not
    /// have the file.
    /// </summary>
    [Id(10)]
    public ImmutableArray<byte> WeightsNpz { get; init; } = [];

    /// <summary>Builds the function (the same on every call).</summary>
    /// <exception cref="ArgumentException">Unknown name, wrong dimension, an H that is not d×d, a half-given domain.</exception>
    public MonitoredFunction Create()
    {
        double[,]? h = null;
        if (!HMatrix.IsDefaultOrEmpty)
        {
            var d = (int)Math.Round(Math.Sqrt(HMatrix.Length));
            if (d * d != HMatrix.Length)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The H matrix has {HMatrix.Length} values, not a square number."));
            }

            h = new double[d, d];
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    h[i, j] = HMatrix[(i * d) + j];
                }
            }
        }

        var function = FunctionCatalog.Create(Name, new FunctionOptions
        {
            Dimension = Dimension,
            Seed = Seed,
            HMatrix = h,
            HMatrixPath = HMatrixPath,
            WeightsPath = WeightsPath,
            WeightsNpz = WeightsNpz.IsDefaultOrEmpty ? null : [.. WeightsNpz],
        });
        if (DomainLow.HasValue != DomainHigh.HasValue)
        {
            throw new ArgumentException("A domain needs both bounds (DomainLow and DomainHigh).");
        }

        if (DomainLow is { } noLow && DomainHigh is { } noHigh && double.IsNegativeInfinity(noLow) && double.IsPositiveInfinity(noHigh))
        {
            // Unbounded both ways: no domain at all (simulate --domain none).
            function = function with { Domain = null };
        }
        else if (DomainLow is { } low && DomainHigh is { } high)
        {
            if (!(low < high))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The domain [{low}, {high}] is empty."));
            }

            function = function with { Domain = (low, high) };
        }

        return function with { MinValue = MinValue ?? function.MinValue, MaxValue = MaxValue ?? function.MaxValue };
    }
}

/// <summary>
/// Everything that defines an experiment except its data: the simulate command's settings plus how the grains are paced.
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Grains.ExperimentConfig")]
public sealed record ExperimentConfig
{
    /// <summary>The monitored function.</summary>
    [Id(0)]
    public required FunctionSpec Function { get; init; }

    /// <summary>Number of node grains n.</summary>
    [Id(1)]
    public required int NodeCount { get; init; }

    /// <summary>How rows become local vectors.</summary>
    [Id(2)]
    public required StreamKind StreamKind { get; init; }

    /// <summary>Sliding-window size W.</summary>
    [Id(3)]
    public required int WindowSize { get; init; }

    /// <summary>Additive error bound ε.</summary>
    [Id(4)]
    public required double ErrorBound { get; init; }

    /// <summary>Slack type.</summary>
    [Id(5)]
    public SlackType SlackType { get; init; } = SlackType.Drift;

    /// <summary>Sync type.</summary>
    [Id(6)]
    public SyncType SyncType { get; init; } = SyncType.LazyLRU;

    /// <summary>Initial neighbourhood size for ADCD-X (null: none).</summary>
    [Id(7)]
    public double? NeighborhoodSize { get; init; }

    /// <summary>Close a round after every data point (the reference's DNN experiment).</summary>
    [Id(8)]
    public bool SingleSampleRounds { get; init; }

    /// <summary>S_max as a fraction of n.</summary>
    [Id(9)]
    public double LazySyncMaxFraction { get; init; } = 0.5;

    /// <summary>Seed of the coordinator's numpy-compatible generator.</summary>
    [Id(10)]
    public uint RandomSeed { get; init; } = 1;

    /// <summary>ADCD-X search iterations (null: the reference's 5).</summary>
    [Id(11)]
    public int? AdcdXMaxIterations { get; init; }

    /// <summary>Period of the periodic baseline (null: matched to AutoMon's messages).</summary>
    [Id(12)]
    public int? PeriodicBaselinePeriod { get; init; }

    /// <summary>Lockstep (equal to the simulation) or paced (every node on its own timer).</summary>
    [Id(13)]
    public Pacing Pacing { get; init; } = Pacing.Lockstep;

    /// <summary>Paced: time between two data updates of a node.</summary>
    [Id(14)]
    public TimeSpan RoundInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Paced: extra time the coordinator takes before sending a lazy sync (the paper's measured latency).</summary>
    [Id(15)]
    public TimeSpan LazySyncLatency { get; init; }

    /// <summary>Paced: extra time the coordinator takes before sending a full sync.</summary>
    [Id(16)]
    public TimeSpan FullSyncLatency { get; init; }

    /// <summary>
    /// Emulated one-way delay of every message between the coordinator grain and a node grain (the two regions of the
    /// paper's deployment); applied by a grain-call filter. Zero: none.
    /// </summary>
    [Id(17)]
    public TimeSpan WanLatency { get; init; }

    /// <summary>
    /// The adaptive fallback (<see cref="CoordinatorOptions.Adaptive"/>): never costlier than centralisation. Monitors (on by
    /// default) and the simulation engine; experiments on the grains run the paper's protocol.
    /// </summary>
    [Id(18)]
    public bool Adaptive { get; init; }

    /// <summary>Every problem with these settings, each naming the setting; empty when valid. Does not build the function.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (NodeCount < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the node count must be at least 1; got {NodeCount}"));
        }

        if (WindowSize < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the window size must be at least 1; got {WindowSize}"));
        }

        if (!(ErrorBound > 0) || double.IsInfinity(ErrorBound))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the error bound must be a positive finite number; got {ErrorBound}"));
        }

        if (!Enum.IsDefined(Pacing) || !Enum.IsDefined(StreamKind) || !Enum.IsDefined(SlackType) || !Enum.IsDefined(SyncType))
        {
            problems.Add("unknown pacing, stream kind, slack type or sync type");
        }

        if (Pacing == Pacing.Paced && RoundInterval <= TimeSpan.Zero)
        {
            problems.Add($"paced experiments need a positive round interval; got {RoundInterval}");
        }

        if (RoundInterval < TimeSpan.Zero || LazySyncLatency < TimeSpan.Zero || FullSyncLatency < TimeSpan.Zero || WanLatency < TimeSpan.Zero)
        {
            problems.Add("intervals and latencies cannot be negative");
        }

        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem of <see cref="Validate"/>.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid experiment configuration: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>The in-process simulation with the same settings (the reference the lockstep mode must equal).</summary>
    public SimulationOptions ToSimulationOptions(MonitoredFunction function) => new()
    {
        Function = function,
        StreamKind = StreamKind,
        WindowSize = WindowSize,
        ErrorBound = ErrorBound,
        SlackType = SlackType,
        SyncType = SyncType,
        NeighborhoodSize = NeighborhoodSize,
        SingleSampleRounds = SingleSampleRounds,
        LazySyncMaxFraction = LazySyncMaxFraction,
        RandomSeed = RandomSeed,
        ExtremeEigenvalueOptions = AdcdXMaxIterations is { } iterations ? new ExtremeEigenvalueOptions { MaxIterations = iterations } : null,
        PeriodicBaselinePeriod = PeriodicBaselinePeriod,
        Adaptive = Adaptive,
    };

    /// <summary>The coordinator's options: rounds as the clock in lockstep, completed syncs when paced (the reference's distributed mode).</summary>
    internal CoordinatorOptions ToCoordinatorOptions(MonitoredFunction function) =>
        ToSimulationOptions(function).CoordinatorOptions(NodeCount) with
        {
            IterationClock = Pacing == Pacing.Lockstep ? IterationClock.Rounds : IterationClock.Syncs,

            // Grain nodes take points while an exchange runs: the coordinator's x_i need not be the node's last sent.
            NodesDeriveSyncSlack = false,
        };
}
