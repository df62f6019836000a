using AutoMon.Grains.Experiments;
using AutoMon.Grains.Runs;
using AutoMon.Launcher.Aws;
using AutoMon.Launcher.Commands;
using AutoMon.Launcher.Experiments;
using AutoMon.Launcher.Tests.Data;
using AutoMon.Launcher.Tests.Experiments;
using AutoMon.Numerics.Functions;
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
    /// <summary>
    /// Every setting of <see cref="RunSettings.All"/> away from its default, as a user types it (durations in every spelling
    /// the one parser takes; 43ms is 0.043 s, which is one tick short once multiplied back from a double of seconds).
    /// </summary>
    private static Dictionary<string, string[]> EverySetting(string datasets, string weights) => new(StringComparer.Ordinal)
    {
        ["function"] = ["--node-type", "dnn"],
        ["dim"] = ["--dim", "41"],
        ["nodes"] = ["--nodes", "9"],
        ["iterations"] = ["--iterations", "90"],
        ["window"] = ["--window", "5"],
        ["error-bound"] = ["--error-bound", "0.2"],
        ["slack"] = ["--slack", "none"],
        ["sync"] = ["--sync", "eager"],
        ["neighborhood"] = ["--neighborhood", "0.3"],
        ["tuning-iterations"] = ["--tuning-iterations", "7"],
        ["single-sample-rounds"] = ["--single-sample-rounds"],
        ["adaptive"] = ["--adaptive"],
        ["seed"] = ["--seed", "4"],
        ["domain"] = ["--domain", "-1,1"],
        ["min-f"] = ["--min-f", "none"],
        ["max-f"] = ["--max-f", "5"],
        ["data-dir"] = ["--data-dir", datasets],
        ["skip-iterations"] = ["--skip-iterations", "3"],
        ["weights"] = ["--weights", weights],
        ["pacing"] = ["--pacing", "paced"],
        ["round-interval"] = ["--round-interval", "43ms"],
        ["lazy-sync-latency"] = ["--lazy-sync-latency", "1.5s"],
        ["full-sync-latency"] = ["--full-sync-latency", "2m"],
        ["wan-latency"] = ["--wan-latency", "00:00:00.035"],
        ["time-scale"] = ["--time-scale", "0.5"],
        ["protocol"] = ["--protocol", "rlv"],
    };

    /// <summary>
    /// Settings that exclude another one here, checked on their own: a competitor protocol runs without the adaptive
    /// fallback (and AutoMon's ADCD), so it is given alone, not with every other setting.
    /// </summary>
    private static readonly string[] CheckedAlone = ["protocol"];

    /// <summary>
    /// What a silo cannot be given, and the launcher refuses for AWS before anything is provisioned: the adaptive fallback
    /// (the silos run the paper's protocol), d (the workload's), and the emulated WAN delay and time scale (on AWS the
    /// delays and the pace are real).
    /// </summary>
    private static readonly string[] RefusedForSilos = ["adaptive", "dim", "wan-latency", "time-scale", "protocol"];

    private static RunDefinition ExpectedRun(string datasets, string weights) => RunDefinition.Defaults with
    {
        Function = "dnn",
        Dimension = 41,
        Nodes = 9,
        Iterations = 90,
        Window = 5,
        ErrorBound = 0.2,
        Slack = SlackType.NoSlack,
        Sync = SyncType.Eager,
        Neighborhood = 0.3,
        TuningIterations = 7,
        SingleSampleRounds = true,
        Adaptive = true,
        Seed = 4,
        Domain = new DomainBounds(-1, 1),
        MinF = double.NegativeInfinity,
        MaxF = 5,
        DataDirectory = datasets,
        SkipIterations = 3,
        Weights = weights,
        Pacing = Grains.Experiments.Pacing.Paced,
        RoundInterval = TimeSpan.FromMilliseconds(43),
        LazySyncLatency = TimeSpan.FromSeconds(1.5),
        FullSyncLatency = TimeSpan.FromMinutes(2),
        WanLatency = TimeSpan.FromMilliseconds(35),
        TimeScale = 0.5,
    };

    /// <summary>
    /// The "done when" of issue #10: from the same user arguments, <c>simulate</c>, the launcher and a coordinator silo
    /// started from the command line the launcher generates for it (<see cref="SiloEnvironment.CoordinatorArguments"/>, as
    /// the AWS tasks and the EC2 user data get it) hold the same value of every setting, durations to the tick. A setting
    /// added to <see cref="RunSettings.All"/> without a case here fails the first loop.
    /// </summary>
    [Fact]
    public async Task Simulate_the_launcher_and_a_silo_from_the_launchers_command_line_agree_on_every_setting()
    {
        using var files = new TempDirectory();
        var (datasets, weights) = WriteDnnFiles(files.Path);
        var arguments = EverySetting(datasets, weights);
        var expected = ExpectedRun(datasets, weights);
        foreach (var setting in RunSettings.All)
        {
            Assert.True(arguments.ContainsKey(setting.Name), $"--{setting.Name} has no case in this test");
            Assert.True(CheckedAlone.Contains(setting.Name) || setting.Format(expected, RunDefinition.Defaults) is not null, $"--{setting.Name} is at its default here");
        }

        Assert.Equal(RunSettings.All.Select(s => s.Name).Order(StringComparer.Ordinal), arguments.Keys.Order(StringComparer.Ordinal));
        string[] Given(Func<string, bool> which) =>
            [.. RunSettings.All.Where(s => !CheckedAlone.Contains(s.Name) && which(s.Name)).SelectMany(s => arguments[s.Name])];

        // A competitor protocol: the launcher and simulate read it alike; a silo refuses it (below, and on AWS).
        var competitor = ExperimentCommand.Parse([.. arguments["function"], .. arguments["protocol"], .. arguments["slack"], .. arguments["sync"]]).Run;
        var simulatedCompetitor = SimulateCommand.Parse([.. arguments["function"], .. arguments["protocol"], .. arguments["slack"], .. arguments["sync"], "--output", "out"]).Run;
        Assert.Equal(MonitoringProtocol.Rlv, competitor.Protocol);
        Assert.Equal(competitor.Protocol, simulatedCompetitor.Protocol);
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", .. arguments["function"], .. arguments["protocol"]], Empty, out _, out var protocolProblems));
        Assert.Contains(protocolProblems, p => p.Contains("--protocol", StringComparison.Ordinal));

        // The launcher reads every setting as given.
        var launcher = ExperimentCommand.Parse(Given(_ => true));
        AssertSameSettings(expected, launcher.Run, "the launcher");

        // simulate reads every setting but the pacing ones, which it refuses (one process, lockstep rounds).
        var simulate = SimulateCommand.Parse([.. Given(n => !RunSettings.PacingNames.Contains(n)), "--output", "out"]).Run;
        foreach (var setting in RunSettings.All)
        {
            if (RunSettings.PacingNames.Contains(setting.Name))
            {
                Assert.True(setting.Format(simulate, RunDefinition.Defaults) is null, $"simulate: --{setting.Name}");
                var refused = Assert.Throws<ArgumentException>(() => SimulateCommand.Parse([.. arguments["function"], .. arguments[setting.Name], "--output", "out"]));
                Assert.Contains("--" + setting.Name, refused.Message, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(setting.Format(expected, RunDefinition.Defaults) == setting.Format(simulate, RunDefinition.Defaults), $"simulate: --{setting.Name}");
            }
        }

        // The silo host given the user's arguments itself (--role all-in-one) reads them alike; it refuses the adaptive fallback.
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one", .. Given(n => n != "adaptive")], Empty, out var allInOne, out var allInOneProblems),
            string.Join("; ", allInOneProblems));
        AssertSameSettings(expected with { Adaptive = false }, allInOne.Experiment!.Run, "the silo host");
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", .. arguments["function"], .. arguments["adaptive"]], Empty, out _, out var adaptive));
        Assert.Contains(adaptive, p => p.Contains("--adaptive", StringComparison.Ordinal));

        // A silo is started by the launcher on AWS only; what a silo cannot run is refused there, before any AWS call.
        foreach (var name in RefusedForSilos)
        {
            var (code, _, error) = await LauncherRun.Run([.. arguments["function"], .. arguments[name], "--target", "aws", "--aws-endpoint", "http://127.0.0.1:1/"]);
            Assert.Equal(1, code);
            Assert.Contains("--" + name, error, StringComparison.Ordinal);
        }

        // Everything else reaches the coordinator silo through the command line the launcher writes for it.
        var request = ExperimentCommand.Parse(Given(n => !RefusedForSilos.Contains(n)));
        var plan = AwsTarget.Plan(new AwsTarget.AwsRequest { Experiment = request });
        var command = SiloEnvironment.CoordinatorArguments(plan, plan.Experiments.Single(), plan.CoordinatorRegion);
        Assert.True(SiloCommandLine.TryParse([.. command, "--address", "10.0.0.7"], out var silo, out var problems), string.Join("; ", problems));
        var coordinator = silo.Experiment!;

        // The data folder and the weights travel through the results bucket; the silo downloads them and runs on its copies.
        Assert.Equal($"s3://{plan.ResultsBucket}/{plan.DataPrefix}", coordinator.DataS3!.Uri);
        Assert.Equal(["intrusion_detection/corrected"], plan.DataFiles.Select(f => f.RelativeKey));
        Assert.Equal($"s3://{plan.ResultsBucket}/{plan.WeightsPrefix}", coordinator.WeightsS3!.Uri);
        Assert.Equal(Path.GetFileName(weights), Path.GetFileName(plan.WeightsFile!.RelativeKey));
        var downloaded = coordinator.WithDownloadedData(datasets).WithDownloadedWeights(weights).Run;

        // What the launcher runs where it runs the workload itself: the user's settings over the workload's preset.
        var local = request.Resolve(ExperimentPresets.Get(request.NodeType));
        AssertSameSettings(local, downloaded, "the coordinator silo");
        foreach (var name in RefusedForSilos)
        {
            var setting = RunSettings.Named(name);
            Assert.True(setting.Format(local, RunDefinition.Defaults) == setting.Format(expected with { Adaptive = false, WanLatency = TimeSpan.Zero, TimeScale = 1 }, RunDefinition.Defaults),
                $"--{name} given to neither");
        }

        AssertSameSettings(expected with { Adaptive = false, WanLatency = TimeSpan.Zero, TimeScale = 1 }, downloaded, "the coordinator silo, against the user's arguments");
    }

    /// <summary>Every setting of <paramref name="actual"/> as in <paramref name="expected"/>, compared in its command-line text.</summary>
    private static void AssertSameSettings(RunDefinition expected, RunDefinition actual, string who)
    {
        foreach (var setting in RunSettings.All)
        {
            var want = setting.Format(expected, RunDefinition.Defaults) ?? "(default)";
            var got = setting.Format(actual, RunDefinition.Defaults) ?? "(default)";
            Assert.True(want == got, $"{who}: --{setting.Name} is {got}, expected {want}");
        }

        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// A reference-layout datasets folder for dnn (intrusion_detection/corrected, KDD Cup 99 records) and a network for it.
    /// </summary>
    private static (string Datasets, string Weights) WriteDnnFiles(string folder)
    {
        var datasets = Path.Combine(folder, "datasets");
        var kdd = Directory.CreateDirectory(Path.Combine(datasets, "intrusion_detection")).FullName;
        // Every service (the reference splits the nodes by the 52nd distinct one), then enough of the services that make nodes 0-7.
        var services = Kdd99LoaderTests.ServiceTable;
        var sorted = services.Select(s => s.Code).Order().ToArray();
        string[] split = [.. new[] { sorted[51], sorted[21], sorted[0] }.Select(code => services.Single(s => s.Code == code).Name)];
        var records = Enumerable.Range(0, 1200).Select(i => Kdd99LoaderTests.Record(
            i % 2 == 0 ? services[i / 2 % services.Length].Name : split[i / 2 % split.Length], bytes: 100 + (i * 37 % 91)));
        File.WriteAllText(Path.Combine(kdd, "corrected"), string.Join("\n", records) + "\n");
        var weights = Path.Combine(folder, "dnn_net.npz");
        FunctionFiles.WriteNetwork(weights, DenseNetwork.Initialize(DenseNetwork.IntrusionDetectionShape, Activation.Relu, Activation.Sigmoid, seed: 4));
        return (datasets, weights);
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
