using System.Net;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Service;

namespace AutoMon.Silos.Tests;

/// <summary>
/// The HTTP API's key on the silo host (docs/silo-host.md): <c>--api-key-file</c> from every source, or the explicit
/// <c>--no-auth</c>; a silo with <c>--http-port</c> and neither does not start.
/// </summary>
public sealed class ApiKeySettingsTests : IDisposable
{
    private const string Key = "0123456789abcdef-the-test-key";

    private readonly string _folder = Directory.CreateTempSubdirectory("automon-api-key-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void An_http_port_without_a_key_file_or_no_auth_is_refused_naming_both()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--http-port", "5080"], Sources([]), out _, out var problems));

        var problem = Assert.Single(problems);
        Assert.Contains("--api-key-file", problem, StringComparison.Ordinal);
        Assert.Contains("--no-auth", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_an_http_port_and_no_key_does_not_start()
    {
        var ran = false;
        var exitCode = await SiloCommandLine.Create((_, _) =>
        {
            ran = true;
            return Task.FromResult(0);
        }).Parse(["--role", "all-in-one", "--http-port", "5080"]).InvokeAsync();

        Assert.Equal(2, exitCode);
        Assert.False(ran, "the silo must not run without a key");

        // And a host built from such options in code refuses too, before it listens.
        var options = new SiloHostOptions { Role = SiloRole.AllInOne, HttpPort = 5080 };
        var refused = Assert.Throws<ArgumentException>(() => ServiceHost.Build(options));
        Assert.Contains("--api-key-file", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--no-auth", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_auth_is_the_explicit_opt_out()
    {
        var options = Parse(["--role", "all-in-one", "--http-port", "5080", "--no-auth"], []);

        Assert.True(options.NoAuth);
        Assert.Null(options.ReadApiKey());
    }

    [Fact]
    public void The_key_file_is_read_trimmed_from_the_command_line()
    {
        var file = KeyFile("  " + Key + "\n");

        var options = Parse(["--role", "all-in-one", "--http-port", "5080", "--api-key-file", file], []);

        Assert.Equal(file, options.ApiKeyFile);
        Assert.Equal(Key, options.ReadApiKey());
        // Written out again as a setting, like any other.
        Assert.Equal(file, SiloSettings.ToArguments(options).SkipWhile(a => a != "--api-key-file").Skip(1).First());
    }

    [Fact]
    public void The_key_file_comes_from_the_environment_and_appsettings_json_too()
    {
        var file = KeyFile(Key);
        var fromEnvironment = Parse(["--role", "all-in-one"], new() { ["AUTOMON_HTTPPORT"] = "5080", ["AUTOMON_APIKEYFILE"] = file });
        Assert.Equal(Key, fromEnvironment.ReadApiKey());

        File.WriteAllText(Path.Combine(_folder, SiloCommandLine.SettingsFile),
            $$"""{ "Role": "all-in-one", "HttpPort": 5080, "ApiKeyFile": "{{file.Replace("\\", "\\\\", StringComparison.Ordinal)}}" }""");
        Assert.Equal(Key, Parse([], []).ReadApiKey());

        File.WriteAllText(Path.Combine(_folder, SiloCommandLine.SettingsFile), """{ "Role": "all-in-one", "HttpPort": 5080, "NoAuth": true }""");
        Assert.True(Parse([], []).NoAuth);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("  \n", "is empty")]
    [InlineData("short-key", "at least 16")]
    [InlineData("a key with spaces in it", "visible ASCII")]
    public void An_unfit_key_file_is_refused_naming_it(string content, string expected)
    {
        var file = KeyFile(content);

        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--http-port", "5080", "--api-key-file", file], Sources([]), out _, out var problems));

        var problem = Assert.Single(problems);
        Assert.Contains("--api-key-file " + file, problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_file_is_refused_naming_it()
    {
        var file = Path.Combine(_folder, "no-such-key");

        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--http-port", "5080", "--api-key-file", file], Sources([]), out _, out var problems));

        Assert.Contains($"--api-key-file {file}: cannot read it", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--no-auth")]
    [InlineData("--api-key-file")]
    public void Key_settings_without_an_http_port_are_refused(string option)
    {
        string[] args = option == "--no-auth" ? ["--role", "all-in-one", option] : ["--role", "all-in-one", option, KeyFile(Key)];

        Assert.False(SiloCommandLine.TryParse(args, Sources([]), out _, out var problems));

        Assert.Contains(option + " applies to the HTTP API", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void No_auth_and_a_key_file_together_are_refused()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--http-port", "5080", "--no-auth", "--api-key-file", KeyFile(Key)], Sources([]), out _, out var problems));

        Assert.Contains("choose one", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_in_code_travels_with_the_options_but_never_onto_a_command_line()
    {
        var options = new SiloHostOptions { Role = SiloRole.AllInOne, Address = IPAddress.Loopback, HttpPort = 5080, ApiKey = Key };
        Assert.Empty(options.Validate());

        var copy = new SiloHostOptions();
        SiloSettings.CopyTo(options, copy);

        Assert.Equal(Key, copy.ReadApiKey());
        Assert.DoesNotContain(SiloSettings.ToArguments(options), a => a.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public void Generated_keys_are_32_random_bytes_in_base64url()
    {
        var first = ApiKeys.Generate();

        Assert.Equal(43, first.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", first);
        Assert.NotEqual(first, ApiKeys.Generate());
        Assert.Null(ApiKeys.Check(first, "the key"));
    }

    private string KeyFile(string content)
    {
        var file = Path.Combine(_folder, "key-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(file, content);
        return file;
    }

    private SiloCommandLine.Sources Sources(Dictionary<string, string> environment) => new(_folder, environment);

    private SiloHostOptions Parse(string[] args, Dictionary<string, string> environment)
    {
        Assert.True(SiloCommandLine.TryParse(args, Sources(environment), out var options, out var problems), string.Join("; ", problems));
        return options;
    }
}
