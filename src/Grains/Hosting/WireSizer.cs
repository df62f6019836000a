using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AutoMon.Protocol;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Invocation;

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

        // Orleans' codec writes an ImmutableArray through a copy of it: sizing the 10,000 first Syncs of a run would copy
        // the ADCD-E matrix (12.8 KB at d = 40) 10,000 times. A stand-in of one value is sized instead, plus what the
        // matrix adds over it, measured once per matrix (double arrays are written as raw bytes: a fixed size per length).
        if (body is Sync { DcArgumentKind: DcArgumentKind.SignedHessian } sync)
        {
            return Serialized(WithoutMatrix(sync)) + MatrixBytes(sync);
        }

        if (body is IInvokable request && request.GetArgumentCount() == 1 && request.GetArgument(0) is Sync { DcArgumentKind: DcArgumentKind.SignedHessian } argument)
        {
            request.SetArgument(0, WithoutMatrix(argument));
            try
            {
                return Serialized(request) + MatrixBytes(argument);
            }
            finally
            {
                request.SetArgument(0, argument);
            }
        }

        return Serialized(body);
    }

    private int Serialized(object body)
    {
        var writer = CountingWriter.Instance ??= new CountingWriter();
        writer.Reset();
        serializer.Serialize<object, CountingWriter>(body, writer);
        return writer.Count;
    }

    // One value, in a fresh array at every write (as the matrix's copy is): nothing else in the message can refer to it.
    private static readonly ImmutableArray<double> MatrixStandIn = [0.0];

    private static Sync WithoutMatrix(Sync sync) => sync with { DcArgument = MatrixStandIn };

    private int MatrixBytes(Sync sync)
    {
        var matrix = ImmutableCollectionsMarshal.AsArray(sync.DcArgument)!;
        if (!_matrixBytes.TryGetValue(matrix, out var bytes))
        {
            bytes = new StrongBox<int>(Serialized(sync) - Serialized(WithoutMatrix(sync)));
            _matrixBytes.AddOrUpdate(matrix, bytes);
        }

        return bytes.Value;
    }

    // Per matrix (the coordinator sends one to every node); the entry goes with the matrix.
    private readonly ConditionalWeakTable<double[], StrongBox<int>> _matrixBytes = [];

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
