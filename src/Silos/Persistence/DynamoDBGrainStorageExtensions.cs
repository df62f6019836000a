using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace AutoMon.Silos.Persistence;

/// <summary>Hosting extensions: grain storage on DynamoDB.</summary>
public static class DynamoDBGrainStorageExtensions
{
    /// <summary>
    /// Grain storage named <paramref name="name"/> (what <c>[PersistentState("state", name)]</c> names) in a DynamoDB table,
    /// created on first use unless configured otherwise; registered the way Orleans' providers are (a keyed
    /// <see cref="IGrainStorage"/>, named options, a lifecycle participant that provisions the table).
    /// </summary>
    public static ISiloBuilder AddDynamoDBGrainStorage(this ISiloBuilder builder, string name, Action<DynamoDBGrainStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.ConfigureServices(services =>
        {
            services.AddOptions<DynamoDBGrainStorageOptions>(name).Configure(configureOptions);
            services.TryAddEnumerable(ServiceDescriptor.Transient<IPostConfigureOptions<DynamoDBGrainStorageOptions>, DefaultSerializerConfigurator>());
            services.AddSingleton<IConfigurationValidator>(sp =>
                new DynamoDBGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(name), name));
            services.AddGrainStorage(name, DynamoDBGrainStorageFactory.Create);
        });
    }

    /// <summary>
    /// An unset serializer becomes the one registered under the provider's name, else Orleans' binary serializer (not the
    /// silo-wide default, which is JSON): states are stored as bytes.
    /// </summary>
    private sealed class DefaultSerializerConfigurator(IServiceProvider services) : IPostConfigureOptions<DynamoDBGrainStorageOptions>
    {
        public void PostConfigure(string? name, DynamoDBGrainStorageOptions options)
        {
            if (options.GrainStorageSerializer is null)
            {
                options.GrainStorageSerializer = (name is null ? null : services.GetKeyedService<IGrainStorageSerializer>(name))
                    ?? ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services);
            }
        }
    }
}
