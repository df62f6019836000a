using System.Diagnostics;
using System.Text;

namespace AutoMon.Silos.Local;

/// <summary>
/// A process the launcher supervises (a silo, the local DynamoDB): its output goes to a log file (when given) and the last
/// lines stay in memory for error messages; its stdin stays open so it can watch for the launcher going away; disposing
/// closes stdin, waits a little for a graceful exit, then kills the process tree.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int TailLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly StreamWriter? _log;
    private readonly Func<string, bool>? _readyLine;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DateTime> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    private ChildProcess(string name, Process process, StreamWriter? log, Func<string, bool>? readyLine)
    {
        Name = name;
        _process = process;
        _log = log;
        _readyLine = readyLine;
    }

    /// <summary>What the launcher calls it (e.g. node-2).</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Completes with the time (UTC) the process exited, however it ended.</summary>
    public Task<DateTime> Exited => _exited.Task;

    /// <summary>When (UTC) <see cref="StopAsync"/> asked the process to stop; null until then.</summary>
    public DateTime? StopRequestedAt { get; private set; }

    /// <summary>When (UTC) <see cref="StopAsync"/> saw the process gone, stopped or killed; null until then.</summary>
    public DateTime? StoppedAt { get; private set; }

    /// <summary>The log file, when output is kept.</summary>
    public string? LogPath { get; private init; }

    /// <summary>Starts <paramref name="start"/>; <paramref name="readyLine"/> recognises the output line that says it is up.</summary>
    /// <exception cref="InvalidOperationException">The program could not be started (not installed); the message names it.</exception>
    public static ChildProcess Start(string name, ProcessStartInfo start, string? logPath, Func<string, bool>? readyLine)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        StreamWriter? log = null;
        if (logPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
            log = new StreamWriter(logPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true };
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: {start.FileName} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log?.Dispose();
            throw new InvalidOperationException($"{name}: cannot run {start.FileName}: {e.Message}", e);
        }

        var child = new ChildProcess(name, process, log, readyLine) { LogPath = logPath };
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            child._exited.TrySetResult(DateTime.UtcNow);
            child._ready.TrySetException(new InvalidOperationException(child.Describe("exited before it was ready")));
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (process.HasExited)
        {
            child._exited.TrySetResult(DateTime.UtcNow);
            child._ready.TrySetException(new InvalidOperationException(child.Describe("exited before it was ready")));
        }

        return child;
    }

    /// <summary>Waits for the ready line; the line itself. Fails if the process exits first or <paramref name="timeout"/> passes.</summary>
    public async Task<string> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await _ready.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(Describe($"was not ready within {timeout.TotalSeconds:F0} s"));
        }
    }

    /// <summary>"<paramref name="what"/>", the exit code if it exited, where the log is, and its last lines.</summary>
    public string Describe(string what)
    {
        var exit = _process.HasExited ? $" (exit code {_process.ExitCode})" : "";
        var log = LogPath is null ? "" : $"; log: {LogPath}";
        var tail = Tail();
        return $"{Name} {what}{exit}{log}" + (tail.Length == 0 ? "" : $"; last output: {tail}");
    }

    /// <summary>The last lines of output, joined with " | ".</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return string.Join(" | ", _tail);
        }
    }

    /// <summary>Closes stdin (a silo watching it stops gracefully), waits up to <paramref name="grace"/>, then kills the tree.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        StopRequestedAt ??= DateTime.UtcNow;
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The pipe is already gone: the process is exiting.
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }

        StoppedAt ??= DateTime.UtcNow;
    }

    /// <summary>Kills the process tree at once.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        _process.Dispose();
        lock (_tail)
        {
            // Output events may still arrive after exit; they only reach the in-memory tail from here on.
            _closed = true;
            _log?.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            if (!_closed)
            {
                _log?.WriteLine(line);
            }

            _tail.Enqueue(line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }

        if (_readyLine?.Invoke(line) == true)
        {
            _ready.TrySetResult(line);
        }
    }
}
