using AutoMon.Numerics.Functions;

namespace AutoMon.Numerics.Tests.SafeZones;

using Adcd = AutoMon.Numerics.Adcd;

/// <summary>
/// Safe zones keep no scratch of their own (a thread's buffers serve all of them) and may evaluate f with the function's
/// per-thread evaluator: the decisions and values must be those of a safe zone with its own evaluator, bit for bit, also
/// when safe zones of several dimensions and functions are checked in turn on one thread or on several.
/// </summary>
public class SharedWorkspaceTests
{
    [Theory]
    [InlineData(40, 1)]
    [InlineData(6, 2)]
    public void A_shared_evaluator_gives_the_decisions_and_values_of_an_own_one(int d, int seed)
    {
        var f = MonitoredFunctions.InnerProduct(d);
        var random = new Random(seed);
        var x0 = Vector(random, d, 1, 1);
        var adcd = Adcd.Exact(f, x0);
        var value = f.Value(x0);
        var own = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity);
        var shared = new SafeZone(f, double.NegativeInfinity, double.PositiveInfinity, shareEvaluator: true);
        own.Sync(x0, value - 0.5, value + 0.5, adcd.DcType, adcd.SignedHessian.Span, null);
        shared.Sync(x0, value - 0.5, value + 0.5, adcd.DcType, adcd.SignedHessian.Span, null);
        Assert.Equal(own.ValueAtReferencePoint, shared.ValueAtReferencePoint);

        var decisions = new HashSet<SafeZoneResult>();
        for (var k = 0; k < 200; k++)
        {
            var x = x0.Zip(Vector(random, d, 0, 0.01 * (1 + (k % 20))), (a, b) => a + b).ToArray();
            var slack = Vector(random, d, 0, 0.001);
            var expected = own.Check(x, slack);
            Assert.Equal(expected, shared.Check(x, slack));
            Assert.Equal(BitConverter.DoubleToInt64Bits(own.LastValue), BitConverter.DoubleToInt64Bits(shared.LastValue));
            decisions.Add(expected);
        }

        Assert.Contains(SafeZoneResult.Inside, decisions);
        Assert.Contains(SafeZoneResult.SafeZone, decisions);
    }

    [Fact]
    public async Task Safe_zones_of_several_dimensions_checked_in_turn_on_several_threads_decide_as_when_checked_alone()
    {
        var functions = new[] { MonitoredFunctions.InnerProduct(40), MonitoredFunctions.Rosenbrock(), MonitoredFunctions.InnerProduct(6) };
        var random = new Random(3);
        var cases = functions.Select(f => new Case(f, random)).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var zones = cases.Select(c => c.NewZone()).ToArray();
            for (var k = 0; k < Case.Points; k++)
            {
                for (var i = 0; i < zones.Length; i++)
                {
                    Assert.Equal(cases[i].Expected[k], zones[i].Check(cases[i].PointsToCheck[k]));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(cases[i].ExpectedValues[k]), BitConverter.DoubleToInt64Bits(zones[i].LastValue));
                }
            }
        })));
    }

    // One function's safe zone and points, with the decisions of a safe zone checked alone on one thread.
    private sealed class Case
    {
        public const int Points = 100;
        private readonly AutoMon.Numerics.AutoDiff.DifferentiableFunction _function;
        private readonly double[] _x0;
        private readonly AdcdEResult _adcd;
        private readonly double _value;

        public Case(AutoMon.Numerics.AutoDiff.DifferentiableFunction function, Random random)
        {
            _function = function;
            _x0 = Vector(random, function.Dimension, 0.5, 0.5);
            _adcd = Adcd.Exact(function, _x0);
            _value = function.Value(_x0);
            PointsToCheck = [.. Enumerable.Range(0, Points).Select(k => Vector(random, function.Dimension, 0.5, 0.02 * (1 + (k % 10))))];
            var alone = NewZone();
            Expected = new SafeZoneResult[Points];
            ExpectedValues = new double[Points];
            for (var k = 0; k < Points; k++)
            {
                Expected[k] = alone.Check(PointsToCheck[k]);
                ExpectedValues[k] = alone.LastValue;
            }
        }

        public double[][] PointsToCheck { get; }

        public SafeZoneResult[] Expected { get; }

        public double[] ExpectedValues { get; }

        public SafeZone NewZone()
        {
            var zone = new SafeZone(_function, double.NegativeInfinity, double.PositiveInfinity, shareEvaluator: true);
            zone.Sync(_x0, _value - 0.2, _value + 0.2, _adcd.DcType, _adcd.SignedHessian.Span, null);
            return zone;
        }
    }

    private static double[] Vector(Random random, int d, double center, double scale) =>
        Enumerable.Range(0, d).Select(_ => center + (((random.NextDouble() * 2) - 1) * scale)).ToArray();
}
