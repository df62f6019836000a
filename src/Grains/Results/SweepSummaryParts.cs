namespace AutoMon.Grains.Results;

/// <summary>What a sweep's summary.json says about the transport: its messages and bytes (headers and bodies).</summary>
public sealed record WireSummary(long Messages, long Bytes);

/// <summary>What a sweep's summary.json says about where the grains ran: the coordinator's silo and node grains per silo.</summary>
public sealed record PlacementSummary(string CoordinatorSilo, IReadOnlyDictionary<string, int> NodesPerSilo);

/// <summary>What a sweep's summary.json says about a centralisation run: messages, their bytes, rounds and the data loop's time.</summary>
public sealed record CentralizationSummary(long Messages, long PayloadBytes, int Rounds, double WallSeconds);
