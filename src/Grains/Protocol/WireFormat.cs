using System.Buffers.Binary;
using System.Collections.Immutable;
using AutoMon.Numerics;

namespace AutoMon.Protocol;

/// <summary>
/// Encodes and decodes messages in the reference's byte layout (<c>struct</c> format <c>'! L l L'</c> header, then
/// <c>L</c> and <c>d</c> fields in network byte order). The protocol objects never need bytes; this exists so sizes are
/// checked against real encodings and a byte transport can be plugged in.
/// </summary>
public static class WireFormat
{
    /// <summary>Encodes <paramref name="message"/>; the result is exactly <see cref="IProtocolMessage.WireSize"/> bytes.</summary>
    public static byte[] Encode(IProtocolMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bytes = new byte[message.WireSize];
        var writer = new Writer(bytes);
        writer.UInt32((uint)message.Type);
        writer.Int32(message.NodeIndex);
        writer.UInt32((uint)(bytes.Length - WireSizes.Header));
        switch (message)
        {
            case Violation v:
                writer.UInt32((uint)v.ConstraintVersion);
                writer.UInt32((uint)v.Origin);
                writer.Vector(v.LocalVector);
                break;
            case GetLocalVector g:
                writer.UInt32((uint)g.ConstraintVersion);
                break;
            case LocalVectorInfo l:
                writer.UInt32((uint)l.ConstraintVersion);
                writer.Vector(l.LocalVector);
                break;
            case Sync s:
                writer.UInt32((uint)s.ConstraintVersion);
                writer.Vector(s.ReferencePoint);
                writer.Vector(s.Slack);
                writer.Double(s.LowerThreshold);
                writer.Double(s.UpperThreshold);
                if (s.IsPlain)
                {
                    break;
                }

                writer.Double(s.NeighborhoodSize);
                writer.UInt32((uint)s.DcType);
                writer.Vector(s.DcArgument);
                break;
            case LazySync z:
                writer.UInt32((uint)z.ConstraintVersion);
                writer.Vector(z.Slack);
                break;
            case DataUpdate u:
                writer.Vector(u.DataPoint);
                break;
            default:
                throw new ArgumentException($"Unknown message type {message.GetType().Name}.", nameof(message));
        }

        return bytes;
    }

    /// <summary>
    /// Decodes one message of a node whose local vectors have <paramref name="dimension"/> components (the reference's
    /// parsers also need d). Throws <see cref="FormatException"/> on a truncated or inconsistent message.
    /// </summary>
    public static IProtocolMessage Decode(ReadOnlySpan<byte> bytes, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (bytes.Length < WireSizes.Header)
        {
            throw new FormatException($"A message needs at least {WireSizes.Header} header bytes; got {bytes.Length}.");
        }

        var reader = new Reader(bytes);
        var type = (MessageType)reader.UInt32();
        var node = reader.Int32();
        var payload = (int)reader.UInt32();
        if (payload != bytes.Length - WireSizes.Header)
        {
            throw new FormatException($"The header announces {payload} payload bytes; the message has {bytes.Length - WireSizes.Header}.");
        }

        var d = dimension;
        IProtocolMessage message = type switch
        {
            MessageType.Violation => new Violation(node, (int)reader.UInt32(), (ViolationOrigin)reader.UInt32(), reader.Vector(d)),
            MessageType.GetLocalVector => new GetLocalVector(node, (int)reader.UInt32()),
            MessageType.LocalVectorInfo => new LocalVectorInfo(node, (int)reader.UInt32(), reader.Vector(d)),
            MessageType.Sync => DecodeSync(ref reader, node, d, payload),
            MessageType.LazySync => new LazySync(node, (int)reader.UInt32(), reader.Vector(d)),
            MessageType.DataUpdate => new DataUpdate(node, reader.Vector(payload / WireSizes.Double)),
            _ => throw new FormatException($"Unknown message type code {(uint)type}."),
        };
        if (!reader.AtEnd)
        {
            throw new FormatException($"{type} message of dimension {d} has {reader.Remaining} unexpected trailing bytes.");
        }

        return message;
    }

