using System.Diagnostics;
using System.Globalization;
using AutoMon.Grains.Experiments;
using AutoMon.Grains;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Placement;
using AutoMon.Protocol;
using AutoMon.Protocol.Data;
using AutoMon.Protocol.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace AutoMon.Benchmarks;

/// <summary>
/// Issue 4 target, as a timing report (a run takes seconds and needs a silo, which BenchmarkDotNet's iterations do not fit):
/// lockstep inner product, d = 40, 1000 node grains on one all-in-one silo — data updates per second end to end (round 0
/// through the last round: every node step, every round closed at the coordinator, every sync), target ≥ 100,000/s;
/// with the Orleans-to-protocol byte ratio, and the process's peak working set when the run ends (read before the checking
/// simulation runs; each run's grains are released before the next starts; the peak is the process's so far). The same data
/// through <see cref="Simulator.Run"/> then checks the counters.
/// <c>dotnet run -c Release --project test/AutoMon.Benchmarks -- grains [--nodes N] [--iterations I] [--dim D]
/// [--error-bound E] [--window W] [--lookahead L] [--runs R] [--sync eager|lazy-lru]</c>
/// </summary>
internal static class GrainThroughputReport
{
    public static async Task<int> RunAsync(string[] args)
    {
        // Silos run with server GC (src/Silos sets it); so does this report: it restarts itself with it if needed.
        if (!System.Runtime.GCSettings.IsServerGC && Environment.GetEnvironmentVariable("DOTNET_gcServer") is null)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
            foreach (var argument in Environment.GetCommandLineArgs().Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["DOTNET_gcServer"] = "1";
            using var child = Process.Start(start)!;
            await child.WaitForExitAsync();
            return child.ExitCode;
        }

        var nodes = Int(args, "--nodes", 1000);
        var iterations = Int(args, "--iterations", 220);
        var dim = Int(args, "--dim", 40);
        var window = Int(args, "--window", 20);
        var lookahead = Int(args, "--lookahead", 64);
        var runs = Int(args, "--runs", 3);
        var errorBound = double.Parse(Value(args, "--error-bound") ?? "1.0", CultureInfo.InvariantCulture);
        var sync = Value(args, "--sync") == "eager" ? SyncType.Eager : SyncType.LazyLRU;

        var data = DataGenerators.InnerProduct(new GeneratorOptions(nodes, iterations, dim, Seed: 1));
        var config = new ExperimentConfig
        {
            Function = new FunctionSpec { Name = "inner_product", Dimension = dim },
            NodeCount = nodes,
            StreamKind = StreamKind.WindowedAverage,
            WindowSize = window,
            ErrorBound = errorBound,
            SyncType = sync,
        };

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: 22222, gatewayPort: 32222);
            silo.UseSiloMetadata(new Dictionary<string, string> { [AutoMonSiloMetadata.Role] = AutoMonSiloMetadata.AllInOneRole });
            silo.AddAutoMonGrains();
            silo.AddMemoryGrainStorage(AutoMonGrainStorage.Name);
        });
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"inner product d={dim}, {nodes} node grains, {iterations} points per node, window {window}, error bound {errorBound}, {sync}, look-ahead {lookahead}; one all-in-one silo, driver in the silo's process, server GC {System.Runtime.GCSettings.IsServerGC}"));

        // The checking simulation runs after the grain runs, so the peak working set read at the end of a run is the
        // grain run's own: host, grains, the driver and its data set (which the simulation later reuses).
        var results = new List<ExperimentResult>();
        for (var run = 1; run <= runs; run++)
        {
            var driver = new ExperimentDriver(grains, new ExperimentDriverOptions { MaxLookaheadRounds = lookahead });
            var setup = Stopwatch.StartNew();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var id = $"bench-{run}-{Guid.NewGuid():N}";
            var lockstep = await driver.StartLockstepAsync(id, config, data);
            var started = setup.Elapsed;
            var cpuStarted = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var pauseBefore = GC.GetTotalPauseDuration();
            var gen2Before = GC.CollectionCount(2);
            await lockstep.RunRoundsAsync(int.MaxValue);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStarted;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            var pause = GC.GetTotalPauseDuration() - pauseBefore;
            var gen2 = GC.CollectionCount(2) - gen2Before;
            var result = await lockstep.ResultAsync();
            results.Add(result);
            await driver.ReleaseAsync(id, nodes);
            using var process = Process.GetCurrentProcess();
            var heap = GC.GetGCMemoryInfo();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: {result.Summary.DataUpdates} updates in {result.Summary.WallSeconds:F2} s = {result.Summary.UpdatesPerSecond:N0} updates/s end to end " +
                $"({lockstep.Steps} steps: nodes {lockstep.NodeTime.TotalSeconds:F2} s, coordinator {lockstep.CoordinatorTime.TotalSeconds:F2} s; start-up {started.TotalSeconds:F2} s); " +
                $"protocol {result.ProtocolBytes:N0} B, Orleans {result.Wire.TotalBytes:N0} B in {result.Wire.Messages:N0} messages, ratio {result.WireToProtocolRatio:F3}; " +
                $"node check {result.Summary.NodeCheckMeanNanoseconds:F0} ns; CPU {cpu.TotalSeconds:F2} s = {result.Summary.DataUpdates / cpu.TotalSeconds:N0} updates per CPU-second; allocated {allocated / 1e6:F0} MB, GC pauses {pause.TotalSeconds:F2} s, {gen2} gen-2 GCs; " +
                $"peak working set {process.PeakWorkingSet64 / 1e6:F0} MB (GC heap {heap.HeapSizeBytes / 1e6:F0} MB, committed {heap.TotalCommittedBytes / 1e6:F0} MB)"));
        }

        var simulated = Simulator.Run(config.ToSimulationOptions(config.Function.Create()), data);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"in-process simulation: {simulated.DataUpdates} updates, {simulated.Rounds} rounds, {simulated.Statistics.RoundsWithViolation} with violations, {simulated.Statistics.FullSyncs.Count} full / {simulated.Statistics.LazySyncs} lazy syncs, {simulated.UpdatesPerSecond:N0} updates/s"));
        for (var run = 1; run <= results.Count; run++)
        {
            var result = results[run - 1];
            var same = result.Statistics.Counters.SequenceEqual(simulated.Statistics.Counters)
                && result.Statistics.FullSyncs.Count == simulated.Statistics.FullSyncs.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: counters {(same ? "equal to" : "DIFFERENT FROM")} the simulation"));
        }

        if (args.Contains("--overhead"))
        {
            // Orleans' cost of one node step without work: 1000 calls carrying nothing.
            var id = $"overhead-{Guid.NewGuid():N}";
            var driver = new ExperimentDriver(grains);
            var lockstep = await driver.StartLockstepAsync(id, config, data);
            var node = Enumerable.Range(0, nodes).Select(i => grains.GetGrain<INodeGrain>(ExperimentKeys.Node(id, i))).ToArray();
            for (var round = 0; round < 3; round++)
            {
                var clock = Stopwatch.StartNew();
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated0 = GC.GetTotalAllocatedBytes();
                const int Calls = 20;
                for (var k = 0; k < Calls; k++)
                {
                    await Task.WhenAll(node.Select(n => n.Step(new NodeStepRequest(DataRows.Empty, -1, -1))));
                }

                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"empty steps: {Calls * nodes} calls in {clock.Elapsed.TotalSeconds:F2} s, CPU {cpu.TotalMilliseconds * 1000 / (Calls * nodes):F1} µs and {(GC.GetTotalAllocatedBytes() - allocated0) / (Calls * nodes)} B allocated per call"));
            }
        }

        await host.StopAsync();
        return 0;
    }

    private static string? Value(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
