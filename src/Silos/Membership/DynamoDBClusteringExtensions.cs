using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Messaging;

namespace AutoMon.Silos.Membership;

/// <summary>Hosting extensions: DynamoDB membership for silos, the DynamoDB gateway list for clients.</summary>
public static class DynamoDBClusteringExtensions
{
    /// <summary>Silo membership in a DynamoDB table (created on first use unless configured otherwise).</summary>
    public static ISiloBuilder UseDynamoDBClustering(this ISiloBuilder builder, Action<DynamoDBClusteringOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.ConfigureServices(services =>
        {
            services.Configure(configureOptions);
            services.AddSingleton<IMembershipTable, DynamoDBMembershipTable>();
            services.AddSingleton<IConfigurationValidator, DynamoDBClusteringOptionsValidator>();
        });
    }

    /// <summary>Client gateway discovery from the silos' DynamoDB membership table.</summary>
    public static IClientBuilder UseDynamoDBClustering(this IClientBuilder builder, Action<DynamoDBClusteringOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.ConfigureServices(services =>
        {
            services.Configure(configureOptions);
            services.AddSingleton<IGatewayListProvider, DynamoDBGatewayListProvider>();
            services.AddSingleton<IConfigurationValidator, DynamoDBClusteringOptionsValidator>();
        });
    }
}
