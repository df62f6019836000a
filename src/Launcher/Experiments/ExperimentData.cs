using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Numerics.Functions;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Data.Files;

namespace AutoMon.Launcher.Experiments;

/// <summary>A workload's function and data, ready for every error bound of a sweep.</summary>
/// <param name="Function">f with its domain and range.</param>
/// <param name="StreamKind">How rows become local vectors.</param>
/// <param name="Data">The rows (tuning prefix first when <paramref name="TuningIterations"/> &gt; 0).</param>
/// <param name="Iterations">Monitored data points per node (dnn: rows in total).</param>
/// <param name="TuningIterations">Neighbourhood-tuning data points per node at the start of <paramref name="Data"/>.</param>
/// <param name="Source">Where the data came from.</param>
/// <param name="Recipe">The function's catalog name and options.</param>
internal sealed record WorkloadData(MonitoredFunction Function, StreamKind StreamKind, DataSet Data, int Iterations, int TuningIterations, string Source)
{
    public required FunctionSpec Recipe { get; init; }
}

/// <summary>
/// Builds <see cref="WorkloadData"/>: from the seeded generators by default, or from the reference's data files with
/// <c>--data-dir</c> (its <c>datasets/</c> layout: <c>inner_product/data_file.txt</c>, <c>quadratic/data_file.txt</c> and
/// <c>H_matrix.txt</c>, <c>air_quality/PRSA_Data_*.csv</c>, <c>intrusion_detection/corrected</c>).
/// </summary>
internal static class ExperimentData
{
    /// <summary>
    /// The node counts a workload's data is made for, and enough iterations to fill every window before monitoring starts
    /// (with single-sample rounds one node a round); shared by local runs and the AWS coordinator's plan.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the option and what it must be.</exception>
    public static void ValidateShape(ExperimentPreset preset, int nodes, int iterations, int window, bool singleSampleRounds)
    {
        ArgumentNullException.ThrowIfNull(preset);
        if (preset.Workload == Workload.IntrusionDetection && nodes != IntrusionDetectionSplit.NodeCount)
        {
            throw new ArgumentException($"dnn splits the connection records over {IntrusionDetectionSplit.NodeCount} nodes by service; --nodes is {nodes}.");
        }

        if (preset.Workload == Workload.QuadraticInverse && nodes != 4)
        {
            throw new ArgumentException($"quadratic_inverse's data is made for 4 nodes; --nodes is {nodes}.");
        }

        var minimum = singleSampleRounds ? window * nodes + 1 : window + 1;
        if (iterations < minimum)
        {
            throw new ArgumentException(
                $"--iterations must be at least {minimum} for {preset.NodeType} (every window of {window} must fill before monitoring starts); got {iterations}.");
        }
    }

    /// <summary>The function and rows of <paramref name="run"/> (the preset applied), checked against the workload's shape.</summary>
    public static WorkloadData Load(ExperimentPreset preset, RunDefinition run)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(run);
        if (run.Nodes < 1)
        {
            throw new ArgumentException($"--nodes must be at least 1; got {run.Nodes}.");
        }

        ValidateShape(preset, run.Nodes, run.Iterations, run.Window, run.SingleSampleRounds);
        var inputs = RunInputs.Load(run);
        return new WorkloadData(inputs.Function, inputs.StreamKind, inputs.Data, run.Iterations, inputs.TuningIterations, inputs.Source) { Recipe = inputs.Spec };
    }
}
