using AutoMon.Protocol;
using FsCheck.Xunit;

namespace AutoMon.Grains.Tests.Protocol;

public class NumpyArgsortTests
{
    public static TheoryData<int[], int[]> NumpyOrders => new()
    {
        // numpy 1.24 np.argsort (default kind) of these float64 arrays.
        { [2, 0, 2, 2, 0, 0, 2, 1, 2, 2, 2, 2, 0, 2, 1, 0, 1], [1, 4, 5, 12, 15, 16, 14, 7, 13, 11, 0, 9, 6, 3, 2, 10, 8] },
        { [1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 2, 2, 2, 1, 2, 1, 1, 2, 1, 2], [9, 3, 4, 7, 8, 16, 15, 13, 18, 0, 5, 2, 1, 6, 10, 11, 12, 14, 17, 19] },
        {
            [2, 0, 2, 0, 2, 2, 0, 0, 2, 1, 0, 1, 1, 1, 0, 1, 0, 1, 2, 2, 0, 2, 2, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0],
            [16, 24, 20, 14, 10, 7, 32, 1, 6, 3, 25, 26, 27, 28, 17, 31, 15, 13, 12, 11, 29, 9, 30, 23, 5, 19, 21, 2, 18, 4, 8, 22, 0]
        },
    };

    [Theory]
    [MemberData(nameof(NumpyOrders))]
    public void Ties_beyond_16_elements_are_ordered_as_numpy_orders_them(int[] values, int[] expected)
    {
        var order = new int[values.Length];

        NumpyArgsort.Sort(values.Select(v => (double)v).ToArray(), order);

        Assert.Equal(expected, order);
    }

    [Property]
    public void The_order_sorts_the_values(double[] values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        var order = new int[finite.Length];

        NumpyArgsort.Sort(finite, order);

        Assert.Equal(Enumerable.Range(0, finite.Length), order.Order());
        for (var i = 1; i < order.Length; i++)
        {
            Assert.True(finite[order[i - 1]] <= finite[order[i]]);
        }
    }

    [Property]
    public void Up_to_16_elements_the_order_is_stable(byte[] small)
    {
        var values = small.Take(16).Select(b => (double)(b % 3)).ToArray();
        var order = new int[values.Length];

        NumpyArgsort.Sort(values, order);

        Assert.Equal(Enumerable.Range(0, values.Length).OrderBy(i => values[i]), order);
    }
}
