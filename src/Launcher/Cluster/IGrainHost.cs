namespace AutoMon.Launcher.Cluster;

/// <summary>Where the grains engine's grains live: a silo in this process, or a cluster of silo processes reached as a client.</summary>
internal interface IGrainHost : IAsyncDisposable
{
    /// <summary>For the heading and the error messages, e.g. "an embedded all-in-one silo".</summary>
    string Description { get; }

    /// <summary>Starts the silo(s) on first use; the grain factory of the cluster.</summary>
    Task<IGrainFactory> StartAsync(CancellationToken cancellationToken);

    /// <summary>Why a run failed when the cause lies in the hosting (e.g. a silo process died), or null.</summary>
    string? Diagnose();
}

/// <summary>Where the grains of one experiment ran: the coordinator's silo and node grains per silo.</summary>
/// <param name="CoordinatorSilo">The silo address of the coordinator grain.</param>
/// <param name="NodesPerSilo">Silo address → number of node grains there.</param>
internal sealed record GrainPlacement(string CoordinatorSilo, IReadOnlyDictionary<string, int> NodesPerSilo);
