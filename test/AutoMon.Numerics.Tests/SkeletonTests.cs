namespace AutoMon.Numerics.Tests;

public class SkeletonTests
{
    [Fact]
    public void Numerics_assembly_loads() => Assert.NotNull(typeof(AutoMon.Numerics.AutoDiff.Expr).Assembly);
}
