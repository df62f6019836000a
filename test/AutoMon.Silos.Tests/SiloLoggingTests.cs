using System.Globalization;
using System.Text.Json;
using AutoMon.Silos.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace AutoMon.Silos.Tests;

/// <summary>
/// The silo host's console logging (<c>--log-format simple|json</c>): what a line looks like, which stream it goes to,
/// whose messages are shown.
/// </summary>
public sealed class SiloLoggingTests
{
    private const string Category = "AutoMon.Silos.Hosting.SiloProgram";

    [Fact]
    public void Json_writes_each_message_as_one_json_object_on_one_line_with_the_text_as_written()
    {
        var line = Format(LogFormat.Json, LogLevel.Information, "AutoMon silo started: ε=0.05\nsecond line");

        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line.TrimEnd('\n'));
        using var json = JsonDocument.Parse(line);
        Assert.Equal("AutoMon silo started: ε=0.05\nsecond line", json.RootElement.GetProperty("Message").GetString());
        Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
        Assert.Equal(Category, json.RootElement.GetProperty("Category").GetString());
        Assert.True(DateTime.TryParse(json.RootElement.GetProperty("Timestamp").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _));
        Assert.Contains("ε=0.05", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Simple_writes_time_level_category_and_message_on_one_line()
    {
        var line = Format(LogFormat.Simple, LogLevel.Information, "AutoMon silo started: S127.0.0.1:11111:1\nsecond line");

        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} info: AutoMon\.Silos\.Hosting\.SiloProgram\[7\] AutoMon silo started: S127\.0\.0\.1:11111:1 second line\n$", line);
    }

    [Theory]
    [InlineData(LogFormat.Simple)]
    [InlineData(LogFormat.Json)]
    public void Warnings_and_errors_go_to_standard_error_and_the_rest_to_standard_output(LogFormat format)
    {
        using var services = Services(format);

        var console = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;

        Assert.Equal(LogLevel.Warning, console.LogToStandardErrorThreshold);
        Assert.Equal(format == LogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple, console.FormatterName);
    }

    [Fact]
    public void AutoMon_speaks_from_information_and_Orleans_from_warning()
    {
        using var services = Services(LogFormat.Simple);
        var loggers = services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("AutoMon.Grains.Experiments.NodeGrain").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("AutoMon.Grains.Experiments.NodeGrain").IsEnabled(LogLevel.Debug));
        Assert.False(loggers.CreateLogger("Orleans.Runtime.Silo").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Orleans.Runtime.Silo").IsEnabled(LogLevel.Warning));
        Assert.False(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void The_command_line_chooses_the_format_simple_by_default()
    {
        string[] silo = ["--role", "all-in-one"];

        Assert.True(SiloCommandLine.TryParse(silo, out var byDefault, out var problems), string.Join("; ", problems));
        Assert.True(SiloCommandLine.TryParse([.. silo, "--log-format", "json"], out var json, out problems), string.Join("; ", problems));
        Assert.False(SiloCommandLine.TryParse([.. silo, "--log-format", "xml"], out _, out problems));

        Assert.Equal(LogFormat.Simple, byDefault.LogFormat);
        Assert.Equal(LogFormat.Json, json.LogFormat);
        Assert.Contains(problems, p => p.Contains("xml", StringComparison.Ordinal));
    }

    private static ServiceProvider Services(LogFormat format) =>
        new ServiceCollection().AddLogging(logging => logging.AddSiloConsole(format)).BuildServiceProvider();

    /// <summary>One message through the formatter the console logger of <paramref name="format"/> uses.</summary>
    private static string Format(LogFormat format, LogLevel level, string message)
    {
        using var services = Services(format);
        var name = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName;
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var entry = new LogEntry<string>(level, Category, new EventId(7), message, null, (text, _) => text);
        formatter.Write(in entry, new LoggerExternalScopeProvider(), writer);
        return writer.ToString();
    }
}
