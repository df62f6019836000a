namespace AutoMon.Numerics.Tests.SafeZones;

public class BoxDomainTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(40)]
    public void Point_inside_every_range_is_contained(int d)
    {
        var box = BoxDomain.Uniform(d, -1, 1);
        Assert.True(box.Contains(Enumerable.Repeat(0.5, d).ToArray()));
        Assert.True(box.Contains(Enumerable.Repeat(1.0, d).ToArray()));
        Assert.True(box.Contains(Enumerable.Repeat(-1.0, d).ToArray()));
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(7, 6)]
    [InlineData(40, 13)]
    [InlineData(40, 39)]
    public void One_coordinate_out_of_range_is_not_contained(int d, int coordinate)
    {
        var box = BoxDomain.Uniform(d, -1, 1);
        var above = new double[d];
        above[coordinate] = 1.0000001;
        var below = new double[d];
        below[coordinate] = -1.0000001;

        Assert.False(box.Contains(above));
        Assert.False(box.Contains(below));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(8, 5)]
    [InlineData(40, 21)]
    public void NaN_coordinate_is_not_contained(int d, int coordinate)
    {
        var point = new double[d];
        point[coordinate] = double.NaN;
        Assert.False(BoxDomain.Uniform(d, -1, 1).Contains(point));
    }

    [Fact]
    public void Infinite_bounds_contain_every_finite_point()
    {
        var box = BoxDomain.Uniform(5, double.NegativeInfinity, double.PositiveInfinity);
        Assert.True(box.Contains([1e300, -1e300, 0, 1, 2]));
    }

    [Fact]
    public void Neighborhood_is_centred_on_x0_without_a_domain()
    {
        var box = BoxDomain.Neighborhood([1.0, -2.0], 0.5, null);
        Assert.Equal([0.5, -2.5], box.Lower.ToArray());
        Assert.Equal([1.5, -1.5], box.Upper.ToArray());
    }

    [Fact]
    public void Neighborhood_is_clipped_to_the_domain_per_coordinate()
    {
        var box = BoxDomain.Neighborhood([0.1, 0.5, 0.95], 0.2, BoxDomain.Uniform(3, 0, 1));
        Assert.Equal([0.0, 0.3, 0.75], box.Lower.ToArray(), new ToleranceComparer(1e-15));
        Assert.Equal([0.30000000000000004, 0.7, 1.0], box.Upper.ToArray(), new ToleranceComparer(1e-15));
    }

    [Fact]
    public void Bounds_of_different_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new BoxDomain([0.0, 0.0], [1.0]));
    }

    [Fact]
    public void Lower_above_upper_is_rejected_naming_the_coordinate()
    {
        var error = Assert.Throws<ArgumentException>(() => new BoxDomain([0.0, 2.0], [1.0, 1.0]));
        Assert.Contains("coordinate 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NaN_bound_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new BoxDomain([double.NaN], [1.0]));
    }

    [Fact]
    public void Negative_neighbourhood_size_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BoxDomain.Neighborhood([0.0], -1, null));
    }

    [Fact]
    public void Contains_rejects_a_point_of_another_dimension()
    {
        Assert.Throws<ArgumentException>(() => BoxDomain.Uniform(3, 0, 1).Contains([0.5, 0.5]));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
