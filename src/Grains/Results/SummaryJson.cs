using System.Text;
using System.Text.Json;
using AutoMon.Grains.Experiments;
using AutoMon.Protocol;
using AutoMon.Protocol.Simulation;

namespace AutoMon.Grains.Results;

/// <summary>
/// The one writer of <c>summary.json</c>, for every host: the <c>simulate</c> command, the launcher's sweeps (AutoMon or
/// the centralisation baseline, on any engine) and a silo that ran an experiment. Each document holds the 13 reference
/// counters by name, bytes, errors, rounds and timing, plus what its host knows (baselines, wire bytes, placement, config).
/// </summary>
/// <remarks>
/// JSON has no NaN or infinity. The documents of <c>simulate</c> and the sweeps write such a value as numpy's text
/// ("NaN", "Infinity"); the silo's document, read by the launcher after an AWS run, writes null.
/// </remarks>
public static class SummaryJson
{
    /// <summary>
    /// <c>simulate</c>'s document: the run's fields with <paramref name="wallSeconds"/> as the data loop's time (with
    /// <paramref name="repeats"/> &gt; 1 the median, then the count and <paramref name="bestWallSeconds"/>), and the config.
    /// </summary>
    public static string ForSimulation(SimulationResult result, RunConfig config, double wallSeconds, int repeats, double bestWallSeconds)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(config);
        return Render(json =>
        {
            json.WriteStartObject();
            WriteMonitoringFields(json, result, wallSeconds, repeats, bestWallSeconds);
            WriteConfig(json, config);
            json.WriteEndObject();
        });
    }

    /// <summary>A sweep's AutoMon run: the engine, the run's fields, the wire bytes and placement when measured, the config.</summary>
    /// <remarks>A run that lost silos lists them in <c>faults</c> (absent when none was lost).</remarks>
    public static string ForAutoMonRun(string engine, SimulationResult result, RunConfig config, WireSummary? wire, PlacementSummary? placement,
        IReadOnlyList<SiloFault>? faults = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(config);
        return Render(json =>
        {
            json.WriteStartObject();
            json.WriteString("engine", engine);
            WriteMonitoringFields(json, result, result.WallSeconds, repeats: 1, double.NaN);
            WriteSweepExtras(json, wire, placement);
            WriteFaults(json, faults);
            WriteConfig(json, config);
            json.WriteEndObject();
        });
    }

    /// <summary>A sweep's centralisation run: the engine, its messages, bytes and rounds (error 0), the wire bytes, the config.</summary>
    public static string ForCentralizationRun(string engine, CentralizationSummary result, RunConfig config, WireSummary? wire)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(config);
        return Render(json =>
        {
            json.WriteStartObject();
            json.WriteString("engine", engine);
            json.WriteString("mode", "centralization");
            json.WriteNumber("messages", result.Messages);
            json.WriteNumber("bytes", result.PayloadBytes);
            WriteNumber(json, "max_error", 0);
            WriteNumber(json, "mean_error", 0);
            json.WriteNumber("rounds", result.Rounds);
            json.WriteNumber("data_updates", result.Messages);
            WriteNumber(json, "wall_seconds", result.WallSeconds);
            WriteSweepExtras(json, wire, placement: null);
            WriteConfig(json, config);
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// A silo's experiment on the grains: the run's fields, the reference-layout and Orleans wire bytes and where the grains
    /// ran; no final newline (the silo also prints it as one line of its output).
    /// </summary>
    /// <remarks>A run a standby coordinator silo took over lists the silo it replaced in <c>faults</c>.</remarks>
    public static string ForGrainRun(ExperimentResult result, IReadOnlyList<SiloFault>? faults = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Render(finalNewline: false, write: json =>
        {
            var summary = result.Summary;
            var statistics = summary.Statistics;
            json.WriteStartObject();
            json.WriteString("engine", "orleans");
            json.WriteString("experiment_id", result.ExperimentId);
            json.WriteString("pacing", result.Pacing == Pacing.Paced ? "paced" : "lockstep");
            WriteCounters(json, statistics);
            FiniteOrNull(json, "max_error", summary.MaxError);
            FiniteOrNull(json, "mean_error", summary.MeanError);
            json.WriteNumber("rounds", summary.Rounds);
            json.WriteNumber("data_updates", summary.DataUpdates);
            FiniteOrNull(json, "wall_seconds", summary.WallSeconds);
            FiniteOrNull(json, "updates_per_second", summary.UpdatesPerSecond);
            FiniteOrNull(json, "node_check_mean_ns", summary.NodeCheckMeanNanoseconds);
            FiniteOrNull(json, "full_sync_mean_ms", summary.FullSyncMeanMilliseconds);
            json.WriteNumber("full_syncs", statistics.FullSyncs.Count);
            json.WriteNumber("lazy_syncs", statistics.LazySyncs);
            json.WriteNumber("protocol_bytes", result.ProtocolBytes);
            json.WriteNumber("wire_messages", result.Wire.Messages);
            json.WriteNumber("wire_header_bytes", result.Wire.HeaderBytes);
            json.WriteNumber("wire_body_bytes", result.Wire.BodyBytes);
            json.WriteNumber("wire_bytes", result.Wire.TotalBytes);
            FiniteOrNull(json, "wire_to_protocol_ratio", result.WireToProtocolRatio);
            json.WriteString("coordinator_silo", result.Coordinator.Silo);
            WriteNodesPerSilo(json, result.NodesPerSilo);
            WriteFaults(json, faults);
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// The fields of the "config" object (the reference's config.txt keys), which the launcher's config.json repeats.
    /// </summary>
    public static void WriteRunConfigFields(Utf8JsonWriter json, RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(config);
        var function = config.Function;
        json.WriteString("function", function.Name);
        json.WriteNumber("num_nodes", config.Nodes);
        json.WriteNumber("num_iterations", config.Iterations);
        json.WriteNumber("num_iterations_for_tuning", config.TuningIterations);
        json.WriteNumber("sliding_window_size", config.Window);
        json.WriteNumber("d", config.Dimension);
        WriteNumberOrNull(json, "error_bound", config.ErrorBound);
        if (function.Domain is { } domain)
        {
            json.WriteStartArray("domain");
            json.WriteNumberValue(domain.Low);
            json.WriteNumberValue(domain.High);
            json.WriteEndArray();
        }
        else
        {
            json.WriteNull("domain");
        }

        WriteNumberOrNull(json, "neighborhood_size", config.NeighborhoodSize);
        WriteNumberOrNull(json, "min_f_val", double.IsInfinity(function.MinValue) ? null : function.MinValue);
        WriteNumberOrNull(json, "max_f_val", double.IsInfinity(function.MaxValue) ? null : function.MaxValue);
        json.WriteString("slack", config.Slack);
        json.WriteString("sync", config.Sync);
        json.WriteBoolean("single_sample_rounds", config.SingleSampleRounds);
        if (config.Adaptive)
        {
            json.WriteBoolean("adaptive", true);
        }

        if (config.Protocol != MonitoringProtocol.AutoMon)
        {
            json.WriteString("protocol", config.Protocol.Name());
        }

        json.WriteString("data", config.Data);
    }

    /// <summary>A number; NaN and infinities as numpy's text ("NaN", "Infinity"), since JSON has no such numbers.</summary>
    public static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteString(name, ResultCsv.Format(value));
        }
    }

    /// <summary>As <see cref="WriteNumber"/>, or null when there is no value.</summary>
    public static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (value is { } v)
        {
            WriteNumber(json, name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>Renders one indented JSON document, as the result files hold them: with a final newline unless told otherwise.</summary>
    public static string Render(Action<Utf8JsonWriter> write, bool finalNewline = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(json);
        }

        var text = Encoding.UTF8.GetString(buffer.ToArray());
        return finalNewline ? text + "\n" : text;
    }

    // The run's fields (the 13 reference counters by name, bytes, errors, timing, syncs, ADCD, tuning, baselines).
    // The silos a run lost (absent when none): where the run was, detection and recovery times.
    private static void WriteFaults(Utf8JsonWriter json, IReadOnlyList<SiloFault>? faults)
    {
        if (faults is not { Count: > 0 })
        {
            return;
        }

        json.WriteStartArray("faults");
        foreach (var fault in faults)
        {
            json.WriteStartObject();
            json.WriteString("silo", fault.Silo);
            if (fault.Round is { } round)
            {
                json.WriteNumber("round", round);
            }
            else
            {
                json.WriteNull("round");
            }

            WriteNumber(json, "detection_seconds", Math.Round(fault.DetectionSeconds, 3));
            WriteNumber(json, "recovery_seconds", Math.Round(fault.RecoverySeconds, 3));
            if (fault.UnguardedSeconds is { } unguarded)
            {
                WriteNumber(json, "unguarded_seconds", Math.Round(unguarded, 3));
            }

            if (fault.UnguardedRounds is { } rounds)
            {
                json.WriteNumber("unguarded_rounds", rounds);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteMonitoringFields(Utf8JsonWriter json, SimulationResult result, double wallSeconds, int repeats, double bestWallSeconds)
    {
        var statistics = result.Statistics;
        WriteCounters(json, statistics);
        WriteNumber(json, "max_error", result.MaxError);
        WriteNumber(json, "mean_error", result.MeanError);
        json.WriteNumber("rounds", result.Rounds);
        json.WriteNumber("data_updates", result.DataUpdates);
        WriteNumber(json, "wall_seconds", wallSeconds);
        WriteNumber(json, "node_check_mean_ns", result.NodeCheckMeanNanoseconds);
        WriteNumber(json, "full_sync_mean_ms", result.FullSyncMeanMilliseconds);
        json.WriteNumber("full_syncs", statistics.FullSyncs.Count);
        json.WriteNumber("lazy_syncs", statistics.LazySyncs);
        json.WriteNumber("eager_sync_fallbacks", statistics.EagerSyncFallbacks);
        json.WriteNumber("stale_messages", statistics.StaleMessages);
        json.WriteNumber("safe_zone_violations", statistics.SafeZoneViolations);
        json.WriteNumber("domain_violations", statistics.DomainViolations);
        json.WriteNumber("faulty_safe_zone_violations", statistics.FaultySafeZoneViolations);
        WriteNumber(json, "updates_per_second", wallSeconds > 0 ? result.DataUpdates / wallSeconds : double.PositiveInfinity);
        if (repeats > 1)
        {
            json.WriteNumber("repeats", repeats);
            WriteNumber(json, "wall_seconds_best", bestWallSeconds);
        }

        if (statistics.Adaptive)
        {
            // Written only for adaptive runs: the paper's runs keep their documents byte for byte.
            json.WriteStartObject("adaptive");
            if (statistics.CentralizationSwitchRound is { } round)
            {
                json.WriteNumber("switch_round", round);
            }
            else
            {
                json.WriteNull("switch_round");
            }

            json.WriteNumber("switch_msgs", statistics.CentralizationSwitchMessages);
            json.WriteNumber("centralized_reports", statistics.CentralizedReports);
            json.WriteEndObject();
        }

        WriteNumber(json, "adcd_x_mean_ms", result.AdcdXMeanMilliseconds);
        // A competitor runs no ADCD.
        json.WriteString("adcd", result.Protocol != MonitoringProtocol.AutoMon ? "none" : result.IsHessianConstant ? "E" : "X");
        WriteNumber(json, "neighborhood_size", result.NeighborhoodSize);
        if (result.Tuning is { } tuning)
        {
            json.WriteStartObject("neighborhood_tuning");
            WriteNumber(json, "chosen", tuning.ChosenSize);
            json.WriteStartArray("trials");
            foreach (var trial in tuning.Trials)
            {
                json.WriteStartObject();
                WriteNumber(json, "neighborhood_size", trial.NeighborhoodSize);
                json.WriteNumber("total_violations", trial.TotalViolations);
                json.WriteNumber("safe_zone_violations", trial.SafeZoneViolations);
                json.WriteNumber("domain_violations", trial.DomainViolations);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteStartObject("baselines");
        foreach (var baseline in new[] { result.Centralization, result.Periodic, result.PeriodicOracle })
        {
            json.WriteStartObject(baseline.Name);
            json.WriteNumber("period", baseline.Period);
            json.WriteNumber("messages", baseline.Messages);
            json.WriteNumber("bytes", baseline.Bytes);
            WriteNumber(json, "max_error", baseline.MaxError);
            WriteNumber(json, "mean_error", baseline.MeanError);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    // The 13 reference counters by name, then the reference-layout bytes both ways.
    private static void WriteCounters(Utf8JsonWriter json, CoordinatorStatistics statistics)
    {
        var counters = statistics.Counters;
        for (var i = 0; i < counters.Count; i++)
        {
            json.WriteNumber(CoordinatorStatistics.CounterNames[i], counters[i]);
        }

        json.WriteNumber("bytes_sent", statistics.BytesSent);
        json.WriteNumber("bytes_received", statistics.BytesReceived);
    }

    private static void WriteSweepExtras(Utf8JsonWriter json, WireSummary? wire, PlacementSummary? placement)
    {
        if (wire is { } w)
        {
            json.WriteNumber("wire_messages", w.Messages);
            json.WriteNumber("wire_bytes", w.Bytes);
        }

        if (placement is { } p)
        {
            json.WriteStartObject("placement");
            json.WriteString("coordinator_silo", p.CoordinatorSilo);
            WriteNodesPerSilo(json, p.NodesPerSilo);
            json.WriteEndObject();
        }
    }

    private static void WriteNodesPerSilo(Utf8JsonWriter json, IReadOnlyDictionary<string, int> nodesPerSilo)
    {
        json.WriteStartObject("nodes_per_silo");
        foreach (var (silo, count) in nodesPerSilo.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(silo, count);
        }

        json.WriteEndObject();
    }

    private static void WriteConfig(Utf8JsonWriter json, RunConfig config)
    {
        json.WriteStartObject("config");
        WriteRunConfigFields(json, config);
        json.WriteEndObject();
    }

    // The silo's document: JSON null for NaN and infinities.
    private static void FiniteOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
