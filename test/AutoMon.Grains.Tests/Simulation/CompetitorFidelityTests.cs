using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Tests.Simulation;

/// <summary>
/// The competitors (GM, CB, RLV) on the protocol core against the reference's runs on the small generated cases: the
/// same 13 counters, bytes and full-sync rounds, x0 to 1e-6, as AutoMon's constant-Hessian runs.
/// </summary>
public class CompetitorFidelityTests
{
    private static readonly Dictionary<string, Func<SmallCase>> Cases = new()
    {
        ["inner_product"] = SmallCases.InnerProduct,
        ["variance"] = SmallCases.Variance,
        ["cosine_similarity"] = SmallCases.CosineSimilarity,
        ["quadratic"] = SmallCases.Quadratic,
        ["rozenbrock"] = SmallCases.Rosenbrock,
        ["entropy"] = SmallCases.Entropy,
    };

    public static TheoryData<string, string, string> Runs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var key in CompetitorRuns.ByProtocolCaseAndVariant.Keys)
        {
            var parts = key.Split('/');
            data.Add(parts[0], parts[1], parts[2]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_competitor_run_reproduces_the_reference_counters_and_bytes(string protocol, string name, string variant)
    {
        var (result, expected) = Run(protocol, name, variant);

        Assert.Equal(expected.Counters, result.Statistics.Counters);
        Assert.Equal(expected.BytesSent, result.Statistics.BytesSent);
        Assert.Equal(expected.BytesReceived, result.Statistics.BytesReceived);
        Assert.Equal(expected.MaxError, result.MaxError, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_competitor_run_reproduces_the_reference_sync_history(string protocol, string name, string variant)
    {
        var (result, expected) = Run(protocol, name, variant);

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
    [InlineData("drift_eager")]
    [InlineData("drift_lazy-lru")]
    [InlineData("drift_lazy-random")]
    [InlineData("none_eager")]
    public void GM_entropy_keeps_the_error_bound_and_misses_no_violation(string variant)
    {
        // The reference finds GM's q for entropy with CVXPY, which is approximate (and not installed here): no exact
        // counters to compare, but GM's safe zone is sound, so every round stays within ε and nothing is missed.
        var result = Simulate("gm", "entropy", variant);

        Assert.Equal(0, result.Statistics.MissedViolations);
        Assert.True(result.MaxError <= SmallCases.Entropy().ErrorBound, $"max error {result.MaxError}");
        Assert.InRange(result.Statistics.FullSyncs.Count, 2, 70);
    }

    private static (SimulationResult Result, ReferenceRun Expected) Run(string protocol, string name, string variant) =>
        (Simulate(protocol, name, variant), CompetitorRuns.ByProtocolCaseAndVariant[$"{protocol}/{name}/{variant}"]);

    private static SimulationResult Simulate(string protocol, string name, string variant)
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
            Protocol = Enum.GetValues<MonitoringProtocol>().Single(p => p.Name() == protocol),
        };
        return Simulator.Run(options, smallCase.Data);
    }
}
