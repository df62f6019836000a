using System.Globalization;
using System.Text.Json;
using AutoMon.Grains.Results;
using AutoMon.Launcher.Experiments;
using AutoMon.Launcher.Results;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Launcher.Aws;

/// <summary>One AWS experiment's results as read back from its downloaded folder.</summary>
/// <param name="Experiment">The experiment of the plan.</param>
/// <param name="Row">Its results.csv row.</param>
/// <param name="Rounds">function_values.csv: per round (paced: per checkpoint) f(x̄), the estimate and the thresholds.</param>
/// <param name="NodeCount">n: the nodes the coordinator reported (nodes_per_silo), else the plan's.</param>
/// <param name="Dimension">d: the length of x0 in sync_history.csv.</param>
/// <param name="PerRound">Lockstep: <see cref="Rounds"/> has every round, so the periodic baseline can be replayed on it.</param>
/// <param name="Checkpoints">Paced: checkpoint_values.csv, the settled checkpoints (null when the download has none).</param>
internal sealed record AwsExperimentResults(AwsExperiment Experiment, SweepRow Row, IReadOnlyList<RoundValue> Rounds, int NodeCount, int Dimension,
    bool PerRound, IReadOnlyList<RoundValue>? Checkpoints = null);

/// <summary>What <see cref="AwsSweepResults.Write"/> made of a download.</summary>
/// <param name="Folder">The download folder, where results.csv and the sweep's figures are.</param>
/// <param name="Rows">results.csv's rows, in the plan's order.</param>
/// <param name="Figures">PNG files written.</param>
/// <param name="Failures">Experiments whose results could not be read, each with the file and the reason.</param>
/// <param name="Notes">Figures or curves that could not be made, and why.</param>
internal sealed record AwsSweepOutcome(string Folder, IReadOnlyList<SweepRow> Rows, IReadOnlyList<string> Figures, IReadOnlyList<string> Failures,
    IReadOnlyList<string> Notes);

/// <summary>
/// Turns a <c>--block</c> download into what a local sweep leaves (<see cref="ExperimentSweep"/>): results.csv, the max error
/// vs messages and vs bytes figures (AutoMon, periodic, centralisation) and per error bound the function value with
/// AutoMon's estimate and thresholds (paced runs: and the settled checkpoints, checkpoint_values.png). The coordinator silo uploads the grains' files (<c>SummaryJson</c>) under
/// <c>coordinator/</c>: summary.json (counters, errors, bytes, wire bytes, pacing, nodes per silo), function_values.csv and
/// sync_history.csv. summary.json has no baselines and no d, so they are computed here as the simulator's summary computes
/// them (<see cref="Baselines"/>), from function_values.csv and the length of x0 in sync_history.csv.
/// </summary>
internal static class AwsSweepResults
{
    /// <summary>The folder, below an experiment's, that the coordinator uploads its files to.</summary>
    public const string CoordinatorFolder = AwsNaming.CoordinatorResultsFolder;

    /// <summary>
    /// Reads every experiment of <paramref name="plan"/> from <paramref name="folder"/>/&lt;ResultsFolder&gt;/coordinator/ and
    /// writes results.csv and the figures. An experiment whose files are missing or unreadable is reported in
    /// <see cref="AwsSweepOutcome.Failures"/>; the others are still written.
    /// </summary>
    public static AwsSweepOutcome Write(AwsExperimentPlan plan, ExperimentPreset preset, string folder)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var results = new List<AwsExperimentResults>();
        var failures = new List<string>();
        foreach (var experiment in plan.Experiments)
        {
            try
            {
                results.Add(Read(plan, preset, experiment, Path.Combine(folder, experiment.ResultsFolder)));
            }
            catch (InvalidDataException e)
            {
                failures.Add($"{experiment.Name}: {e.Message}");
            }
        }

        var figures = new List<string>();
        var notes = new List<string>();
        if (results.Count == 0)
        {
            return new AwsSweepOutcome(folder, [], figures, failures, notes);
        }

        var rows = results.Select(r => r.Row).ToList();
        AtomicFile.WriteAllText(Path.Combine(folder, ExperimentSweep.ResultsCsv), SweepRow.Csv(rows));
        foreach (var result in results)
        {
            var path = Path.Combine(folder, result.Experiment.ResultsFolder, ExperimentSweep.FunctionValuesPng);
            Figures.SaveFunctionValues(path, FunctionTitle(plan, result), result.Rounds);
            figures.Add(path);
            if (result.Checkpoints is { } checkpoints)
            {
                figures.Add(ExperimentSweep.SaveCheckpointValues(Path.GetDirectoryName(path)!, FunctionTitle(plan, result), checkpoints));
            }
        }

