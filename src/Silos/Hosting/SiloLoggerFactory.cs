using Microsoft.Extensions.Logging;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// A silo process's logger factory (<see cref="SiloLogging.CreateLoggerFactory"/>), with one switch: <see cref="HoldBackOthers"/>
/// keeps every later message but AutoMon's own off the console — for a start abandoned on purpose, whose unwinding Orleans
/// would log as errors with stack traces after the one line that says what is wrong.
/// </summary>
public sealed class SiloLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private volatile bool _holdingBack;

    /// <summary>From now on only AutoMon's categories are logged.</summary>
    public void HoldBackOthers() => _holdingBack = true;

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith("AutoMon", StringComparison.Ordinal) ? logger : new Gated(logger, this);
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class Gated(ILogger inner, SiloLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !owner._holdingBack && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!owner._holdingBack)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
