using Pacing = AutoMon.Grains.Experiments.Pacing;
using System.Diagnostics;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Launcher.Experiments;

/// <summary>
/// The in-process engine: nodes and coordinator as plain objects in one thread with the reference's round semantics
/// (<see cref="Simulator"/>). Lockstep only; there is no network, so no wire bytes and no latencies.
/// </summary>
internal sealed class SimulationRunner : IExperimentRunner
{
    public const string Name = "simulation";

    public string Engine => Name;

    public void Validate(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var network = spec.Network;
        if (network.Pacing != Pacing.Lockstep)
        {
            throw new ArgumentException("--pacing paced needs a cluster engine; the simulation engine runs lockstep rounds only.");
        }

        if (!network.IsDefault)
        {
            throw new ArgumentException("--lazy-sync-latency, --full-sync-latency, --wan-latency and --round-interval need --engine grains; the simulation engine has no network.");
        }
    }

    public Task<ExperimentResult> RunAsync(ExperimentSpec spec, IProgress<ExperimentProgress>? progress, CancellationToken cancellationToken)
    {
        Validate(spec);
        cancellationToken.ThrowIfCancellationRequested();

        // The simulation is one synchronous loop; run it off the caller's thread so the progress display keeps drawing.
        return Task.Run(() =>
        {
            progress?.Report(new ExperimentProgress(0, 1, "running"));
            var result = spec.Mode == ExperimentMode.Centralization
                ? ExperimentResult.ForCentralization(Engine, RunCentralization(spec))
                : ExperimentResult.ForAutoMon(Engine, Simulator.Run(spec.ToSimulationOptions(), spec.Data));
            progress?.Report(new ExperimentProgress(1, 1, "done"));
            return result;
        }, cancellationToken);
    }

    /// <summary>
    /// Centralisation on the same rounds as <see cref="Simulator"/>: every node sends its local vector on every update
    /// (all n in round 0), so the coordinator always knows x̄ and its estimate is exact.
    /// </summary>
    internal static CentralizationResult RunCentralization(ExperimentSpec spec)
    {
        var data = spec.Data.TuningRowCount > 0 ? spec.Data.MonitoringPart() : spec.Data;
        var d = spec.Function.Dimension;
        var n = data.NodeCount;
        var evaluator = spec.Function.Function.CreateEvaluator();
        var feed = new DataFeed(data, spec.StreamKind, d, spec.WindowSize);
        feed.FillAllWindows();
        var global = new double[d];
        var rounds = new List<RoundValue>();
        var start = Stopwatch.GetTimestamp();

        long messages = n;
        CloseRound();
        var point = 0;
        while (feed.TryAdvance(out _))
        {
            messages++;
            if (spec.SingleSampleRounds || point % n == n - 1)
            {
                CloseRound();
            }

            point++;
        }

        var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new CentralizationResult(rounds, messages, messages * DataUpdate.SizeFor(d), n, d, wall);

        void CloseRound()
        {
            feed.CopyGlobalVector(global);
            var value = evaluator.Value(global);
            rounds.Add(new RoundValue(rounds.Count, value, value, 0, value, value));
        }
    }
}