    private static Sync DecodeSync(ref Reader reader, int node, int d, int payload)
    {
        var plainPart = WireSizes.UInt32 + (2 * WireSizes.Vector(d)) + (2 * WireSizes.Double);
        if (payload == plainPart)
        {
            // A competitor's sync: x0, slack and the thresholds only.
            var plainVersion = (int)reader.UInt32();
            var plainX0 = reader.Vector(d);
            var plainSlack = reader.Vector(d);
            var plainLower = reader.Double();
            return new Sync(node, plainVersion, plainX0, plainSlack, plainLower, reader.Double(), -1, default, default) { IsPlain = true };
        }

        var fixedPart = plainPart + WireSizes.Double + WireSizes.UInt32;
        static bool IsArgument(int bytes, int d) => bytes is 0 or WireSizes.Double || bytes == WireSizes.Vector(d * d);

        // A sync whose node derives its slack (CoordinatorOptions.NodesDeriveSyncSlack) carries none: d doubles fewer, a size
        // no sync with slack has (for d ≥ 1, 8d is never 12 + 0, 8 or 8d²).
        var withoutSlack = d > 0 && IsArgument(payload - (fixedPart - WireSizes.Vector(d)), d);
        var extra = payload - fixedPart + (withoutSlack ? WireSizes.Vector(d) : 0);
        if (!IsArgument(extra, d))
        {
            throw new FormatException($"A Sync of dimension {d} carries 0, 1 or {d * d} DC argument values; the payload has {extra} extra bytes.");
        }

        var version = (int)reader.UInt32();
        var x0 = reader.Vector(d);
        var slack = withoutSlack ? ImmutableArray<double>.Empty : reader.Vector(d);
        var lower = reader.Double();
        var upper = reader.Double();
        var neighborhood = reader.Double();
        var dcType = (DcType)reader.UInt32();
        var argument = reader.Vector(extra / WireSizes.Double);
        return new Sync(node, version, x0, slack, lower, upper, neighborhood, dcType, argument);
    }

    private ref struct Writer(Span<byte> bytes)
    {
        private readonly Span<byte> _bytes = bytes;
        private int _position;

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_bytes[_position..], value);
            _position += 4;
        }

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32BigEndian(_bytes[_position..], value);
            _position += 4;
        }

        public void Double(double value)
        {
            BinaryPrimitives.WriteDoubleBigEndian(_bytes[_position..], value);
            _position += 8;
        }

        public void Vector(ImmutableArray<double> values)
        {
            if (values.IsDefault)
            {
                return;
            }

            foreach (var value in values)
            {
                Double(value);
            }
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public readonly bool AtEnd => _position == _bytes.Length;

        public readonly int Remaining => _bytes.Length - _position;

        public uint UInt32()
        {
            Need(4);
            var value = BinaryPrimitives.ReadUInt32BigEndian(_bytes[_position..]);
            _position += 4;
            return value;
        }

        public int Int32()
        {
            Need(4);
            var value = BinaryPrimitives.ReadInt32BigEndian(_bytes[_position..]);
            _position += 4;
            return value;
        }

        public double Double()
        {
            Need(8);
            var value = BinaryPrimitives.ReadDoubleBigEndian(_bytes[_position..]);
            _position += 8;
            return value;
        }

        public ImmutableArray<double> Vector(int length)
        {
            Need(8 * length);
            var builder = ImmutableArray.CreateBuilder<double>(length);
            for (var i = 0; i < length; i++)
            {
                builder.Add(Double());
            }

            return builder.MoveToImmutable();
        }

        private readonly void Need(int count)
        {
            if (_bytes.Length - _position < count)
            {
                throw new FormatException($"The message ends after {_bytes.Length} bytes; {count} more were expected at byte {_position}.");
            }
        }
    }
}
