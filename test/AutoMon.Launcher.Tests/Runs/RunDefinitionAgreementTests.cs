using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Commands;
using AutoMon.Protocol;
using AutoMon.Silos.Hosting;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AutoMon.Launcher.Tests.Runs;

/// <summary>
/// One definition of a run: <c>simulate</c>, the launcher and a silo started from the launcher's generated command line
/// read the same arguments as the same run, every setting and every duration included.
/// </summary>
public sealed class RunDefinitionAgreementTests
{
    // Every run setting away from its default; durations in every spelling the one parser takes.
    private static readonly string[] Protocol =
    [
        "--function", "quadratic", "--dim", "4", "--nodes", "3", "--iterations", "50", "--window", "5", "--error-bound", "0.2",
        "--slack", "none", "--sync", "eager", "--neighborhood", "0.3", "--tuning-iterations", "7", "--single-sample-rounds",
        "--seed", "4", "--domain", "-1,1", "--min-f", "none", "--max-f", "5",
    ];

    private static readonly string[] Pacing =
    [
        "--pacing", "paced", "--round-interval", "1.5s", "--lazy-sync-latency", "400ms", "--full-sync-latency", "2m", "--wan-latency", "00:00:00.035",
        "--time-scale", "0.5",
    ];

    private static readonly RunDefinition Expected = RunDefinition.Defaults with
    {
        Function = "quadratic",
        Dimension = 4,
        Nodes = 3,
        Iterations = 50,
        Window = 5,
        ErrorBound = 0.2,
        Slack = SlackType.NoSlack,
        Sync = SyncType.Eager,
        Neighborhood = 0.3,
        TuningIterations = 7,
        SingleSampleRounds = true,
        Seed = 4,
        Domain = new DomainBounds(-1, 1),
        MinF = double.NegativeInfinity,
        MaxF = 5,
        Pacing = Grains.Experiments.Pacing.Paced,
        RoundInterval = TimeSpan.FromSeconds(1.5),
        LazySyncLatency = TimeSpan.FromMilliseconds(400),
        FullSyncLatency = TimeSpan.FromMinutes(2),
        WanLatency = TimeSpan.FromMilliseconds(35),
        TimeScale = 0.5,
    };

    [Fact]
    public void The_launcher_reads_every_setting_as_defined()
    {
        var request = ExperimentCommand.Parse([.. Protocol, .. Pacing]);

        Assert.Equal(Expected, request.Run);
    }

    [Fact]
    public void A_silo_started_with_the_launchers_command_line_runs_the_same_run()
    {
        var launcher = ExperimentCommand.Parse([.. Protocol, .. Pacing]).Run;
        var generated = SiloCommandLine.ToArguments(new SiloHostOptions { Experiment = new ExperimentRequest { Run = launcher } });

        Assert.True(SiloCommandLine.TryParse([.. generated], Empty, out var silo, out var problems), string.Join("; ", problems));
        Assert.Equal(launcher, silo.Experiment!.Run);
    }

    [Fact]
    public void A_silo_reads_the_same_arguments_as_the_launcher()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one", .. Protocol, .. Pacing], Empty, out var silo, out var problems), string.Join("; ", problems));

