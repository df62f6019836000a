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
    public async Task Unknown_command_fails_with_an_error()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var exitCode = await LauncherApp.RunAsync(["no-such-command"], output, error);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("no-such-command", error.ToString(), StringComparison.Ordinal);
    }
}
