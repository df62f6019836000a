using System.Collections.Immutable;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Hosting;
using AutoMon.Protocol.Data;

namespace AutoMon.Grains.Tests.Experiments;

/// <summary>What a silo keeps once per experiment for its grains.</summary>
public sealed class ExperimentRegistryTests
{
    private static ExperimentConfig Config(string function, params double[] h) => new()
    {
        Function = new FunctionSpec { Name = function, Dimension = 2, HMatrix = [.. h] },
        NodeCount = 3,
        StreamKind = StreamKind.WindowedAverage,
        WindowSize = 5,
        ErrorBound = 0.1,
    };

    [Fact]
    public void Node_grains_of_one_experiment_share_one_function()
    {
        var registry = new ExperimentRegistry();

        // Each grain's Configure call carries its own copy of the configuration (H matrix included).
        var first = registry.Function("e1", Config("quadratic", 1, 0, 0, 2));
        var second = registry.Function("e1", Config("quadratic", 1, 0, 0, 2));

        Assert.Same(first, second);
        Assert.NotSame(first, registry.Function("e2", Config("quadratic", 1, 0, 0, 2)));
    }

    [Fact]
    public void Another_function_under_the_same_id_is_built_afresh()
    {
        var registry = new ExperimentRegistry();
        var quadratic = registry.Function("e", Config("quadratic", 1, 0, 0, 2));
        var other = registry.Function("e", Config("quadratic", 3, 0, 0, 4));

        Assert.NotSame(quadratic, other);
        Assert.Equal(4, other.Function.Value([0, 1]));
    }

    [Fact]
    public void Node_grains_given_equal_matrices_in_their_syncs_keep_one_of_them()
    {
        var registry = new ExperimentRegistry();
        ImmutableArray<double> first = [1, 0, 0, 2], copy = [1, 0, 0, 2], next = [1, 0, 0, 3], negativeZero = [1, -0.0, 0, 3];

        var kept = registry.SharedMatrix("e", first);
        var shared = registry.SharedMatrix("e", copy);
        var changed = registry.SharedMatrix("e", next);

        Assert.True(kept == first);
        Assert.True(shared == first, "an equal matrix from another message is the one kept");
        Assert.True(changed == next, "a new constraint's matrix replaces it");
        Assert.True(registry.SharedMatrix("e", negativeZero) == negativeZero, "equal means bit for bit: -0 is not 0");
        Assert.True(registry.SharedMatrix("other", copy) == copy, "experiments do not share");
    }

    [Fact]
    public void A_forgotten_experiment_keeps_no_matrix()
    {
        var registry = new ExperimentRegistry();
        ImmutableArray<double> first = [1, 0, 0, 2], copy = [1, 0, 0, 2];
        registry.SharedMatrix("e", first);

        registry.Forget("e");

        Assert.True(registry.SharedMatrix("e", copy) == copy);
    }
}
