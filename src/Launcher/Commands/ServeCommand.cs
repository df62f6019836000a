using System.CommandLine;
using System.Globalization;
using System.Net;
using AutoMon.Launcher.Cluster;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Local;
using AutoMon.Silos.Service;
using AutoMon.Silos.Service.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace AutoMon.Launcher.Commands;

/// <summary>
/// <c>automon serve --port 5080</c>: an all-in-one silo in this process serving the monitoring service's HTTP API
/// (docs/service.md) on 127.0.0.1 until Ctrl+C. On a cluster, any silo started with <c>--http-port</c> serves the same API.
/// With <c>--demo</c>, also the demo monitor and its synthetic producer (<see cref="DemoProducer"/>). The API requires a key:
/// <c>--api-key-file</c>'s, or one generated and printed at start; <c>--no-auth</c> turns that off.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "The HTTP API's port (default 5080).", DefaultValueFactory = _ => 5080 };
        var address = new Option<string>("--address")
        {
            Description = "The address the API listens on (default 127.0.0.1; the silo's own ports stay on loopback).",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var gatewayPort = new Option<int>("--gateway-port")
        {
            Description = "The silo's Orleans gateway port on 127.0.0.1, for the .NET client (default 30000).",
            DefaultValueFactory = _ => 30000,
        };
        var demo = new Option<bool>("--demo")
        {
            Description = $"Also run the demo: monitor '{DemoMonitor.Id}' fed by a synthetic producer, with truth events on its event stream.",
        };
        var apiKeyFile = new Option<string>("--api-key-file")
        {
            Description = "The file holding the API key (Authorization: Bearer KEY; its trimmed content, at least 16 characters). Default: a key generated and printed at start.",
        };
        var noAuth = new Option<bool>("--no-auth")
        {
            Description = "Serve the API without a key (local demos only: anyone who reaches the port may create, read and push).",
        };
        var command = new Command("serve", "Run the monitoring service: an embedded all-in-one silo with the HTTP API (/api/monitors) until Ctrl+C.")
        {
            port, address, gatewayPort, demo, apiKeyFile, noAuth,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (!IPAddress.TryParse(parseResult.GetValue(address), out var ip))
            {
                error.WriteLine($"error: --address '{parseResult.GetValue(address)}' is not an IP address.");
                return 1;
            }

            var options = new SiloHostOptions
            {
                Role = SiloRole.AllInOne,
                Membership = MembershipKind.Localhost,
                Address = ip,
                SiloPort = LocalDynamoDB.FreePort(),
                GatewayPort = parseResult.GetValue(gatewayPort),
                HttpPort = parseResult.GetValue(port),
                // The silos' default cluster and service ids, which the .NET client also defaults to.
                ResponseTimeout = LocalSiloCluster.ResponseTimeout,
                ApiKeyFile = parseResult.GetValue(apiKeyFile),
                NoAuth = parseResult.GetValue(noAuth),
            };
            // Neither a key file nor --no-auth: a key of this run's own, printed below.
            var generated = options.ApiKeyFile is null && !options.NoAuth;
            if (generated)
            {
                options.ApiKey = ApiKeys.Generate();
            }

            if (options.Validate() is { Count: > 0 } problems)
            {
                error.WriteLine($"error: {string.Join("; ", problems)}.");
                return 1;
            }

            var verbose = parseResult.GetValue(LauncherApp.VerboseOption);
            using var loggers = LoggerFactory.Create(logging =>
            {
                logging.AddSiloConsole(LogFormat.Simple);
                if (!verbose)
                {
                    // Orleans' start-up notes (server GC, watchdog) are for operators of big silos, not for serve's user.
                    logging.AddFilter("AutoMon", LogLevel.Warning);
                    logging.AddFilter("Orleans", LogLevel.Error);
                    logging.AddFilter("Microsoft", LogLevel.Error);
                }
            });
            var withDemo = parseResult.GetValue(demo);
            await using var app = ServiceHost.Build(options, loggers, withDemo ? new DemoOptions() : null);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                error.WriteLine($"error: cannot serve on {ip}:{options.HttpPort}: {exception.Message}");
                return 1;
            }

            var root = string.Create(CultureInfo.InvariantCulture, $"http://{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString())}:{options.HttpPort}");
            // The page takes the key from the URL's fragment, which browsers never send to the server (so no log has it).
            var page = $"{root}/";
            if (generated)
            {
                output.WriteLine($"API key (generated for this run): {options.ApiKey}");
                output.WriteLine("  send it as 'Authorization: Bearer KEY'; --api-key-file PATH sets your own, --no-auth turns it off.");
                page = $"{root}/#key={options.ApiKey}";
            }
            else if (options.NoAuth)
            {
                output.WriteLine($"Authentication is off (--no-auth): anyone who reaches {root} can create, read, push to and delete monitors.");
            }
            else
            {
                output.WriteLine($"API key: the one in {options.ApiKeyFile} (send it as 'Authorization: Bearer KEY'; the live page asks for it).");
            }

            output.WriteLine($"AutoMon service: the live page at {page}, the API at {root}/api/monitors (docs/service.md); Ctrl+C stops it.");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Orleans gateway for the .NET client: 127.0.0.1:{options.GatewayPort} (cluster {options.ClusterId}, service {options.ServiceId})."));
            if (withDemo)
            {
                output.WriteLine($"Demo monitor: {root}/api/monitors/{DemoMonitor.Id}, f = {DemoMonitor.Formula}; its events: {root}/api/monitors/{DemoMonitor.Id}/events.");
            }

            // Until Ctrl+C reaches the command, or the host itself is told to stop (SIGTERM goes to ASP.NET's lifetime).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stop below.
            }

            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
