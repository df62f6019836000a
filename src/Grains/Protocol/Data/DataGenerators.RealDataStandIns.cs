namespace AutoMon.Protocol.Data;

public static partial class DataGenerators
{
    /// <summary>
    /// Synthetic stand-in for the KDD Cup 99 intrusion-detection stream (9 nodes, d = 41). Records come in bursts of one
    /// traffic group with the test set's group sizes: an ICMP echo-flood group spread over nodes 0–4, a SYN-flood group over
    /// nodes 5–6, web traffic on node 7 and mixed services on node 8; each group switches between normal and attack-like
    /// connection profiles now and then. Raw KDD-style features (protocol/service/flag codes, byte counts, connection
    /// counts, rates) are scaled to unit L2 norm and the start is aligned exactly as for the real data
    /// (<see cref="IntrusionDetectionSplit.BuildDataSet"/>), so the schedule is the reference's, not round-robin.
    /// </summary>
    /// <remarks><see cref="GeneratorOptions.Iterations"/> counts monitored rows in total, as the reference's experiment does.</remarks>
    public static DataSet IntrusionDetection(GeneratorOptions options)
    {
        Require(options);
        if (options.NodeCount != IntrusionDetectionSplit.NodeCount || options.Dimension != IntrusionDetectionSplit.FeatureCount)
        {
            throw new ArgumentException(
                $"Intrusion detection has {IntrusionDetectionSplit.NodeCount} nodes and {IntrusionDetectionSplit.FeatureCount} features (got {options.NodeCount} and {options.Dimension}).",
                nameof(options));
        }

        // Alignment drops a few hundred records at each start; draw with margin and retry with more if ever short.
        for (var margin = 4000; ; margin *= 2)
        {
            var records = (options.TuningIterations * IntrusionDetectionSplit.NodeCount) + options.Iterations + margin;
            var random = new SeededRandom(options.Seed);
            var (nodes, features) = SyntheticConnections(random, records);
            IntrusionDetectionSplit.NormalizeRows(features, IntrusionDetectionSplit.FeatureCount);
            try
            {
                return IntrusionDetectionSplit.BuildDataSet(nodes, features, options.TuningIterations, options.Iterations);
            }
            catch (ArgumentException) when (margin < 1 << 20)
            {
                // Too few records after alignment: draw again with a larger margin.
            }
        }
    }

    /// <summary>
    /// Synthetic stand-in for the Beijing air-quality KLD stream: one station per node, hourly PM10 from a shared
    /// log-AR(1) regional level with a daily cycle plus a station offset and station noise, PM2.5 a drifting fraction of
    /// PM10; both binned with <see cref="PollutionBins"/> (k = d/2). Rows go hour by hour, station by station
    /// (row k to node k mod n), each a pair (PM10 class, PM2.5 class) as in the reference.
    /// </summary>
    public static DataSet AirQualityKld(GeneratorOptions options)
    {
        RequireEven(options);
        if (options.Dimension < 4)
        {
            throw new ArgumentException("KLD needs at least 2 classes per frequency vector (dimension 4 or more).", nameof(options));
        }

        var bins = new PollutionBins(options.Dimension / 2);
        var stations = options.NodeCount;
        var random = new SeededRandom(options.Seed);
        var offsets = new double[stations];
        var noise = new double[stations];
        for (var s = 0; s < stations; s++)
        {
            offsets[s] = random.Normal(0, 0.15);
        }

        const double phi = 0.98, mean = 4.4, levelSigma = 0.16, noisePhi = 0.8, noiseSigma = 0.12;
        var level = mean;
        var ratioDrift = 0.0;
        var hours = options.TuningIterations + options.Iterations;
        var data = new double[hours * stations * 2];
        for (var t = 0; t < hours; t++)
        {
            level = mean + (phi * (level - mean)) + random.Normal(0, levelSigma);
            ratioDrift = (0.995 * ratioDrift) + random.Normal(0, 0.01);
            var daily = 0.15 * Math.Sin(2 * Math.PI * t / 24);
            for (var s = 0; s < stations; s++)
            {
                noise[s] = (noisePhi * noise[s]) + random.Normal(0, noiseSigma);
                var pm10 = Math.Exp(level + daily + offsets[s] + noise[s]);
                var ratio = Math.Clamp(0.6 + ratioDrift + random.Normal(0, 0.08), 0.2, 1.0);
                var row = ((t * stations) + s) * 2;
                data[row] = bins.IndexOf(pm10);
                data[row + 1] = bins.IndexOf(pm10 * ratio);
            }
        }

        var tuningRows = options.TuningIterations * stations;
        return new DataSet(data, 2, DataSet.RoundRobinSchedule(hours * stations, stations), stations, tuningRows);
    }

    private enum TrafficGroup
    {
        EchoFlood,
        SynFlood,
        Web,
        Mixed,
    }

