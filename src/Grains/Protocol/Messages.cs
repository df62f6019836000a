using System.Collections.Immutable;
using AutoMon.Numerics;
using Orleans;

namespace AutoMon.Protocol;

/// <summary>
/// A protocol message. <see cref="WireSize"/> is its size in the reference's wire layout (<c>common_messages.py</c>,
/// <c>automon_messages.py</c>): a 12-byte header (type u32, node index i32, payload length u32, network byte order) followed
/// by u32 and big-endian double fields, so message and byte counts compare with the paper's figures.
/// </summary>
public interface IProtocolMessage
{
    /// <summary>The message type (its wire code).</summary>
    MessageType Type { get; }

    /// <summary>The node the message comes from or goes to (the header's node index).</summary>
    int NodeIndex { get; }

    /// <summary>Header plus payload bytes in the reference layout.</summary>
    int WireSize { get; }
}

/// <summary>A message a node sends to the coordinator: <see cref="Violation"/> or <see cref="LocalVectorInfo"/>.</summary>
public interface INodeMessage : IProtocolMessage
{
    /// <summary>The constraint version the node holds.</summary>
    int ConstraintVersion { get; }

    /// <summary>The node's local vector x_i.</summary>
    ImmutableArray<double> LocalVector { get; }
}

/// <summary>A message the coordinator sends to one node: <see cref="GetLocalVector"/>, <see cref="Sync"/> or <see cref="LazySync"/>.</summary>
public interface ICoordinatorMessage : IProtocolMessage
{
    /// <summary>The constraint version the message refers to (requests) or installs (syncs).</summary>
    int ConstraintVersion { get; }
}

/// <summary>Sizes of the reference wire layout.</summary>
public static class WireSizes
{
    /// <summary>Header: message type (u32), node index (i32), payload length (u32).</summary>
    public const int Header = 12;

    /// <summary>A u32 field (constraint version, violation origin, DC type).</summary>
    public const int UInt32 = 4;

    /// <summary>A double field.</summary>
    public const int Double = 8;

    /// <summary>A vector of <paramref name="length"/> doubles.</summary>
    public static int Vector(int length) => Double * length;

    /// <summary>A vector of doubles (a default array counts as empty).</summary>
    public static int Vector(ImmutableArray<double> values) => Double * (values.IsDefault ? 0 : values.Length);
}

/// <summary>
/// Node → coordinator: x_i − s_i left the node's safe zone (reference <c>prepare_message_violation</c>):
/// constraint version (u32), origin (u32), local vector (d doubles).
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Protocol.Violation")]
public sealed record Violation(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] int ConstraintVersion,
    [property: Id(2)] ViolationOrigin Origin,
    [property: Id(3)] ImmutableArray<double> LocalVector) : INodeMessage
{
    /// <inheritdoc/>
    public MessageType Type => MessageType.Violation;

    /// <inheritdoc/>
    public int WireSize => WireSizes.Header + (2 * WireSizes.UInt32) + WireSizes.Vector(LocalVector);
}

/// <summary>Coordinator → node: send your local vector (reference <c>prepare_message_get_local_vector</c>): constraint version (u32).</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Protocol.GetLocalVector")]
public sealed record GetLocalVector(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] int ConstraintVersion) : ICoordinatorMessage
{
    /// <inheritdoc/>
    public MessageType Type => MessageType.GetLocalVector;

    /// <inheritdoc/>
    public int WireSize => WireSizes.Header + WireSizes.UInt32;
}

/// <summary>Node → coordinator: the reply to <see cref="GetLocalVector"/> (reference <c>prepare_message_local_vector_info</c>):
/// constraint version (u32), local vector (d doubles).</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Protocol.LocalVectorInfo")]
public sealed record LocalVectorInfo(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] int ConstraintVersion,
    [property: Id(2)] ImmutableArray<double> LocalVector) : INodeMessage
{
    /// <inheritdoc/>
    public MessageType Type => MessageType.LocalVectorInfo;

    /// <inheritdoc/>
    public int WireSize => WireSizes.Header + WireSizes.UInt32 + WireSizes.Vector(LocalVector);
}

