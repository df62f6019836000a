using AutoMon.Silos.Hosting;
using AutoMon.Silos.Service;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace AutoMon.Silos.Tests;

/// <summary>
/// A silo host and a service host built, not started, from the same all-in-one settings on localhost (ports 12000 + k,
/// 31000 + k, and 18000 + k for the service's HTTP), for tests that look at what each registers.
/// </summary>
internal sealed class BuiltHosts : IAsyncDisposable
{
    public BuiltHosts(int k)
    {
        Silo = SiloHostBuilder.CreateHostBuilder(Options(k)).Build();
        var service = Options(k);
        service.HttpPort = 18000 + k;
        service.ApiKey = ApiKeys.Generate();
        Service = ServiceHost.Build(service);
    }

    public IHost Silo { get; }

    public WebApplication Service { get; }

    public static SiloHostOptions Options(int k) =>
        new() { Role = SiloRole.AllInOne, Membership = MembershipKind.Localhost, SiloPort = 12000 + k, GatewayPort = 31000 + k };

    public async ValueTask DisposeAsync()
    {
        Silo.Dispose();
        await Service.DisposeAsync();
    }
}
