using System.Collections.Immutable;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>
/// A lockstep driver sends its nodes views of the data set it holds: in its own process a node grain gets the very rows,
/// across processes they travel as values and arrive as rows of their own.
/// </summary>
public sealed class DataRowsTests
{
    private static readonly DataSet Data = new([1, 2, 3, 4, 5, 6, 7, 8], 2, [0, 1, 0, 1], 2);

    private readonly IServiceProvider _services =
        new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(DataRows).Assembly)).BuildServiceProvider();

    private static DataRows ViewsOfNodeZero() => DataRows.OfViews([Data.RowMemory(0), Data.RowMemory(2)], [0, 2]);

    [Fact]
    public void A_call_in_the_same_process_passes_the_views_themselves()
    {
        var rows = ViewsOfNodeZero();
        var request = new NodeStepRequest(rows, 2, 2);

        Assert.Same(rows, _services.GetRequiredService<DeepCopier<DataRows>>().Copy(rows));
        Assert.Same(request, _services.GetRequiredService<DeepCopier<NodeStepRequest>>().Copy(request));
    }

    [Fact]
    public void Views_cross_processes_as_values_and_arrive_as_rows_of_their_own()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var request = new NodeStepRequest(ViewsOfNodeZero(), 2, 2);

        var arrived = serializer.Deserialize<NodeStepRequest>(serializer.SerializeToArray(request))!;

        Assert.True(request.Rows.AreViews);
        Assert.False(arrived.Rows.AreViews);
        Assert.Equal([1.0, 2.0, 5.0, 6.0], arrived.Rows.Values.ToArray());
        Assert.Equal([0, 2], arrived.Rows.Sequence.ToArray());
        Assert.Null(arrived.Rows.FindProblem(2, -1));
        Assert.Equal([5.0, 6.0], arrived.Rows.Row(1, 2).ToArray());
    }

    [Fact]
    public void Rows_of_values_and_no_rows_survive_the_wire()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var rows = new DataRows([1, 2, 3, 4], [7, 9]);

        var arrived = serializer.Deserialize<DataRows>(serializer.SerializeToArray(rows))!;
        var none = serializer.Deserialize<DataRows>(serializer.SerializeToArray(DataRows.Empty))!;

        Assert.Equal(rows.Values.ToArray(), arrived.Values.ToArray());
        Assert.Equal(rows.Sequence.ToArray(), arrived.Sequence.ToArray());
        Assert.Equal(0, none.Count);
        Assert.Null(none.FindProblem(2, -1));
    }

    [Fact]
    public void A_view_of_the_wrong_length_is_named()
    {
        var rows = DataRows.OfViews([Data.RowMemory(0), new double[] { 1, 2, 3 }], [0, 2]);

        Assert.Equal("data point 2 has 3 components; every data point has 2.", rows.FindProblem(2, -1));
    }

    [Fact]
    public void Views_and_sequence_numbers_must_pair_up() =>
        Assert.Throws<ArgumentException>(() => DataRows.OfViews([Data.RowMemory(0)], ImmutableArray<int>.Empty));
}