        Assert.Equal(Expected, silo.Experiment!.Run);
    }

    [Fact]
    public void Simulate_reads_the_same_arguments_as_the_launcher_and_refuses_pacing()
    {
        var simulate = SimulateCommand.Parse([.. Protocol, "--output", "out"]);

        Assert.Equal(Expected with { Pacing = RunDefinition.Defaults.Pacing, RoundInterval = RunDefinition.Defaults.RoundInterval,
            LazySyncLatency = TimeSpan.Zero, FullSyncLatency = TimeSpan.Zero, WanLatency = TimeSpan.Zero, TimeScale = 1 }, simulate.Run);
        var refused = Assert.Throws<ArgumentException>(() => SimulateCommand.Parse([.. Protocol, "--lazy-sync-latency", "1s", "--output", "out"]));
        Assert.Contains("--lazy-sync-latency", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--round-interval", "1", "needs a unit")]
    [InlineData("--error-bound", "tight", "is not a number")]
    [InlineData("--sync", "lazy", "is not one of eager, lazy-lru, lazy-random")]
    public void Every_command_names_a_malformed_setting_the_same_way(string option, string value, string why)
    {
        string[] args = ["--function", "inner_product", option, value];
        var launcher = Assert.Throws<ArgumentException>(() => ExperimentCommand.Parse(args)).Message;
        var simulate = Assert.Throws<ArgumentException>(() => SimulateCommand.Parse([.. args, "--output", "out"])).Message;
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", .. args], Empty, out _, out var silo));

        foreach (var message in new[] { launcher, simulate, string.Join("; ", silo) })
        {
            Assert.Contains($"{option} '{value}' {why}", message, StringComparison.Ordinal);
        }
    }

    /// <summary>Any valid run survives being written as a silo command line and read back.</summary>
    [Property(MaxTest = 200)]
    public Property Any_run_round_trips_through_the_silo_command_line() =>
        Prop.ForAll(Runs().ToArbitrary(), run =>
        {
            var arguments = SiloCommandLine.ToArguments(new SiloHostOptions { Experiment = new ExperimentRequest { Run = run } });
            return SiloCommandLine.TryParse([.. arguments], Empty, out var silo, out var problems)
                   && silo.Experiment!.Run == run
                   && problems.Count == 0;
        });

    private static readonly SiloCommandLine.Sources Empty = new(Path.Combine(Path.GetTempPath(), "automon-no-settings"), new Dictionary<string, string>());

    private static Gen<RunDefinition> Runs() =>
        from function in Gen.Elements("inner_product", "quadratic", "entropy", "variance", "rozenbrock", "sine", "kld")
        from nodes in Gen.Choose(1, 40)
        from window in Gen.Choose(1, 50)
        from extra in Gen.Choose(1, 500)
        from bound in Gen.Choose(1, 1_000_000).Select(i => i / 997.0)
        from eager in Gen.Elements(true, false)
        from noSlack in Gen.Elements(true, false)
        from neighborhood in Gen.Elements<double?>(null, 0.5, 1.0 / 3)
        from tuning in Gen.Choose(0, 100)
        from seed in Gen.Choose(-5, 1000)
        from paced in Gen.Elements(true, false)
        from ticks in Gen.Choose(1, int.MaxValue).Select(i => (long)i * 37)
        from latency in Gen.Choose(0, 100_000).Select(ms => TimeSpan.FromMilliseconds(ms))
        from domain in Gen.Elements<DomainBounds?>(null, DomainBounds.None, new DomainBounds(-0.5, 2.25))
        from minF in Gen.Elements<double?>(null, double.NegativeInfinity, -1e-3)
        from timeScale in Gen.Elements(1.0, 0.05, 2.5)
        select RunDefinition.Defaults with
        {
            Function = function,
            Nodes = nodes,
            Window = window,
            Iterations = window + extra,
            ErrorBound = bound,
            Sync = eager || noSlack ? SyncType.Eager : SyncType.LazyRandom,
            Slack = noSlack ? SlackType.NoSlack : SlackType.Drift,
            Neighborhood = neighborhood,
            TuningIterations = tuning,
            Seed = seed,
            Pacing = paced ? Grains.Experiments.Pacing.Paced : Grains.Experiments.Pacing.Lockstep,
            RoundInterval = TimeSpan.FromTicks(ticks),
            LazySyncLatency = latency,
            FullSyncLatency = latency * 3,
            WanLatency = TimeSpan.FromTicks(ticks / 7),
            Domain = domain,
            MinF = minF,
            TimeScale = paced ? timeScale : 1,
        };
}