    private static (int[] Nodes, double[] Features) SyntheticConnections(SeededRandom random, int records)
    {
        // Group sizes of the KDD test set (ecr_i, private, http, the rest); the groups' nodes as the reference splits them.
        ReadOnlySpan<double> groupShare = [0.528, 0.252, 0.133, 0.087];
        var attackRegime = new bool[4];
        var roundRobin = new int[2];
        var nodes = new int[records];
        var features = new double[records * IntrusionDetectionSplit.FeatureCount];
        var group = TrafficGroup.EchoFlood;
        var burstLeft = 0;
        for (var i = 0; i < records; i++)
        {
            if (burstLeft-- <= 0)
            {
                group = (TrafficGroup)random.Choice(groupShare);
                burstLeft = 1 + (int)(-30 * Math.Log(1 - random.NextDouble()));
            }

            var g = (int)group;
            if (random.NextDouble() < 0.003)
            {
                attackRegime[g] = !attackRegime[g];
            }

            nodes[i] = group switch
            {
                TrafficGroup.EchoFlood => roundRobin[0]++ % 5,
                TrafficGroup.SynFlood => 5 + (roundRobin[1]++ % 2),
                TrafficGroup.Web => 7,
                _ => 8,
            };
            Connection(random, group, attackRegime[g], features.AsSpan(i * IntrusionDetectionSplit.FeatureCount, IntrusionDetectionSplit.FeatureCount));
        }

        return (nodes, features);
    }

    /// <summary>One raw connection record in KDD feature order (0 duration, 1 protocol, 2 service, 3 flag, 4–5 bytes,
    /// 22–23 counts, 24–30 rates, 31–32 host counts, 33–40 host rates).</summary>
    private static void Connection(SeededRandom random, TrafficGroup group, bool attack, Span<double> f)
    {
        f.Clear();
        double Jitter(double value, double relative) => Math.Max(0, value * (1 + random.Normal(0, relative)));
        double Rate(double value) => Math.Clamp(value + random.Normal(0, 0.02), 0, 1);
        int Count(int low, int high) => low + random.NextInt(high - low + 1);
        switch (group)
        {
            case TrafficGroup.EchoFlood:
                f[1] = 3; f[2] = 54; f[3] = 1;
                f[4] = attack ? (random.NextDouble() < 0.8 ? 1032 : 520) : Jitter(30, 0.3);
                f[22] = attack ? Count(480, 511) : Count(1, 5);
                f[23] = attack ? f[22] : Count(1, 5);
                f[28] = Rate(1);
                f[31] = attack ? 255 : Count(1, 255);
                f[32] = attack ? 255 : Count(1, 40);
                f[33] = Rate(attack ? 1 : 0.3);
                f[35] = Rate(attack ? 1 : 0.2);
                break;
            case TrafficGroup.SynFlood:
                f[1] = attack ? 1 : 2; f[2] = 24; f[3] = attack ? 6 : 1;
                f[4] = attack ? 0 : Jitter(105, 0.1);
                f[5] = attack ? 0 : Jitter(146, 0.1);
                f[22] = attack ? Count(100, 300) : Count(1, 5);
                f[23] = attack ? Count(5, 20) : Count(1, 5);
                f[24] = f[25] = attack ? Rate(1) : 0;
                f[28] = Rate(attack ? 0.06 : 1);
                f[29] = Rate(attack ? 0.07 : 0);
                f[31] = 255;
                f[32] = attack ? Count(1, 20) : Count(100, 255);
                f[33] = Rate(attack ? 0.05 : 0.9);
                f[37] = f[38] = attack ? Rate(1) : 0;
                break;
            case TrafficGroup.Web:
                f[1] = 1; f[2] = 1; f[3] = 1; f[11] = 1;
                f[4] = attack ? Jitter(54540, 0.01) : Jitter(250, 0.3);
                f[5] = attack ? Jitter(8314, 0.01) : Math.Exp(random.Normal(7.5, 1));
                f[9] = attack ? 2 : 0;
                f[22] = Count(1, 20);
                f[23] = Count(1, 20);
                f[28] = 1;
                f[31] = Count(1, 255);
                f[32] = 255;
                f[33] = 1;
                break;
            default:
                f[1] = 1 + random.NextInt(2);
                f[2] = 2 + random.NextInt(68);
                f[3] = attack ? 10 : 1 + random.NextInt(2);
                f[0] = random.NextDouble() < 0.05 ? Count(1, 5000) : 0;
                f[4] = Math.Exp(random.Normal(5, 2));
                f[5] = attack ? 0 : Math.Exp(random.Normal(6, 2));
                f[22] = Count(1, attack ? 200 : 10);
                f[23] = Count(1, 10);
                f[26] = f[27] = attack ? Rate(1) : 0;
                f[28] = Rate(attack ? 0.1 : 0.8);
                f[31] = Count(1, 255);
                f[32] = Count(1, 255);
                f[39] = f[40] = attack ? Rate(0.9) : 0;
                break;
        }
    }
}
