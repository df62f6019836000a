using System.Text.Encodings.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace AutoMon.Silos.Hosting;

/// <summary>How the silo host writes its log lines to the console.</summary>
public enum LogFormat
{
    /// <summary>One line per message: time, level, category, message (for people and for supervising processes).</summary>
    Simple,

    /// <summary>One JSON object per line, message template arguments included (for CloudWatch Logs and other collectors).</summary>
    Json,
}

/// <summary>
/// The silo host's console logging: AutoMon's messages from Information, Orleans' and the platform's from Warning;
/// warnings and errors on standard error (a supervisor reads failures there), everything else on standard output.
/// </summary>
public static class SiloLogging
{
    /// <summary>From this level on, a message goes to standard error instead of standard output.</summary>
    public const LogLevel StandardErrorThreshold = LogLevel.Warning;

    /// <summary>Replaces <paramref name="logging"/>'s providers with the silo host's console logger in <paramref name="format"/>.</summary>
    public static ILoggingBuilder AddSiloConsole(this ILoggingBuilder logging, LogFormat format)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        // Orleans is chatty at Information; its warnings and errors are what an operator needs.
        logging.AddFilter("Orleans", LogLevel.Warning);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning);
        // A refused TLS handshake is one line of ours (CertificateMismatch), not a warning with a stack trace per attempt.
        logging.AddFilter("Orleans.Connections.Security", LogLevel.Error);
        logging.AddConsole(console =>
        {
            console.FormatterName = format == LogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
            console.LogToStandardErrorThreshold = StandardErrorThreshold;
        });
        // The built-in formatters' options (AddSimpleConsole/AddJsonConsole would each also choose their formatter).
        logging.Services.Configure<SimpleConsoleFormatterOptions>(simple =>
        {
            simple.SingleLine = true;
            // Read by supervising processes and log files, not a terminal.
            simple.ColorBehavior = LoggerColorBehavior.Disabled;
            simple.TimestampFormat = "HH:mm:ss.fff ";
        });
        logging.Services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            json.UseUtcTimestamp = true;
            // One object per line, and messages as written (ε, →) rather than \u escapes.
            json.JsonWriterOptions = new() { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        });
        return logging;
    }

    /// <summary>
    /// A logger factory with the silo host's console logging, for a whole silo process: messages before the host exists
    /// (options, downloads) and after it is gone use it too; disposing it writes out what is still queued.
    /// </summary>
    public static SiloLoggerFactory CreateLoggerFactory(LogFormat format) => new(LoggerFactory.Create(logging => logging.AddSiloConsole(format)));
}
