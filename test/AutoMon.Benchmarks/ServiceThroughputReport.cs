using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using AutoMon.Client;
using AutoMon.Grains.Hosting;
using AutoMon.Grains.Monitors;
using AutoMon.Protocol.Data;
using AutoMon.Silos.Hosting;
using AutoMon.Silos.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;

namespace AutoMon.Benchmarks;

/// <summary>
/// The monitoring service's push throughput (docs/performance.md, "Service"), as a timing report: an in-process service
/// (<see cref="ServiceHost"/>, all-in-one silo, loopback, free ports), a monitor <c>inner_product</c> (d = 40, 10 nodes),
/// and one producer per node pushing pre-generated points in batches through (a) <see cref="AutoMonClient"/> over the
/// silo's gateway and (b) <c>POST /api/monitors/{id}/nodes/{node}/points</c>. Every push returns once its violations are
/// resolved. Goal: ≥ 200,000 points/s through the client, ≥ 50,000 points/s through HTTP.
/// <c>dotnet run -c Release --project test/AutoMon.Benchmarks -- service [--mode client|http|codec|both] [--nodes N] [--dim D]
/// [--batch B] [--error-bound E] [--window W] [--warmup S] [--seconds S] [--pool P] [--checkpoints [--checkpoint-interval N]]</c>
/// With <c>--checkpoints</c> the grains write checkpoints as with DynamoDB storage (here into the in-memory storage): the
/// cost of the write path, and the writes per 1,000 updates.
/// </summary>
internal static class ServiceThroughputReport
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

        var mode = Value(args, "--mode") ?? "both";
        var nodes = Int(args, "--nodes", 10);
        var dim = Int(args, "--dim", 40);
        var batch = Int(args, "--batch", 100);
        var window = Int(args, "--window", 20);
        var warmup = Double(args, "--warmup", 3);
        var seconds = Double(args, "--seconds", 8);
        var pool = Int(args, "--pool", 2500);
        var errorBound = Double(args, "--error-bound", 0.3);
        var checkpoints = args.Contains("--checkpoints");
        var checkpointInterval = Int(args, "--checkpoint-interval", MonitorConfig.DefaultCheckpointInterval);

        // Each node's points: the generator's inner-product trajectory (5 phases), then the same points backwards, so that
        // cycling through them never jumps; cut into batches.
        var data = DataGenerators.InnerProduct(new GeneratorOptions(nodes, pool, dim, Seed: 1));
        var points = new List<double[]>[nodes];
        for (var i = 0; i < nodes; i++)
        {
            points[i] = [];
        }

        for (var row = 0; row < data.RowCount; row++)
        {
            points[data.NodeSchedule[row]].Add(data.Row(row).ToArray());
        }

        var batches = new double[nodes][][][];
        for (var i = 0; i < nodes; i++)
        {
            var cycle = points[i].Concat(Enumerable.Reverse(points[i])).ToArray();
            batches[i] = [.. cycle.Chunk(batch).Where(c => c.Length == batch)];
        }

        var names = Enumerable.Range(0, nodes).Select(i => $"n{i}").ToArray();
        using var loggers = LoggerFactory.Create(_ => { });
        var options = new SiloHostOptions
        {
            Role = SiloRole.AllInOne,
            Membership = MembershipKind.Localhost,
            Address = IPAddress.Loopback,
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            HttpPort = FreePort(),
            ClusterId = "service-bench",
            // Loopback only, and the key check is not what is measured.
            NoAuth = true,
        };
        Action<Orleans.Hosting.ISiloBuilder>? writeCheckpoints = checkpoints
            ? silo => silo.Services.Configure<AutoMonGrainStorageOptions>(storage => storage.WriteCheckpoints = true)
            : null;
        await using var app = ServiceHost.Build(options, loggers, null, null, writeCheckpoints);
        await app.StartAsync();
        await using var client = await AutoMonClient.ConnectAsync(
            AutoMonClientOptions.ForGateways($"127.0.0.1:{options.GatewayPort}") with { ClusterId = options.ClusterId, ServiceId = options.ServiceId });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.HttpPort}/") };

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"service push throughput: inner_product d={dim}, {nodes} nodes, window {window}, error bound {errorBound}, lazy-lru; batches of {batch}, one producer per node; " +
            $"{batches[0].Length} batches per node cycled; warm-up {warmup} s, measured {seconds} s; one process (silo, gateway, HTTP, producers), server GC {System.Runtime.GCSettings.IsServerGC}, {Environment.ProcessorCount} cores; load {LoadAverage()}"));

        if (mode is "codec" or "both")
        {
            WireCost(app.Services.GetRequiredService<Serializer>(), batches[0][0]);
        }

        MonitorDefinition Definition(string id) => new()
        {
            Id = id, Function = "inner_product", Dimension = dim, ErrorBound = errorBound, Nodes = names, Window = window, CheckpointInterval = checkpointInterval,
        };

        if (mode is "client" or "both")
        {
            await client.CreateMonitorAsync(Definition("bench-client"));
            var push = new Func<int, int, Task<int>>((node, k) => client.Node("bench-client", names[node]).PushAsync(batches[node][k]));
            await MeasureAsync("client", client, "bench-client", nodes, batches[0].Length, batch, push, warmup, seconds);
        }

        if (mode is "http" or "both")
        {
            await client.CreateMonitorAsync(Definition("bench-http"));
            var bodies = batches.Select(node => node.Select(b => JsonSerializer.SerializeToUtf8Bytes(new { points = b })).ToArray()).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"HTTP bodies: {bodies[0].Average(b => b.Length) / 1024:F1} KiB per batch of {batch}"));
            var json = new MediaTypeHeaderValue("application/json");
            var push = new Func<int, int, Task<int>>(async (node, k) =>
            {
                using var content = new ByteArrayContent(bodies[node][k]);
                content.Headers.ContentType = json;
                using var response = await http.PostAsync($"api/monitors/bench-http/nodes/{names[node]}/points", content).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"push: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }

                return batch;
            });
            await MeasureAsync("http", client, "bench-http", nodes, batches[0].Length, batch, push, warmup, seconds);
        }

        await app.StopAsync();
        return 0;
    }

    private static async Task MeasureAsync(
        string label, AutoMonClient client, string id, int nodes, int batchCount, int batch, Func<int, int, Task<int>> push, double warmup, double seconds)
    {
        var pushed = new long[nodes];
        long writes = 0;
        using var storage = new MeterListener();
        storage.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "AutoMon" && instrument.Name == "automon.state_writes")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        storage.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref writes, value));
        storage.Start();
        using var stop = new CancellationTokenSource();
        var producers = Enumerable.Range(0, nodes).Select(node => Task.Run(async () =>
        {
            // Node by node from a different place in the cycle, so that the nodes do not move in step.
            for (var k = node * 7 % batchCount; !stop.IsCancellationRequested; k = (k + 1) % batchCount)
            {
                var accepted = await push(node, k).ConfigureAwait(false);
                if (accepted != batch)
                {
                    throw new InvalidOperationException($"node {node}: {accepted} of {batch} points accepted");
                }

                Interlocked.Add(ref pushed[node], batch);
            }
        })).ToArray();

        await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(warmup)), Task.WhenAll(producers));
        var before = await client.GetMonitorAsync(id) ?? throw new InvalidOperationException($"no monitor {id}");
        var pointsBefore = pushed.Sum(p => Interlocked.Read(ref p));
        var writesBefore = Interlocked.Read(ref writes);
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var pauseBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();

        await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(seconds)), Task.WhenAll(producers));
        var points = pushed.Sum(p => Interlocked.Read(ref p)) - pointsBefore;
        var stateWrites = Interlocked.Read(ref writes) - writesBefore;
        var elapsed = clock.Elapsed;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        var gc = (GC.CollectionCount(0) - gcBefore.Item1, GC.CollectionCount(1) - gcBefore.Item2, GC.CollectionCount(2) - gcBefore.Item3);
        var after = await client.GetMonitorAsync(id) ?? throw new InvalidOperationException($"no monitor {id}");
        await stop.CancelAsync();
        await Task.WhenAll(producers);
        var final = await client.GetMonitorAsync(id);
        var total = pushed.Sum();
        var updates = after.Updates - before.Updates;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: {points:N0} points in {elapsed.TotalSeconds:F2} s = {points / elapsed.TotalSeconds:N0} points/s " +
            $"({updates:N0} updates counted by the monitor in that time); " +
            $"{after.FullSyncs - before.FullSyncs:N0} full / {after.LazySyncs - before.LazySyncs:N0} lazy syncs, {after.Violations - before.Violations:N0} violations, " +
            $"{after.Messages - before.Messages:N0} messages ({(double)(after.Messages - before.Messages) / updates:F4} per update); " +
            $"CPU {cpu.TotalSeconds:F2} s = {cpu.TotalSeconds / elapsed.TotalSeconds / Environment.ProcessorCount:P0} of {Environment.ProcessorCount} cores, {cpu.TotalMilliseconds * 1e3 / points:F2} µs per point; " +
            $"allocated {allocated / 1e6:F0} MB = {(double)allocated / points:F0} B per point, GCs {gc.Item1}/{gc.Item2}/{gc.Item3} (gen 0/1/2), pauses {pause.TotalMilliseconds:F0} ms; " +
            $"grain-state writes {stateWrites:N0} = {stateWrites * 1000.0 / updates:F1} per 1,000 updates; load {LoadAverage()}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: in all {total:N0} points pushed, monitor counts {final!.Updates:N0} updates, {final.FullSyncs:N0} full / {final.LazySyncs:N0} lazy syncs, estimate {final.Estimate:F4}{(final.Updates == total ? string.Empty : "  MISMATCH")}"));
    }

    // What one batch costs Orleans' serializer (a push through the gateway serializes it once each way): PointBatch as it
    // goes on the wire, and the same points as ImmutableArray<ImmutableArray<double>> with Orleans' own codecs (one field
    // per number, as PointBatch was sent before its surrogate).
    private static void WireCost(Serializer serializer, double[][] points)
    {
        var nested = points.Select(p => ImmutableArray.Create(p)).ToImmutableArray();
        var batch = new PointBatch(nested);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wire, one batch of {points.Length} points: PointBatch {RoundTrip(serializer, batch)}; ImmutableArray<ImmutableArray<double>> {RoundTrip(serializer, nested)}"));
    }

    private static string RoundTrip<T>(Serializer serializer, T value)
    {
        const int Rounds = 2000;
        var bytes = serializer.SerializeToArray(value);
        for (var k = 0; k < Rounds / 4; k++)
        {
            _ = serializer.Deserialize<T>(serializer.SerializeToArray(value));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < Rounds; k++)
        {
            _ = serializer.Deserialize<T>(serializer.SerializeToArray(value));
        }

        var perRound = clock.Elapsed.TotalMicroseconds / Rounds;
        return string.Create(CultureInfo.InvariantCulture,
            $"{bytes.Length:N0} B, {perRound:F1} µs and {(GC.GetAllocatedBytesForCurrentThread() - allocated) / Rounds:N0} B allocated per serialize + deserialize");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Value(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static double Double(string[] args, string name, double fallback) =>
        Value(args, name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
