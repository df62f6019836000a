using System.Collections.Immutable;
using AutoMon.Numerics;
using AutoMon.Protocol;

namespace AutoMon.Grains.Tests.Protocol;

public class MessageTests
{
    private static readonly ImmutableArray<double> Four = [1.5, -2, 3.25, 0];

    public static TheoryData<IProtocolMessage, int> MessagesWithReferenceSizes => new()
    {
        // Sizes of the reference's struct formats for d = 4: header '! L l L' (12) + payload.
        { new Violation(3, 7, ViolationOrigin.Domain, Four), 12 + 4 + 4 + 32 },
        { new GetLocalVector(3, 7), 12 + 4 },
        { new LocalVectorInfo(3, 7, Four), 12 + 4 + 32 },
        { new Sync(3, 7, Four, Four, -1, 1, -1, DcType.Convex, [.. new double[16]]), 12 + 4 + 32 + 32 + 24 + 4 + 128 },
        { new Sync(3, 7, Four, Four, -1, 1, 0.5, DcType.Concave, [2.5]), 12 + 4 + 32 + 32 + 24 + 4 + 8 },
        { new Sync(3, 7, Four, Four, -1, 1, -1, DcType.Convex, []), 12 + 4 + 32 + 32 + 24 + 4 },
        // A sync whose node derives its slack (adaptive simulation runs): no slack.
        { new Sync(3, 7, Four, [], -1, 1, -1, DcType.Convex, []), 12 + 4 + 32 + 24 + 4 },
        { new Sync(3, 7, Four, [], -1, 1, 0.5, DcType.Concave, [2.5]), 12 + 4 + 32 + 24 + 4 + 8 },
        // A competitor's sync (reference common prepare_message_sync): x0, slack, L, U.
        { new Sync(3, 7, Four, Four, -1, 1, -1, default, default) { IsPlain = true }, 12 + 4 + 32 + 32 + 16 },
        { new LazySync(3, 7, Four), 12 + 4 + 32 },
        { new DataUpdate(3, Four), 12 + 32 },
    };

    [Theory]
    [MemberData(nameof(MessagesWithReferenceSizes))]
    public void WireSize_is_the_reference_layout_size(IProtocolMessage message, int expected) =>
        Assert.Equal(expected, message.WireSize);

    [Theory]
    [MemberData(nameof(MessagesWithReferenceSizes))]
    public void Encoding_has_exactly_WireSize_bytes(IProtocolMessage message, int expected) =>
        Assert.Equal(expected, WireFormat.Encode(message).Length);

    [Fact]
    public void Header_is_type_node_and_payload_length_in_network_byte_order()
    {
        var bytes = WireFormat.Encode(new GetLocalVector(258, 5));

        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 0, 1, 2, 0, 0, 0, 4, 0, 0, 0, 5 }, bytes);
    }

    [Fact]
    public void Doubles_are_big_endian_IEEE754()
    {
        var bytes = WireFormat.Encode(new DataUpdate(0, [1.0]));

        Assert.Equal(new byte[] { 0x3F, 0xF0, 0, 0, 0, 0, 0, 0 }, bytes[12..]);
    }

    [Theory]
    [MemberData(nameof(MessagesWithReferenceSizes))]
    public void Decoding_an_encoding_gives_back_the_same_fields(IProtocolMessage message, int size)
    {
        var decoded = WireFormat.Decode(WireFormat.Encode(message), 4);

        Assert.Equal(size, decoded.WireSize);
        Assert.Equal(message.Type, decoded.Type);
        Assert.Equal(WireFormat.Encode(message), WireFormat.Encode(decoded));
    }

    [Fact]
    public void Decoding_a_truncated_message_fails_with_a_format_error()
    {
        var bytes = WireFormat.Encode(new LazySync(1, 2, Four));

        var error = Assert.Throws<FormatException>(() => WireFormat.Decode(bytes.AsSpan(0, bytes.Length - 1), 4));
        Assert.Contains("payload", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16, DcArgumentKind.SignedHessian)]
    [InlineData(1, DcArgumentKind.ExtremeEigenvalue)]
    [InlineData(0, DcArgumentKind.None)]
    public void Sync_tells_which_DC_argument_it_carries(int length, DcArgumentKind kind)
    {
        var sync = new Sync(0, 1, Four, Four, 0, 1, -1, DcType.Convex, [.. new double[length]]);

        Assert.Equal(kind, sync.DcArgumentKind);
    }

    [Fact]
    public void Protocol_message_types_reference_no_Orleans_runtime_or_hosting_types()
    {
        var protocolTypes = typeof(Coordinator).Assembly.GetTypes().Where(t => t.Namespace?.StartsWith("AutoMon.Protocol", StringComparison.Ordinal) == true);
        var referenced = protocolTypes
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)
                .Select(f => f.FieldType)
                .Concat(t.GetInterfaces())
                .Append(t.BaseType ?? typeof(object)))
            .Select(t => t.Namespace ?? string.Empty);

        Assert.DoesNotContain(referenced, ns => ns.StartsWith("Orleans", StringComparison.Ordinal) || ns.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal));
    }
}
