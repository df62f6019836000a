using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Net;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using AutoMon.Silos.Membership;
using AutoMon.Silos.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// Applies <see cref="SiloHostOptions"/> to an Orleans silo: cluster ids, endpoints, clustering, role and region
/// metadata, failure-detection timing, TLS (<see cref="ClusterCertificate"/>), and AutoMon's grains with their placement.
/// </summary>
public static class SiloHostBuilder
{
    /// <summary>Configures <paramref name="silo"/> from <paramref name="options"/> (which must be valid).</summary>
    /// <param name="silo">The silo to configure.</param>
    /// <param name="options">Its settings.</param>
    /// <param name="alone">
    /// The silo is a cluster by itself and no other silo ever joins it (the launcher's embedded silo): it keeps Orleans'
    /// default grain directory. The strongly consistent one recovers a dead silo's entries from the silos left, of which
    /// a lone silo has none, and costs a directory call with every activation and deactivation.
    /// </param>
    public static ISiloBuilder Configure(ISiloBuilder silo, SiloHostOptions options, bool alone = false)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid silo options: " + string.Join("; ", problems), nameof(options));
        }

        // The options pattern: IOptions<SiloHostOptions> for the silo's services, checked again when the host starts.
        silo.Services.AddOptions<SiloHostOptions>().Configure(target => SiloSettings.CopyTo(options, target)).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SiloHostOptions>, SiloHostOptionsValidator>());
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        silo.Configure<SiloOptions>(siloOptions => siloOptions.SiloName = options.EffectiveSiloName);

        if (options.EffectiveMembership == MembershipKind.Localhost)
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, options.PrimarySilo, options.ServiceId, options.ClusterId);
        }
        else
        {
            silo.Configure<EndpointOptions>(endpoints =>
            {
                endpoints.AdvertisedIPAddress = options.AdvertisedAddress ?? options.Address;
                endpoints.SiloPort = options.SiloPort;
                endpoints.GatewayPort = options.GatewayPort;
                // Listen on the local address only (a loopback cluster stays on loopback); advertise the public one if given.
                endpoints.SiloListeningEndpoint = new IPEndPoint(options.Address, options.SiloPort);
                endpoints.GatewayListeningEndpoint = new IPEndPoint(options.Address, options.GatewayPort);
            });
            silo.UseDynamoDBClustering(options.ConfigureDynamoDB);
        }

        var metadata = new Dictionary<string, string>
        {
            [SiloMetadataKeys.Role] = SiloMetadataKeys.RoleName(options.Role),
            [SiloMetadataKeys.Region] = options.Region,
        };
        if (options.NodeRange is { } range)
        {
            metadata[AutoMonSiloMetadata.NodeRange] = AutoMonSiloMetadata.FormatNodeRange(range.First, range.Last);
        }

        silo.UseSiloMetadata(metadata);

        if (options.FailureDetection == FailureDetectionProfile.Fast)
        {
            silo.Configure<ClusterMembershipOptions>(ApplyFastFailureDetection);
            silo.Configure<GrainDirectoryOptions>(ApplyFastDirectoryLease);
        }

        if (options.ResponseTimeout is { } timeout)
        {
            silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = timeout);
        }

        if (options.TlsCertificate is { } path)
        {
            // Held for the silo's lifetime (the TLS middleware presents it on every connection).
            var certificate = ClusterCertificate.Load(path, options.TlsCertificatePassword, "--tls-certificate");
            // A silo holding another certificate than the cluster's learns it from the first silo it connects to.
            var mismatch = new CertificateMismatch(path, certificate);
            silo.Services.AddSingleton(mismatch);
            silo.UseTls(certificate, tls => ClusterCertificate.Configure(tls, certificate, mismatch.Refused));
        }

        // Grain state, under the one provider name the grains persist with, serialized by Orleans' binary serializer
        // whichever the backend (both providers take the serializer registered under their name), so switching
        // --grain-storage never changes what a state type must support.
        silo.Services.AddKeyedSingleton<IGrainStorageSerializer>(AutoMonGrainStorage.Name,
            (services, _) => ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services));
        if (options.GrainStorage == GrainStorageKind.DynamoDB)
        {
            silo.AddDynamoDBGrainStorage(AutoMonGrainStorage.Name, options.ConfigureGrainStorage);
            silo.Services.Configure<AutoMonGrainStorageOptions>(storage => storage.WriteCheckpoints = storage.WriteOnDeactivation = true);
        }
        else
        {
            silo.AddMemoryGrainStorage(AutoMonGrainStorage.Name);
        }

        // The grains: role placement (reads the metadata above), WAN-latency emulation, wire-byte counting.
        silo.AddAutoMonGrains();

        // The strongly consistent grain directory: when a silo dies, the directory entries it held are recovered from the
        // silos left rather than lost, so a coordinator or node grain that lives on never gets a second activation
        // (with the default directory one did, and the protocol then ran against two coordinators).
