using System.Buffers;
using Orleans.Runtime;
using Orleans.Serialization;

namespace AutoMon.Grains.Hosting;

/// <summary>
/// Sizes Orleans messages: the body with Orleans' own serializer (the codec the runtime writes message bodies with), the
/// header from the layout of Orleans' <c>MessageSerializer</c> (src/Orleans.Core/Messaging/MessageSerializer.cs):
/// 8 bytes of framing (header and body lengths), flags (4), message id (8), sending and target grain ids (type and key, each
/// a varint length, a 4-byte hash and the bytes), sending and target silo addresses (a varint length, a 4-byte hash, the IP
/// address, the port and the generation), and for requests the time to live (4), the interface type and version.
/// </summary>
public sealed class WireSizer(Serializer serializer, ILocalSiloDetails silo)
{
    private readonly int _siloAddressBytes = SiloAddressBytes(silo.SiloAddress);

    /// <summary>Bytes Orleans' serializer writes for <paramref name="body"/> as a message body (type header included).</summary>
    public int BodyBytes(object? body)
    {
        if (body is null)
        {
            return 1;
        }

        var writer = CountingWriter.Instance ??= new CountingWriter();
        writer.Reset();
        serializer.Serialize<object, CountingWriter>(body, writer);
        return writer.Count;
    }

    /// <summary>Counts bytes written into one scratch buffer per thread (reused: sizing a message allocates nothing).</summary>
    private sealed class CountingWriter : IBufferWriter<byte>
    {
        [ThreadStatic]
        internal static CountingWriter? Instance;

        private byte[] _buffer = new byte[4096];

        public int Count { get; private set; }

        public void Reset() => Count = 0;

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint).Span;

        private Memory<byte> Scratch(int sizeHint)
        {
            if (sizeHint > _buffer.Length)
            {
                _buffer = new byte[Math.Max(sizeHint, 2 * _buffer.Length)];
            }

            return _buffer;
        }
    }

    /// <summary>The header of a request from <paramref name="sender"/> to <paramref name="target"/> through <paramref name="interfaceType"/>.</summary>
    public int RequestHeaderBytes(GrainId? sender, GrainId target, GrainInterfaceType interfaceType) =>
        ResponseHeaderBytes(sender, target) + 4 + IdSpanBytes(interfaceType.Value) + 1;

    /// <summary>The header of a response (no time to live, no interface type).</summary>
    public int ResponseHeaderBytes(GrainId? sender, GrainId target) =>
        8 + 4 + 8 + GrainIdBytes(sender) + GrainIdBytes(target) + (2 * _siloAddressBytes);

    private static int GrainIdBytes(GrainId? id) => id is { } g ? IdSpanBytes(g.Type.Value) + IdSpanBytes(g.Key) : 2;

    private static int IdSpanBytes(IdSpan span)
    {
        var length = span.IsDefault ? 0 : span.AsSpan().Length;
        return length == 0 ? 1 : VarIntBytes((uint)length) + 4 + length;
    }

    private static int SiloAddressBytes(SiloAddress address)
    {
        var ip = address.Endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 16 : 4;
        var inner = 4 + 1 + ip + VarIntBytes((uint)address.Endpoint.Port) + 4;
        return VarIntBytes((uint)inner) + inner;
    }

    private static int VarIntBytes(uint value)
    {
        var bytes = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            bytes++;
        }

        return bytes;
    }
}
