using AutoMon.Silos.Hosting;
using AutoMon.Silos.Service;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoMon.Silos.Tests;

/// <summary>
/// The silo host is configured the .NET way: appsettings.json in its working folder, then AUTOMON_ environment variables,
/// then the command line, each later source winning, every value through its setting's one parser.
/// </summary>
public sealed class SiloConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("automon-settings-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Appsettings_json_configures_the_silo_and_its_experiment()
    {
        Settings("""{ "Role": "all-in-one", "SiloPort": 12001, "Experiment": { "Function": "inner_product", "ErrorBound": 0.25, "RoundInterval": "2s" } }""");

        var options = Parse([], new Dictionary<string, string>());

        Assert.Equal(12001, options.SiloPort);
        Assert.Equal(0.25, options.Experiment!.Run.ErrorBound);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Experiment.Run.RoundInterval);
    }

    [Fact]
    public void Environment_variables_override_appsettings_and_the_command_line_overrides_both()
    {
        Settings("""{ "Role": "all-in-one", "SiloPort": 12001, "GatewayPort": 31001, "Experiment": { "Function": "inner_product", "Nodes": 4 } }""");
        var environment = new Dictionary<string, string>
        {
            ["AUTOMON_SILOPORT"] = "12002",
            ["AUTOMON_GATEWAYPORT"] = "31002",
            ["AUTOMON_EXPERIMENT__NODES"] = "5",
            ["AUTOMON_MAXRUNTIME"] = "8h",
            ["OTHER_SILOPORT"] = "1",
        };

        var options = Parse(["--gateway-port", "31003"], environment);

        Assert.Equal(12002, options.SiloPort);
        Assert.Equal(31003, options.GatewayPort);
        Assert.Equal(5, options.Experiment!.Run.Nodes);
        Assert.Equal(TimeSpan.FromHours(8), options.MaxRunTime);
    }

    [Fact]
    public void A_bad_value_from_the_environment_names_its_setting()
    {
        var environment = new Dictionary<string, string> { ["AUTOMON_RESPONSETIMEOUT"] = "30" };

        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--silo-port", "11112", "--primary-silo", "127.0.0.1:11111"], Sources(environment), out _, out var problems));

        var problem = Assert.Single(problems);
        Assert.Contains("--response-timeout '30'", problem, StringComparison.Ordinal);
        Assert.Contains("configuration key ResponseTimeout", problem, StringComparison.Ordinal);
        Assert.Contains("needs a unit", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_role_is_required_from_some_source()
    {
        Assert.False(SiloCommandLine.TryParse([], Sources(new Dictionary<string, string>()), out _, out var problems));
        Assert.Contains(problems, p => p.Contains("--role is required", StringComparison.Ordinal));

        Assert.True(SiloCommandLine.TryParse([], Sources(new Dictionary<string, string> { ["AUTOMON_ROLE"] = "all-in-one" }), out _, out _));
    }

    [Fact]
    public void Malformed_appsettings_json_is_named()
    {
        Settings("{ \"Role\": ");

        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one"], Sources(new Dictionary<string, string>()), out _, out var problems));

        Assert.Contains("appsettings.json", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void The_silos_services_read_its_settings_through_the_options_pattern()
    {
        var options = Parse(["--silo-port", "12011", "--gateway-port", "31011", "--function", "variance", "--error-bound", "0.05"], new Dictionary<string, string>
        {
            ["AUTOMON_ROLE"] = "all-in-one",
        });

        using var host = SiloHostBuilder.CreateHostBuilder(options).Build();
        var bound = host.Services.GetRequiredService<IOptions<SiloHostOptions>>().Value;

        Assert.Equal(12011, bound.SiloPort);
        Assert.Equal(31011, bound.GatewayPort);
        Assert.Equal(0.05, bound.Experiment!.Run.ErrorBound);
        Assert.True(host.Services.GetServices<IValidateOptions<SiloHostOptions>>().Any(), "the options are validated when the host starts");
    }

    [Fact]
    public async Task Neither_the_silo_host_nor_the_service_host_watches_its_configuration_files()
    {
        // A watched appsettings.json puts an inotify watch on every folder under the host's working folder.
        await using var hosts = new BuiltHosts(21);

        foreach (var services in new[] { hosts.Silo.Services, hosts.Service.Services })
        {
            var files = ((IConfigurationRoot)services.GetRequiredService<IConfiguration>()).Providers.OfType<FileConfigurationProvider>().ToList();
            Assert.NotEmpty(files);
            Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, $"{file.Source.Path} is watched for changes"));
        }
    }

    private void Settings(string json) => File.WriteAllText(Path.Combine(_folder, SiloCommandLine.SettingsFile), json);

    private SiloCommandLine.Sources Sources(Dictionary<string, string> environment) => new(_folder, environment);

    private SiloHostOptions Parse(string[] args, Dictionary<string, string> environment)
    {
        Assert.True(SiloCommandLine.TryParse(args, Sources(environment), out var options, out var problems), string.Join("; ", problems));
        return options;
    }
}
