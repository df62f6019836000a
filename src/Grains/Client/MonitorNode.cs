using System.Collections.Immutable;
using AutoMon.Grains.Monitors;

namespace AutoMon.Client;

/// <summary>One node of a monitor, for a producer: <c>client.Node("m1", "a").PushAsync(points)</c>.</summary>
public sealed class MonitorNode
{
    private readonly IGrainFactory _grains;

    internal MonitorNode(IGrainFactory grains, string monitor, string node)
    {
        _grains = grains;
        Monitor = monitor;
        Name = node;
    }

    /// <summary>The monitor's id.</summary>
    public string Monitor { get; }

    /// <summary>The node's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Pushes <paramref name="points"/> (each with d finite components) to this node, in order. Returns, with the number
    /// of points taken, once every point has been checked and every violation resolved. The whole push is validated
    /// first: a bad point throws <see cref="InvalidPointException"/> naming its index, and no point of the push is taken
    /// (points of earlier pushes are kept).
    /// </summary>
    /// <exception cref="InvalidPointException">A point has the wrong number of components or a non-finite one.</exception>
    /// <exception cref="MonitorNotFoundException">No such monitor, or it has no such node.</exception>
    public async Task<int> PushAsync(IReadOnlyList<double[]> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (!MonitorKeys.IsValidName(Monitor))
        {
            throw new MonitorNotFoundException(Monitor, null);
        }

        if (!MonitorKeys.IsValidName(Name))
        {
            throw new MonitorNotFoundException(Monitor, Name);
        }

        var builder = ImmutableArray.CreateBuilder<ImmutableArray<double>>(points.Count);
        foreach (var point in points)
        {
            // A null point stays default: the node grain rejects it by index like a short one.
            builder.Add(point is null ? default : ImmutableArray.Create(point));
        }

        var result = await _grains.GetGrain<IMonitorNodeGrain>(MonitorKeys.Node(Monitor, Name)).Push(new PointBatch(builder.MoveToImmutable())).ConfigureAwait(false);
        switch (result.Status)
        {
            case PushStatus.Accepted:
                return result.Accepted;
            case PushStatus.Rejected:
                throw new InvalidPointException(Monitor, Name, result.Index, result.Problem ?? "is invalid");
            default:
                var config = await _grains.GetGrain<IMonitorGrain>(Monitor).GetConfig().ConfigureAwait(false);
                throw new MonitorNotFoundException(Monitor, config is null ? null : Name);
        }
    }
}