/// <summary>
/// Coordinator → node: full sync (reference <c>prepare_message_sync_automon</c>): constraint version (u32), x0 (d doubles),
/// slack (d doubles), L, U, neighbourhood size (doubles; −1 = no neighbourhood), DC type (u32), then the DC argument:
/// the ADCD-E signed Hessian (d² doubles, row-major; sent only in a node's first sync), the ADCD-X extreme eigenvalue
/// (1 double), or nothing (keep the previous matrix).
/// </summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Protocol.Sync")]
public sealed record Sync(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] int ConstraintVersion,
    [property: Id(2)] ImmutableArray<double> ReferencePoint,
    [property: Id(3)] ImmutableArray<double> Slack,
    [property: Id(4)] double LowerThreshold,
    [property: Id(5)] double UpperThreshold,
    [property: Id(6)] double NeighborhoodSize,
    [property: Id(7)] DcType DcType,
    [property: Id(8)] ImmutableArray<double> DcArgument) : ICoordinatorMessage
{
    /// <inheritdoc/>
    public MessageType Type => MessageType.Sync;

    /// <summary>
    /// A competitor's sync (reference <c>common_messages.prepare_message_sync</c>): on the wire it ends after U, with no
    /// neighbourhood size, DC type or argument.
    /// </summary>
    [Id(9)]
    public bool IsPlain { get; init; }

    /// <inheritdoc/>
    public int WireSize => IsPlain
        ? WireSizes.Header + WireSizes.UInt32 + WireSizes.Vector(ReferencePoint) + WireSizes.Vector(Slack) + (2 * WireSizes.Double)
        : WireSizes.Header + WireSizes.UInt32 + WireSizes.Vector(ReferencePoint) + WireSizes.Vector(Slack)
            + (3 * WireSizes.Double) + WireSizes.UInt32 + WireSizes.Vector(DcArgument);

    /// <summary>What <see cref="DcArgument"/> holds.</summary>
    public DcArgumentKind DcArgumentKind =>
        DcArgument.IsDefaultOrEmpty ? DcArgumentKind.None
        : DcArgument.Length == 1 ? DcArgumentKind.ExtremeEigenvalue
        : DcArgumentKind.SignedHessian;
}

/// <summary>What a <see cref="Sync"/> carries as its DC argument.</summary>
public enum DcArgumentKind
{
    /// <summary>Nothing: keep the signed Hessian of an earlier sync (ADCD-E after the first sync).</summary>
    None,

    /// <summary>One double: λ of A = λ·I (ADCD-X). With d = 1 a 1×1 matrix reads the same way and means the same.</summary>
    ExtremeEigenvalue,

    /// <summary>d² doubles: H_minus or H_plus, row-major (ADCD-E).</summary>
    SignedHessian,
}

/// <summary>Coordinator → node: lazy sync, new slack only (reference <c>prepare_message_lazy_sync</c>): constraint version (u32), slack (d doubles).</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Protocol.LazySync")]
public sealed record LazySync(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] int ConstraintVersion,
    [property: Id(2)] ImmutableArray<double> Slack) : ICoordinatorMessage
{
    /// <inheritdoc/>
    public MessageType Type => MessageType.LazySync;

    /// <inheritdoc/>
    public int WireSize => WireSizes.Header + WireSizes.UInt32 + WireSizes.Vector(Slack);
}

/// <summary>Data source → node: one raw data point (reference <c>prepare_message_data_update</c>): the point's doubles.
/// Not counted by the coordinator; the centralisation baseline sends one per update.</summary>
[GenerateSerializer, Immutable, Alias("AutoMon.Protocol.DataUpdate")]
public sealed record DataUpdate(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] ImmutableArray<double> DataPoint) : IProtocolMessage
{
    /// <inheritdoc/>
    public MessageType Type => MessageType.DataUpdate;

    /// <inheritdoc/>
    public int WireSize => WireSizes.Header + WireSizes.Vector(DataPoint);

    /// <summary>Wire size of a data update carrying <paramref name="length"/> doubles.</summary>
    public static int SizeFor(int length) => WireSizes.Header + WireSizes.Vector(length);
}