#pragma warning disable ORLEANSEXP003 // Orleans marks it for evaluation; it is the directory the recovery tests run with.
        if (!alone)
        {
            silo.AddDistributedGrainDirectory();
        }
#pragma warning restore ORLEANSEXP003
        return silo;
    }

    /// <summary>
    /// Failure detection in seconds rather than tens of seconds, for tests and loopback clusters: probes every 2 s,
    /// three missed probes to suspect (a killed process refuses connections at once, so it is caught within a few
    /// probes; a silo that is merely slow on a busy 2-core machine is not), a table refresh every 2 s.
    /// </summary>
    public static void ApplyFastFailureDetection(ClusterMembershipOptions membership)
    {
        ArgumentNullException.ThrowIfNull(membership);
        membership.ProbeTimeout = TimeSpan.FromSeconds(2);
        membership.NumMissedProbesLimit = 3;
        membership.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        membership.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        membership.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20);
    }

    /// <summary>
    /// The grain directory's lease after a silo is declared dead, scaled to <see cref="ApplyFastFailureDetection"/>. Orleans
    /// blocks new registrations in a dead silo's directory ranges until RangeLeaseDuration after its estimated failure (the
    /// declaration less MaxProbeTimeout × NumMissedProbesLimit, 24 s here): its default 30 s kept a replay waiting 6 s
    /// after a loss detected in 3 s, while Orleans' default profile (a 60 s window) gets no lease at all. A silo learns it
    /// was declared dead at its next table refresh at the latest, and then stops; the lease keeps that one refresh.
    /// </summary>
    public static void ApplyFastDirectoryLease(GrainDirectoryOptions directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var membership = new ClusterMembershipOptions();
        ApplyFastFailureDetection(membership);
        directory.RangeLeaseDuration = (membership.MaxProbeTimeout * membership.NumMissedProbesLimit) + membership.TableRefreshTimeout;
    }

    /// <summary>A generic host running one silo configured by <paramref name="options"/>, with the silo host's console logging.</summary>
    public static HostApplicationBuilder CreateHostBuilder(SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = CreateHostBuilderWithoutLogging(options);
        builder.Logging.AddSiloConsole(options.LogFormat);
        return builder;
    }

    /// <summary>
    /// A generic host running one silo configured by <paramref name="options"/>, logging through <paramref name="loggers"/>
    /// (which the caller owns and disposes after the host: a process's one logger factory).
    /// </summary>
    public static HostApplicationBuilder CreateHostBuilder(SiloHostOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var builder = CreateHostBuilderWithoutLogging(options);
        builder.Logging.ClearProviders();
        // Registered as an instance, so the host uses it without disposing it.
        builder.Services.AddSingleton(loggers);
        return builder;
    }

    /// <summary>
    /// The arguments a silo's host is built with. The host's default appsettings.json (in the working folder) is not watched
    /// for changes: on Linux the watcher puts an inotify watch on every folder under the working folder (5,767 for a silo
    /// started in /tmp), at each silo's start. The silo's settings are read once anyway (<see cref="SiloCommandLine"/>).
    /// </summary>
    internal static string[] HostArguments => ["--hostBuilder:reloadConfigOnChange=false"];

    private static HostApplicationBuilder CreateHostBuilderWithoutLogging(SiloHostOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = HostArguments });
        builder.UseOrleans(silo => Configure(silo, options));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
