using System.Collections.Immutable;
using System.Net;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Hosting;
using AutoMon.Numerics;
using AutoMon.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Invocation;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// A Sync's ADCD-E matrix is sized once per matrix, not serialized again for every node: the byte counts must still be
/// those of Orleans' serializer for the whole message, whatever else the message holds.
/// </summary>
public sealed class WireSizerTests
{
    private const int D = 40;

    private readonly Serializer _serializer;
    private readonly WireSizer _sizer;

    public WireSizerTests()
    {
        var services = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(Sync).Assembly)).BuildServiceProvider();
        _serializer = services.GetRequiredService<Serializer>();
        _sizer = new WireSizer(_serializer, new SiloDetails());
    }

    public static TheoryData<int, int, bool> Syncs => new()
    {
        { 0, 1, false },
        { 5, 1, true },
        { 9_999, 1, false },
        { 300, 70_000, true },
    };

    [Theory]
    [MemberData(nameof(Syncs))]
    public void A_sync_with_a_matrix_has_the_size_Orleans_writes(int node, int version, bool derivedSlack)
    {
        var matrix = Matrix();
        foreach (var sync in new[] { NewSync(0, 1, false, matrix), NewSync(node, version, derivedSlack, matrix) })
        {
            Assert.Equal(_serializer.SerializeToArray<object>(sync).Length, _sizer.BodyBytes(sync));
        }
    }

    [Theory]
    [MemberData(nameof(Syncs))]
    public void A_deliver_request_carrying_a_matrix_has_the_size_Orleans_writes_and_keeps_its_argument(int node, int version, bool derivedSlack)
    {
        var matrix = Matrix();
        var request = DeliverRequest();
        foreach (var sync in new[] { NewSync(1, 1, false, matrix), NewSync(node, version, derivedSlack, matrix) })
        {
            request.SetArgument(0, sync);
            var expected = _serializer.SerializeToArray<object>(request).Length;

            Assert.Equal(expected, _sizer.BodyBytes(request));
            Assert.Same(sync, request.GetArgument(0));
        }
    }

    [Fact]
    public void Messages_without_a_matrix_are_sized_as_they_are()
    {
        var lazy = new LazySync(3, 2, [.. new double[D]]);
        var keep = NewSync(3, 2, false, ImmutableArray<double>.Empty);

        Assert.Equal(_serializer.SerializeToArray<object>(lazy).Length, _sizer.BodyBytes(lazy));
        Assert.Equal(_serializer.SerializeToArray<object>(keep).Length, _sizer.BodyBytes(keep));
    }

    private static ImmutableArray<double> Matrix()
    {
        var values = new double[D * D];
        for (var i = 0; i < D; i++)
        {
            values[(i * D) + ((i + (D / 2)) % D)] = -0.5;
        }

        return [.. values];
    }

    private static Sync NewSync(int node, int version, bool derivedSlack, ImmutableArray<double> matrix)
    {
        var x0 = Enumerable.Range(0, D).Select(j => 1 + (j * 0.01)).ToImmutableArray();
        var slack = derivedSlack ? ImmutableArray<double>.Empty : Enumerable.Range(0, D).Select(j => j * 1e-3).ToImmutableArray();
        return new Sync(node, version, x0, slack, 9.5, 10.5, -1, DcType.Convex, matrix);
    }

    // The request Orleans builds for INodeGrain.Deliver (its generated invokable).
    private static IInvokable DeliverRequest()
    {
        var type = typeof(INodeGrain).Assembly.GetTypes().Single(t =>
            typeof(IInvokable).IsAssignableFrom(t) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null
            && ((IInvokable)Activator.CreateInstance(t)!) is var invokable
            && invokable.GetInterfaceType() == typeof(INodeGrain) && invokable.GetMethodName() == nameof(INodeGrain.Deliver));
        return (IInvokable)Activator.CreateInstance(type)!;
    }

    private sealed class SiloDetails : ILocalSiloDetails
    {
        public string Name => "test";

        public string ClusterId => "test";

        public string DnsHostName => "localhost";

        public SiloAddress SiloAddress { get; } = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);

        public SiloAddress GatewayAddress => SiloAddress;
    }
}
