using AutoMon.Grains.Experiments;

namespace AutoMon.Grains.Tests.Experiments;

/// <summary>A node grain's queue of local vectors the look-ahead has seen but the protocol node has not checked yet.</summary>
public sealed class PendingVectorsTests
{
    [Fact]
    public void Vectors_come_out_in_order_across_growth_and_partial_removal()
    {
        var pending = new PendingVectors(2);
        for (var k = 0; k < 11; k++)
        {
            pending.Add(k, [k, -k]);
            if (k % 3 == 2)
            {
                pending.RemoveFirst(1);
            }
        }

        Assert.Equal(8, pending.Count);
        for (var i = 0; i < pending.Count; i++)
        {
            Assert.Equal(3 + i, pending.SequenceAt(i));
            Assert.Equal([3.0 + i, -3.0 - i], pending.VectorAt(i).ToArray());
        }
    }

    [Fact]
    public void Emptied_it_releases_its_buffer()
    {
        var pending = new PendingVectors(40);
        pending.Reserve(64);
        for (var k = 0; k < 64; k++)
        {
            pending.Add(k, new double[40]);
        }

        Assert.True(pending.Capacity >= 64);
        pending.RemoveFirst(60);
        Assert.True(pending.Capacity >= 4, "vectors still queued keep the buffer");
        pending.RemoveFirst(4);

        Assert.Equal(0, pending.Capacity);
    }

    [Fact]
    public void Reserve_makes_room_for_a_steps_rows_at_once()
    {
        var pending = new PendingVectors(3);
        pending.Add(0, [1, 2, 3]);
        pending.Reserve(100);
        var capacity = pending.Capacity;
        for (var k = 1; k <= 100; k++)
        {
            pending.Add(k, [k, k, k]);
        }

        Assert.Equal(capacity, pending.Capacity);
        Assert.Equal([1.0, 2, 3], pending.VectorAt(0).ToArray());
        Assert.Equal(100, pending.SequenceAt(100));
    }
}
