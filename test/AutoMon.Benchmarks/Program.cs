using AutoMon.Benchmarks;
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "grains")
{
    return await GrainThroughputReport.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "service")
{
    return await ServiceThroughputReport.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(GrainThroughputReport).Assembly).Run(args);
return 0;
