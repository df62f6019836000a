using AutoMon.Grains.Placement;

namespace AutoMon.Grains.Tests.Orleans;

/// <summary>A node silo started for particular nodes (its <c>automon.node-range</c> metadata) gets exactly those node grains.</summary>
public sealed class NodeRangeTests
{
    [Theory]
    [InlineData("3-3", 3, 3)]
    [InlineData("0-9", 0, 9)]
    public void A_node_range_is_first_dash_last(string text, int first, int last)
    {
        Assert.True(AutoMonSiloMetadata.TryParseNodeRange(text, out var f, out var l));

        Assert.Equal((first, last), (f, l));
        Assert.Equal(text, AutoMonSiloMetadata.FormatNodeRange(f, l));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("3")]
    [InlineData("4-3")]
    [InlineData("-1-3")]
    [InlineData("a-b")]
    [InlineData("1-2-3")]
    public void Anything_else_is_not_a_node_range(string? text)
    {
        Assert.False(AutoMonSiloMetadata.TryParseNodeRange(text, out _, out _));
    }

    [Fact]
    public void The_silo_whose_range_holds_the_node_is_chosen()
    {
        (string Silo, string? Range)[] silos = [("a", "0-0"), ("b", "1-4"), ("c", null)];

        Assert.Equal("a", AutoMonSiloMetadata.SiloForNode(0, silos));
        Assert.Equal("b", AutoMonSiloMetadata.SiloForNode(1, silos));
        Assert.Equal("b", AutoMonSiloMetadata.SiloForNode(4, silos));
    }

    [Fact]
    public void A_node_no_range_holds_is_left_to_round_robin()
    {
        (string Silo, string? Range)[] silos = [("a", "0-0"), ("b", "not a range"), ("c", null)];

        Assert.Null(AutoMonSiloMetadata.SiloForNode(5, silos));
    }
}
