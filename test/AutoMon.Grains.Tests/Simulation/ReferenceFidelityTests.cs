using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Tests.Simulation;

/// <summary>
/// The simulator against the reference implementation on the small generated cases: runs of constant-Hessian functions
/// (ADCD-E) must reproduce its counters, bytes and sync history exactly; ADCD-X runs must keep the error bound and stay
/// within 10% of its message count.
/// </summary>
public class ReferenceFidelityTests
{
    private static readonly Dictionary<string, Func<SmallCase>> Cases = new()
    {
        ["inner_product"] = SmallCases.InnerProduct,
        ["inner_product_20"] = SmallCases.InnerProductTwentyNodes,
        ["quadratic"] = SmallCases.Quadratic,
        ["variance"] = SmallCases.Variance,
        ["entropy"] = SmallCases.Entropy,
        ["rozenbrock"] = SmallCases.Rosenbrock,
        ["rozenbrock_tuning"] = SmallCases.RosenbrockWithTuning,
    };

    public static TheoryData<string, string> ConstantHessianRuns => Runs("inner_product", "inner_product_20", "quadratic", "variance");

    public static TheoryData<string, string> AdcdXRuns => Runs("entropy", "rozenbrock");

    [Theory]
    [MemberData(nameof(ConstantHessianRuns))]
    public void A_constant_Hessian_run_reproduces_the_reference_counters_and_bytes(string name, string variant)
    {
        var (result, expected) = Run(name, variant);

        Assert.True(result.IsHessianConstant);
        Assert.Equal(expected.Counters, result.Statistics.Counters);
        Assert.Equal(expected.BytesSent, result.Statistics.BytesSent);
        Assert.Equal(expected.BytesReceived, result.Statistics.BytesReceived);
        Assert.Equal(expected.MaxError, result.MaxError, 1e-12);
    }

    [Theory]
    [MemberData(nameof(ConstantHessianRuns))]
    public void A_constant_Hessian_run_reproduces_the_reference_sync_history(string name, string variant)
    {
        var (result, expected) = Run(name, variant);

        Assert.Equal(expected.FullSyncRounds, result.Statistics.FullSyncs.Select(s => s.Iteration));
        foreach (var (index, x0) in expected.ReferencePoints)
        {
            var actual = result.Statistics.FullSyncs[index].ReferencePoint;
            for (var j = 0; j < x0.Length; j++)
            {
                Assert.True(Math.Abs(actual[j] - x0[j]) <= 1e-6 * Math.Abs(x0[j]), $"sync {index} x0[{j}]: {actual[j]:R} vs reference {x0[j]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AdcdXRuns))]
    public void An_ADCD_X_run_keeps_the_error_bound_and_the_reference_message_count_within_ten_percent(string name, string variant)
    {
        var (result, expected) = Run(name, variant);
        var smallCase = Cases[name]();

        Assert.False(result.IsHessianConstant);
        Assert.True(result.MaxError <= smallCase.ErrorBound, $"max error {result.MaxError} exceeds {smallCase.ErrorBound}");
        Assert.Equal(0, result.Statistics.MissedViolations);
        var messages = result.Statistics.TotalMessagesBroadcastDisabled;
        var reference = expected.Counters[12];
        Assert.InRange(messages, 0.9 * reference, 1.1 * reference);
    }

    [Theory]
    [InlineData("drift_lazy-lru")]
    [InlineData("drift_eager")]
    public void Neighborhood_tuning_on_the_prefix_picks_the_reference_size(string variant)
    {
        var (result, expected) = Run("rozenbrock_tuning", variant);

        Assert.NotNull(result.Tuning);
        Assert.Equal(expected.TunedSize, result.Tuning.ChosenSize, 1e-12);
        Assert.Equal(expected.TunedSize, result.NeighborhoodSize, 1e-12);
        Assert.InRange(result.Statistics.TotalMessagesBroadcastDisabled, 0.9 * expected.Counters[12], 1.1 * expected.Counters[12]);
        Assert.True(result.MaxError <= 0.5);
    }

    private static (SimulationResult Result, ReferenceRun Expected) Run(string name, string variant)
    {
        var smallCase = Cases[name]();
        var (slack, sync) = variant switch
        {
            "drift_eager" => (SlackType.Drift, SyncType.Eager),
            "drift_lazy-lru" => (SlackType.Drift, SyncType.LazyLRU),
            "drift_lazy-random" => (SlackType.Drift, SyncType.LazyRandom),
            "none_eager" => (SlackType.NoSlack, SyncType.Eager),
            _ => throw new ArgumentException(variant),
        };
        var options = new SimulationOptions
        {
            Function = smallCase.MonitoredFunction,
            StreamKind = smallCase.StreamKind,
            WindowSize = smallCase.Window,
            ErrorBound = smallCase.ErrorBound,
            SlackType = slack,
            SyncType = sync,
            NeighborhoodSize = smallCase.Neighborhood,
        };
        return (Simulator.Run(options, smallCase.Data), ReferenceRuns.ByCaseAndVariant[$"{name}/{variant}"]);
    }

    private static TheoryData<string, string> Runs(params string[] names)
    {
        var data = new TheoryData<string, string>();
        foreach (var name in names)
        {
            foreach (var variant in new[] { "drift_eager", "drift_lazy-lru", "drift_lazy-random", "none_eager" })
            {
                data.Add(name, variant);
            }
        }

        return data;
    }
}
