using System.Diagnostics;
using System.Globalization;
using AutoMon.Launcher.Results;
using AutoMon.Protocol;
using Spectre.Console;

namespace AutoMon.Launcher.Experiments;

/// <summary>Receives a sweep's progress, per experiment index.</summary>
internal interface ISweepProgress
{
    void Started(int index);

    void Report(int index, ExperimentProgress progress);

    void Finished(int index, SweepRow row);

    void Failed(int index, string reason);
}

/// <summary>
/// The console side of a run: a Spectre.Console progress bar on a terminal, plain lines when the output is redirected (or
/// a test's writer), and the summary table at the end.
/// </summary>
internal sealed class SweepDisplay
{
    public const string PaperMaxErrorColumn = "paper AWS max error";
    public const string PaperMessagesColumn = "paper AWS msgs";

    private readonly TextWriter _output;
    private readonly bool _interactive;
    private readonly IAnsiConsole _console;

    public SweepDisplay(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        _console = _interactive
            ? AnsiConsole.Console
            : AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(output),
            });
        if (!_interactive)
        {
            // A redirected console reports 80 columns; the summary table is wider.
            _console.Profile.Width = 160;
        }
    }

    /// <summary>Writes a line (plain text, no markup).</summary>
    public void Line(string text)
    {
        if (_interactive)
        {
            _console.WriteLine(text);
        }
        else
        {
            _output.WriteLine(text);
        }
    }

    /// <summary>Runs <paramref name="body"/> with a progress sink for experiments labelled <paramref name="labels"/>.</summary>
    public async Task<T> RunAsync<T>(string heading, IReadOnlyList<string> labels, Func<ISweepProgress, Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(body);
        if (!_interactive)
        {
            _output.WriteLine(heading);
            return await body(new PlainProgress(_output, labels)).ConfigureAwait(false);
        }

        _console.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
        return await _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = labels.Select(label => context.AddTask(Markup.Escape(label), autoStart: false, maxValue: 1)).ToArray();
                return await body(new BarProgress(tasks)).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// The summary table: per error bound, errors, messages, bytes and the reductions against the baselines, and the paper's
    /// AWS max error and messages at the error bounds where it published them.
    /// </summary>
    /// <param name="nodeType">The workload: the table's title, and whose paper AWS points (<see cref="PaperAwsResults"/>) it shows.</param>
    /// <param name="rows">One row per error bound.</param>
    /// <param name="centralization">A centralisation run: rounds, messages and bytes only.</param>
    public void SummaryTable(string nodeType, IReadOnlyList<SweepRow> rows, bool centralization)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var hasWire = rows.Any(r => r.WireBytes is not null);
        var hasPaper = !centralization && rows.Any(r => PaperAwsResults.TryGet(nodeType, r.ErrorBound, out _));
        var table = new Table { Border = _interactive ? TableBorder.Simple : TableBorder.Ascii2, Title = new TableTitle(Markup.Escape(nodeType)) };
        if (centralization)
        {
            table.AddColumns("rounds", "messages", "payload");
            if (hasWire)
            {
                table.AddColumn("wire");
            }

            foreach (var r in rows)
            {
                var cells = new List<string> { I(r.Rounds), I(r.Messages), Bytes(r.PayloadBytes) };
                if (hasWire)
                {
                    cells.Add(r.WireBytes is { } w ? Bytes(w) : "-");
                }

                table.AddRow(cells.ToArray());
            }
        }
        else
        {
            var hasAdaptive = rows.Any(r => r.Adaptive || r.Protocol != MonitoringProtocol.AutoMon);
            table.AddColumn("ε");
            if (hasAdaptive)
            {
                table.AddColumn("protocol");
            }

            table.AddColumns("max error", "messages", "payload");
            if (hasWire)
            {
                table.AddColumn("wire");
            }

            table.AddColumns("full syncs", "vs central.", "vs periodic", "time (s)");
            if (hasPaper)
            {
                table.AddColumns(PaperMaxErrorColumn, PaperMessagesColumn);
            }

            foreach (var column in table.Columns.Skip(1))
            {
                column.RightAligned();
            }

            foreach (var r in rows)
            {
                var cells = new List<string> { G(r.ErrorBound) };
                if (hasAdaptive)
                {
                    cells.Add(r.Adaptive ? "adaptive" : r.Protocol == MonitoringProtocol.AutoMon ? "AutoMon" : r.Protocol.Name().ToUpperInvariant());
                }

                cells.AddRange([G(r.MaxError), I(r.Messages), Bytes(r.PayloadBytes)]);
                if (hasWire)
                {
                    cells.Add(r.WireBytes is { } w ? Bytes(w) : "-");
                }

                cells.Add(I(r.FullSyncs));
                cells.Add(Times(r.ReductionVsCentralization));
                cells.Add(Times(r.ReductionVsPeriodic));
                cells.Add(r.WallSeconds.ToString("F1", CultureInfo.InvariantCulture));
                if (hasPaper)
                {
                    var published = PaperAwsResults.TryGet(nodeType, r.ErrorBound, out var paper) && !r.Adaptive
                        && r.Protocol == MonitoringProtocol.AutoMon;
                    cells.Add(published ? G(paper.MaxError) : string.Empty);
                    cells.Add(published ? I(paper.Messages) : string.Empty);
                }

                table.AddRow(cells.Select(Markup.Escape).ToArray());
            }

            table.Caption = new TableTitle(
                "payload: bytes in the reference's message layout; wire: what the transport carried. vs central.: centralisation's messages / AutoMon's; " +
                "vs periodic: messages of the largest period whose error stays within ε / AutoMon's" +
                (hasPaper ? "; paper AWS: the published AWS run at that ε (Sivan, Gabel, Schuster, AutoMon, SIGMOD 2022)" : string.Empty));
        }

        _console.Write(table);
    }

    internal static string Describe(SweepRow row) => double.IsNaN(row.ErrorBound)
        ? string.Create(CultureInfo.InvariantCulture, $"{row.Messages} messages, {row.PayloadBytes} bytes, {row.Rounds} rounds ({row.WallSeconds:F1} s)")
        : string.Create(CultureInfo.InvariantCulture,
            $"max error {G(row.MaxError)}, {row.Messages} messages (centralisation: {row.CentralizationMessages}), {row.FullSyncs} full syncs ({row.WallSeconds:F1} s)")
          + string.Concat(row.Faults.Select(f => string.Create(CultureInfo.InvariantCulture,
            $"; lost silo {f.Silo} at round {f.Round}: detected in {f.DetectionSeconds:F1} s, recovered in {f.RecoverySeconds:F1} s")
            + (f.UnguardedSeconds is { } unguarded
                ? string.Create(CultureInfo.InvariantCulture, $" (no guarantee for {unguarded:F1} s, {f.UnguardedRounds} rounds)")
                : string.Empty)));

    private static string G(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string I(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long v) => v switch
    {
        >= 10_000_000 => (v / 1e6).ToString("0", CultureInfo.InvariantCulture) + " MB",
        >= 1_000_000 => (v / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 10_000 => (v / 1e3).ToString("0", CultureInfo.InvariantCulture) + " kB",
        >= 1_000 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        _ => v.ToString(CultureInfo.InvariantCulture) + " B",
    };

    private static string Times(double v) =>
        double.IsNaN(v) ? "-" : double.IsPositiveInfinity(v) ? "∞" : v.ToString(v < 0.95 ? "0.0#" : "0.0", CultureInfo.InvariantCulture) + "×";

    /// <summary>One line per started, finished or failed experiment.</summary>
    private sealed class PlainProgress(TextWriter output, IReadOnlyList<string> labels) : ISweepProgress
    {
        private readonly Lock _gate = new();
        private int _done;

        public void Started(int index) => Write($"{labels[index]} ...");

        public void Report(int index, ExperimentProgress progress)
        {
        }

        public void Finished(int index, SweepRow row) => Write($"[{Interlocked.Increment(ref _done)}/{labels.Count}] {labels[index]}: {Describe(row)}");

        public void Failed(int index, string reason) => Write($"[{Interlocked.Increment(ref _done)}/{labels.Count}] {labels[index]}: FAILED: {reason}");

        private void Write(string line)
        {
            lock (_gate)
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>One progress bar per experiment; engines that report rounds move it, others jump at the end.</summary>
    private sealed class BarProgress(ProgressTask[] tasks) : ISweepProgress
    {
        private readonly long[] _started = new long[tasks.Length];

        public void Started(int index)
        {
            _started[index] = Stopwatch.GetTimestamp();
            tasks[index].StartTask();
            tasks[index].IsIndeterminate = true;
        }

        public void Report(int index, ExperimentProgress progress)
        {
            if (progress.Total > 1)
            {
                tasks[index].IsIndeterminate = false;
                tasks[index].MaxValue = progress.Total;
                tasks[index].Value = progress.Done;
            }
        }

        public void Finished(int index, SweepRow row)
        {
            var task = tasks[index];
            task.IsIndeterminate = false;
            task.Description = $"{task.Description} [green]{Markup.Escape(G(row.MaxError))} max error, {row.Messages} msgs[/]";
            task.Value = task.MaxValue;
            task.StopTask();
        }

        public void Failed(int index, string reason)
        {
            var task = tasks[index];
            task.IsIndeterminate = false;
            task.Description = $"{task.Description} [red]failed: {Markup.Escape(reason.Length > 60 ? reason[..60] + "…" : reason)}[/]";
            task.StopTask();
        }
    }
}