        figures.AddRange(WriteSweepFigures(plan, preset, folder, results, notes));
        return new AwsSweepOutcome(folder, rows, figures, failures, notes);
    }

    /// <summary>Reads one experiment's downloaded files; <see cref="InvalidDataException"/> names the file that is missing or wrong.</summary>
    internal static AwsExperimentResults Read(AwsExperimentPlan plan, ExperimentPreset preset, AwsExperiment experiment, string experimentFolder)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(experiment);
        var coordinator = Path.Combine(experimentFolder, CoordinatorFolder);
        var summaryPath = Path.Combine(coordinator, ResultFiles.Summary);
        using var document = ParseJson(summaryPath);
        var summary = new Summary(document.RootElement, summaryPath);
        var rounds = ReadFunctionValues(Path.Combine(coordinator, ResultFiles.FunctionValues));
        var d = ReadDimension(Path.Combine(coordinator, ResultFiles.SyncHistory));

        var n = summary.NodeCount ?? plan.Run.Nodes;
        var messages = summary.Long("total_msgs_broadcast_disabled");
        var dataUpdates = summary.Long("data_updates");
        // Paced coordinators write every data round's error (the paper's measure) beside their checkpoints; older ones wrote
        // the checkpoints only.
        var checkpointsPath = Path.Combine(coordinator, ResultFiles.CheckpointValues);
        var checkpoints = File.Exists(checkpointsPath) ? ReadFunctionValues(checkpointsPath) : null;
        var perRound = summary.Pacing != "paced" || checkpoints is not null;
        var errorBound = experiment.ErrorBound;

        // As the simulator's summary: centralisation from the rounds; periodic with AutoMon's message budget and the oracle
        // replayed on every round's f(x̄). Paced runs have f(x̄) at checkpoints only: centralisation is every data update
        // sent, and there is nothing to replay the periodic baseline on.
        BaselineResult centralization;
        BaselineResult? periodic = null, oracle = null;
        if (perRound)
        {
            centralization = Baselines.Centralization(rounds, n, d, preset.SingleSampleRounds);
            periodic = Baselines.Periodic(rounds, Baselines.EquivalentPeriod(messages, rounds.Count, n), n, d);
            if (!double.IsNaN(errorBound))
            {
                oracle = Baselines.Periodic(rounds, Baselines.OraclePeriod(rounds, errorBound, n, d), n, d);
            }
        }
        else
        {
            centralization = new BaselineResult("centralization", 1, dataUpdates, dataUpdates * DataUpdate.SizeFor(d), 0, 0);
        }

        var row = new SweepRow(
            errorBound,
            summary.Double("max_error"),
            summary.Double("mean_error"),
            messages,
            summary.Long("bytes_sent") + summary.Long("bytes_received"),
            summary.OptionalLong("wire_bytes"),
            (int)summary.Long("rounds"),
            (int)summary.Long("full_syncs"),
            summary.Long("lazy_syncs"),
            // The grains' summary does not report the ADCD-X neighbourhood: left empty rather than guessed.
            double.NaN,
            centralization.Messages,
            centralization.Bytes,
            periodic?.Period ?? 0,
            periodic?.MaxError ?? double.NaN,
            oracle?.Period ?? 0,
            oracle?.Messages ?? 0,
            summary.Double("wall_seconds"),
            experiment.ResultsFolder);
        return new AwsExperimentResults(experiment, row, rounds, n, d, perRound, checkpoints);
    }

    private static List<string> WriteSweepFigures(AwsExperimentPlan plan, ExperimentPreset preset, string folder, List<AwsExperimentResults> results,
        List<string> notes)
    {
        var files = new List<string>();

        // The true values do not depend on ε: any run's rounds give the periodic curve.
        var reference = results[0];
        var periodic = reference.PerRound
            ? BaselineCurves.Periodic(reference.Rounds, preset.PeriodicPeriods, reference.NodeCount, reference.Dimension)
            : [];
        if (!reference.PerRound)
        {
            notes.Add($"{ExperimentSweep.ErrorVsMessagesPng} and {ExperimentSweep.ErrorVsBytesPng} have no periodic curve: the runs were paced, " +
                      $"so {ResultFiles.FunctionValues} holds checkpoints, not every round's f(x̄) to replay the periodic baseline on.");
        }

        var title = string.Create(CultureInfo.InvariantCulture, $"{plan.NodeType} (n={reference.NodeCount}, d={reference.Dimension}, aws)");
        var (byMessages, byBytes) = SweepCostFigures.Of(plan.NodeType, title, results.Select(r => r.Row).ToList(), periodic, reference.Row);
        var path = Path.Combine(folder, ExperimentSweep.ErrorVsMessagesPng);
        Figures.SaveErrorVsCost(path, byMessages, "messages");
        files.Add(path);
        path = Path.Combine(folder, ExperimentSweep.ErrorVsBytesPng);
        Figures.SaveErrorVsCost(path, byBytes, "bytes");
        files.Add(path);

        // The sweep's function-value figure: the workload's default error bound when it ran, else the middle one.
        var highlight = results.FirstOrDefault(r => r.Experiment.ErrorBound.Equals(preset.HighlightErrorBound), results[results.Count / 2]);
        path = Path.Combine(folder, ExperimentSweep.FunctionValuesPng);
        Figures.SaveFunctionValues(path, FunctionTitle(plan, highlight), highlight.Rounds);
        files.Add(path);
        return files;
    }

    private static string FunctionTitle(AwsExperimentPlan plan, AwsExperimentResults result) =>
        string.Create(CultureInfo.InvariantCulture, $"{plan.NodeType}, ε = {result.Experiment.ErrorBound:G4} (aws)");

    private static JsonDocument ParseJson(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path} is missing: the coordinator uploads it last, so the download is incomplete.", e);
        }

        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    private static List<RoundValue> ReadFunctionValues(string path)
    {
        var lines = ReadLines(path);
        if (lines.Count == 0 || lines[0].Trim() != ResultFiles.FunctionValuesHeader)
        {
            throw new InvalidDataException($"{path} does not start with the header '{ResultFiles.FunctionValuesHeader}'.");
        }

        var rounds = new List<RoundValue>(lines.Count - 1);
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var fields = lines[i].Split(',');
            if (fields.Length != 6 || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var round))
            {
                throw new InvalidDataException($"{path} line {i + 1}: expected 6 fields starting with the round, got '{lines[i]}'.");
            }

            var values = new double[5];
            for (var k = 0; k < 5; k++)
            {
                if (!double.TryParse(fields[k + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]))
                {
                    throw new InvalidDataException($"{path} line {i + 1}: '{fields[k + 1]}' is not a number.");
                }
            }

            rounds.Add(new RoundValue(round, values[0], values[1], values[2], values[3], values[4]));
        }

        if (rounds.Count == 0)
        {
            throw new InvalidDataException($"{path} has no rounds.");
        }

        return rounds;
    }

    // sync_history.csv rows are the iteration then x0's d coordinates; every AutoMon run starts with a full sync.
    private static int ReadDimension(string path)
    {
        var first = ReadLines(path).FirstOrDefault(l => l.Length > 0) ?? throw new InvalidDataException(
            $"{path} has no full sync, so d (the length of x0, needed for the baselines' bytes) is unknown.");
        var d = first.Split(',').Length - 1;
        return d >= 1 ? d : throw new InvalidDataException($"{path}: the first full sync '{first}' has no x0.");
    }

    private static List<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path).Select(l => l.TrimEnd('\r')).ToList();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path} is missing from the download.", e);
        }
    }

    /// <summary>summary.json's fields; a missing or mistyped one is an <see cref="InvalidDataException"/> naming the file.</summary>
    private sealed class Summary(JsonElement root, string path)
    {
        // Every node grain, wherever it ran: what the coordinator monitored, whatever the plan asked for.
        public int? NodeCount =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty("nodes_per_silo", out var silos) && silos.ValueKind == JsonValueKind.Object
                ? silos.EnumerateObject().Sum(p => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var nodes) && nodes >= 0
                    ? nodes
                    : throw new InvalidDataException($"{path}: nodes_per_silo '{p.Name}' is not a node count."))
                : null;

        public string? Pacing =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty("pacing", out var pacing) && pacing.ValueKind == JsonValueKind.String
                ? pacing.GetString()
                : null;

        public long Long(string name) =>
            Field(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out var number)
                ? number
                : throw new InvalidDataException($"{path}: '{name}' is not an integer.");

        public long? OptionalLong(string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out _) ? Long(name) : null;

        // The grains write null for a value that is not finite (JSON has no NaN); ResultFiles writes "Infinity"/"NaN".
        public double Double(string name) => Field(name) switch
        {
            { ValueKind: JsonValueKind.Number } value => value.GetDouble(),
            { ValueKind: JsonValueKind.Null } => double.NaN,
            { ValueKind: JsonValueKind.String } value when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
            _ => throw new InvalidDataException($"{path}: '{name}' is not a number."),
        };

        private JsonElement Field(string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value)
                ? value
                : throw new InvalidDataException($"{path} has no '{name}'.");
    }
}
