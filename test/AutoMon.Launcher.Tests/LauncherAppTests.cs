using System.Globalization;

namespace AutoMon.Launcher.Tests;

public class LauncherAppTests
{
    [Fact]
    public async Task Help_lists_the_describe_command()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await LauncherApp.RunAsync(["--help"], output, error);

        Assert.Equal(0, exitCode);
        Assert.Contains("describe", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_shows_the_main_commands_options_and_reproduce()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await LauncherApp.RunAsync(["--help"], output, error);

        Assert.Equal(0, exitCode);
        foreach (var expected in new[] { "--node-type", "--error-bounds", "--iterations", "--data-dir", "--centralized", "--output", "reproduce" })
        {
            Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task No_arguments_print_the_help()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await LauncherApp.RunAsync([], output, error);

        Assert.Equal(0, exitCode);
        Assert.Contains("--node-type", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_command_fails_with_an_error()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await LauncherApp.RunAsync(["no-such-command"], output, error);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("no-such-command", error.ToString(), StringComparison.Ordinal);
    }
}
