using System.Diagnostics;
using AutoMon.Grains.Experiments;
using AutoMon.Grains.Results;
using AutoMon.Protocol.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace AutoMon.Silos.Hosting;

/// <summary>
/// A standby coordinator silo (<c>--standby</c>; the AWS deployment's <c>--coordinator-standby</c>). The experiment's
/// driver runs inside the active coordinator silo, so a dead active coordinator takes the run with it. The standby joins
/// the cluster as a coordinator silo and follows the membership: when the active coordinator silo leaves, it looks in
/// the results folder on S3. Results or an error there: the active finished (or failed and said why), and the standby
/// exits cleanly. Neither: the active died mid-run, and the standby runs the experiment itself on fresh grains — a lockstep
/// run is deterministic, so the replay gives the fault-free run's results exactly — recording the loss in summary.json's
/// <c>faults</c>.
/// </summary>
public static partial class CoordinatorStandby
{
    /// <summary>The suffix of the replay's experiment id: the dead run's node grains still hold the original id.</summary>
    public const string ReplaySuffix = "-standby";

    /// <summary>Stands by, then stands down (0) or runs the experiment (0 or 1, as <see cref="ExperimentRunner.RunAsync"/>).</summary>
    public static async Task<int> RunAsync(
        IServiceProvider services, ExperimentRequest request, ExperimentConfig config, DataSet data, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(logger);
        var results = request.ResultsS3 ?? throw new ArgumentException("--standby needs --results-s3-uri", nameof(request));
        var membership = services.GetRequiredService<IClusterMembershipService>();
        var metadata = services.GetRequiredService<ISiloMetadataCache>();
        var self = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var id = request.EffectiveExperimentId;
        LogStandingBy(logger, id, results.Uri);

        ClusterMember? active;
        ClusterMember gone;
        try
        {
            active = await WaitForActiveAsync(membership, metadata, self, request.SiloWaitTimeout, cancellationToken).ConfigureAwait(false);
            if (active is null)
            {
                return await NoActiveAsync(request, results, logger, cancellationToken).ConfigureAwait(false);
            }

            LogWatching(logger, active.Name, active.SiloAddress);
            gone = await WaitUntilGoneAsync(membership, active, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStoppedWhileStandingBy(logger, id);
            return 0;
        }

        var seen = Stopwatch.GetTimestamp();
        string? outcome;
        try
        {
            using var uploader = new S3ResultsUploader(results);
            outcome = await uploader.FindOutcomeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            // Not knowing whether the active finished, running again could overwrite its results: say so and stop.
            LogCannotTell(logger, exception.Message);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStoppedWhileStandingBy(logger, id);
            return 0;
        }

        if (outcome is not null)
        {
            LogStandingDown(logger, active.Name, gone.Status, results.Uri + outcome);
            return 0;
        }

        var detection = await DetectionSecondsAsync(services, active.SiloAddress).ConfigureAwait(false);
        LogTakingOver(logger, active.Name, gone.Status, detection, id);
        // The experiment is this silo's now: its failures are the experiment's (error.txt).
        request = request with { Standby = false };
        ExperimentResult result;
        try
        {
            if (request.WaitForSilos > 0)
            {
                await ExperimentRunner.WaitForSilosAsync(services, request.WaitForSilos, request.SiloWaitTimeout, logger, cancellationToken).ConfigureAwait(false);
            }

            result = await ExperimentRunner.DriveAsync(services, request, id + ReplaySuffix, config, data, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ExperimentRunner.IsRunFailure(exception))
        {
            return await ExperimentRunner.FailAsync(request, $"experiment failed on the standby coordinator: {exception.Message}", logger).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await ExperimentRunner.StoppedAsync(request, logger).ConfigureAwait(false);
        }

        // The dead run's progress died with its driver: the round is unknown, the recovery lasts until the replay is done.
        var fault = new SiloFault(active.Name ?? active.SiloAddress.ToString(), Round: null, detection, Stopwatch.GetElapsedTime(seen).TotalSeconds);
        LogRecovered(logger, active.Name, fault.DetectionSeconds, fault.RecoverySeconds);
        return await ExperimentRunner.PublishAsync(request, result, [fault], logger).ConfigureAwait(false);
    }

    // No active coordinator joined within the wait: it may have finished before this silo came up, or never started.
    private static async Task<int> NoActiveAsync(ExperimentRequest request, S3Folder results, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            using var uploader = new S3ResultsUploader(results);
            if (await uploader.FindOutcomeAsync(cancellationToken).ConfigureAwait(false) is { } outcome)
            {
                LogStandingDown(logger, "coordinator", SiloStatus.None, results.Uri + outcome);
                return 0;
            }
        }
        catch (IOException exception)
        {
            LogCannotTell(logger, exception.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        LogNoActive(logger, request.SiloWaitTimeout);
        return 1;
    }

    /// <summary>
    /// The first other coordinator silo seen active (or one that started after this silo and is already gone); null when
    /// none is within <paramref name="timeout"/>.
    /// </summary>
    private static async Task<ClusterMember?> WaitForActiveAsync(
        IClusterMembershipService membership, ISiloMetadataCache metadata, SiloAddress self, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(wait.Token).ConfigureAwait(false))
            {
                var others = snapshot.Members.Values.Where(m => !m.SiloAddress.Equals(self) && CoordinatorWatch.IsCoordinator(m, metadata)).ToList();
                var seen = others.FirstOrDefault(m => m.Status == SiloStatus.Active)
                           ?? others.FirstOrDefault(m => m.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead
                                                         && m.SiloAddress.Generation > self.Generation);
                if (seen is not null)
                {
                    return seen;
                }
            }

            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The active coordinator's entry once it is no longer active (leaving, declared dead, or its row removed).</summary>
    private static async Task<ClusterMember> WaitUntilGoneAsync(IClusterMembershipService membership, ClusterMember active, CancellationToken cancellationToken)
    {
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!snapshot.Members.TryGetValue(active.SiloAddress, out var member))
            {
                return new ClusterMember(active.SiloAddress, SiloStatus.Dead, active.Name);
            }

            if (member.Status != SiloStatus.Active)
            {
                return member;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    /// <summary>
    /// How long the membership took to declare the silo dead, estimated: nobody alive saw it die, but its row holds the
    /// first suspicion a silo voted, which comes after the missed probes (<see cref="ClusterMembershipOptions.NumMissedProbesLimit"/>
    /// × <see cref="ClusterMembershipOptions.ProbeTimeout"/>); so the missed probes plus the time from that vote until now.
    /// When the row holds no vote (a silo that left by itself), from its last IAmAlive; 0 when the table cannot tell.
    /// </summary>
    private static async Task<double> DetectionSecondsAsync(IServiceProvider services, SiloAddress silo)
    {
        if (services.GetService<IMembershipTable>() is not { } table)
        {
            return 0;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var row = await table.ReadRowAsync(silo, timeout.Token).ConfigureAwait(false);
            if (row.Members.FirstOrDefault()?.Item1 is not { } entry)
            {
                return 0;
            }

            if (entry.SuspectTimes is { Count: > 0 } votes)
            {
                var membership = services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
                var missedProbes = membership.ProbeTimeout * membership.NumMissedProbesLimit;
                return Math.Max(0, (DateTime.UtcNow - votes.Min(v => v.Item2).ToUniversalTime() + missedProbes).TotalSeconds);
            }

            return entry.IAmAliveTime == default ? 0 : Math.Max(0, (DateTime.UtcNow - entry.IAmAliveTime.ToUniversalTime()).TotalSeconds);
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException or OrleansException or InvalidOperationException or IOException)
        {
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon standby coordinator for {Experiment}: standing by; takes over unless the results appear in {Results}")]
    private static partial void LogStandingBy(ILogger logger, string experiment, string results);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon standby coordinator: watching the active coordinator silo {Name} ({Silo})")]
    private static partial void LogWatching(ILogger logger, string? name, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon standby coordinator: {Name} left ({Status}) and {Outcome} is there; standing down")]
    private static partial void LogStandingDown(ILogger logger, string? name, SiloStatus status, string outcome);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "AutoMon standby coordinator: {Name} left ({Status}, declared dead about {Detection:F1} s after it stopped answering probes) without results; taking over experiment {Experiment}")]
    private static partial void LogTakingOver(ILogger logger, string? name, SiloStatus status, double detection, string experiment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AutoMon standby coordinator: lost silo {Name}: detected in {Detection:F1} s, recovered in {Recovery:F1} s")]
    private static partial void LogRecovered(ILogger logger, string? name, double detection, double recovery);

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon standby coordinator: cannot tell whether the active coordinator finished: {Reason}")]
    private static partial void LogCannotTell(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "AutoMon standby coordinator: no active coordinator silo joined within {Timeout} and no results are there; standing down")]
    private static partial void LogNoActive(ILogger logger, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "AutoMon standby coordinator for {Experiment}: stopped while standing by")]
    private static partial void LogStoppedWhileStandingBy(ILogger logger, string experiment);
}
