namespace AutoMon.Launcher.Aws;

/// <summary>
/// Provisions the cloud side of a launcher run (<c>--target aws</c>), the paper's WAN setup (Sec. 4; the seed's
/// aws_experiments/deploy_aws_experiment.py): per experiment (workload × error bound) a CloudWatch log group and a DynamoDB
/// membership table (<see cref="AwsExperimentResources"/>), the coordinator silo in the coordinator region
/// (<see cref="AwsCoordinatorHosting"/>: EC2 instance or Fargate task) and one Fargate task per node silo in the nodes
/// region (<see cref="AwsSiloTasks"/>), in the experiment's network (<see cref="AwsNetworkSetup"/>), whose security
/// groups then let in exactly its silos' public addresses (<see cref="AwsSiloAddresses"/>); results go through the
/// results bucket (<see cref="AwsResultsStore"/>). Every resource is tagged with the run id, so <see cref="AwsCleanup"/>
/// removes exactly what a run made.
/// </summary>
public sealed class AwsExperimentProvisioner
{
    private readonly AwsSession _session;
    private readonly TextWriter _log;
    private readonly AwsNetworkSetup _network;
    private readonly AwsSiloAddresses _addresses;
    private readonly AwsSiloTasks _tasks;
    private readonly AwsCoordinatorHosting _coordinators;
    private readonly AwsExperimentResources _resources;
    private readonly AwsResultsStore _results;
    private readonly AwsCleanup _cleanup;

    public AwsExperimentProvisioner(AwsSession session, TextWriter? log = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _log = log ?? TextWriter.Null;
        time ??= TimeProvider.System;
        _network = new AwsNetworkSetup(session, _log);
        _addresses = new AwsSiloAddresses(session, time);
        _tasks = new AwsSiloTasks(session, _log, time);
        _coordinators = new AwsCoordinatorHosting(session, _log, _tasks);
        _resources = new AwsExperimentResources(session, _log, time);
        _results = new AwsResultsStore(session, _log, time);
        _cleanup = new AwsCleanup(session, _log, time);
    }

    /// <summary>
    /// Checks the one-time setup (the roles and instance profile the run needs), creates the results bucket if missing,
    /// then starts every experiment of the plan (or, with <see cref="AwsProvisionOptions.SkipExperimentsWithResults"/>,
    /// those whose results are not yet in S3). If a step fails, what this run created is removed again (unless
    /// <see cref="AwsProvisionOptions.CleanupOnFailure"/> is off) and an <see cref="AwsProvisioningException"/> carries the
    /// cause and the clean-up report.
    /// </summary>
    public async Task<AwsProvisioningResult> ProvisionAsync(AwsExperimentPlan plan, AwsProvisionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= new AwsProvisionOptions();
        plan.Validate();

        // First call: checks the endpoint and the credentials; then the one-time setup, before anything is created.
        var account = await _session.GetAccountIdAsync(plan.NodesRegion, cancellationToken).ConfigureAwait(false);
        var roles = AwsSiloRoles.Resolve(plan, account);
        await new AwsSetupPreflight(_session).CheckAsync(plan, roles, cancellationToken).ConfigureAwait(false);
        await _results.EnsureBucketAsync(plan, cancellationToken).ConfigureAwait(false);

        var experiments = plan.Experiments;
        IReadOnlyList<AwsExperiment> skipped = [];
        if (options.SkipExperimentsWithResults)
        {
            skipped = await _results.FindExperimentsWithResultsAsync(plan, cancellationToken).ConfigureAwait(false);
            var done = skipped.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var e in skipped)
            {
                _log.WriteLine($"Results of {e.Name} are already in s3://{plan.ResultsBucket}/{e.ResultsPrefix}: skipping it.");
            }
            experiments = experiments.Where(e => !done.Contains(e.Name)).ToList();
        }

        var started = new List<AwsProvisionedExperiment>();
        if (experiments.Count == 0)
        {
            return new AwsProvisioningResult(plan.RunId, started, skipped);
        }

        var running = await FindRunningAsync(plan, experiments, cancellationToken).ConfigureAwait(false);
        if (running.Count > 0 && !options.LeaveRunningExperiments)
        {
            throw new InvalidOperationException(
                "Experiments of this workload are still running: " + string.Join("; ", running.Values) +
                ". Wait for them to finish (--block waits for them), or remove them with `cleanup` (optionally `--run-id <id>`).");
        }

        foreach (var (name, what) in running)
        {
            _log.WriteLine($"{name} is still running ({what}): waiting for it, not starting it again.");
        }

        experiments = experiments.Where(e => !running.ContainsKey(e.Name)).ToList();
        if (experiments.Count == 0)
        {
            return new AwsProvisioningResult(plan.RunId, started, skipped) { StillRunning = running };
        }

        await _results.UploadDataFilesAsync(plan, cancellationToken).ConfigureAwait(false);
        _log.WriteLine($"Provisioning run {plan.RunId}: {experiments.Count} experiment(s) of {plan.NodeType}, " +
                       $"{plan.Run.Nodes} nodes in {plan.NodeSilos.Count} silo task(s) each in {plan.NodesRegion}, " +
                       $"coordinator on {plan.CoordinatorHost} in {plan.CoordinatorRegion}.");
        try
        {
            var imageId = await _coordinators.ResolveImageAsync(plan, cancellationToken).ConfigureAwait(false);
            foreach (var experiment in experiments)
            {
                started.Add(await ProvisionExperimentAsync(plan, experiment, roles, imageId, options, cancellationToken)
                    .ConfigureAwait(false));
            }
        }
        catch (Exception e) when (options.CleanupOnFailure)
        {
            throw await CleanUpAfterFailureAsync(plan, e, cancellationToken).ConfigureAwait(false);
        }
        return new AwsProvisioningResult(plan.RunId, started, skipped) { StillRunning = running };
    }

    private async Task<AwsProvisionedExperiment> ProvisionExperimentAsync(AwsExperimentPlan plan, AwsExperiment experiment,
        AwsSiloRoles roles, string? imageId, AwsProvisionOptions options, CancellationToken cancellationToken)
    {
        _log.WriteLine($"Experiment {experiment.Name}:");
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AwsNaming.RunTag] = plan.RunId,
            [AwsNaming.ExperimentTag] = experiment.Name,
        };
        await _resources.EnsureLogGroupAsync(plan.EffectiveLogsRegion, experiment.LogGroup, tags, cancellationToken)
            .ConfigureAwait(false);
        await _resources.EnsureMembershipTableAsync(plan.EffectiveMembershipRegion, experiment.MembershipTable, tags, options,
            cancellationToken).ConfigureAwait(false);
        await _results.ClearErrorMarkerAsync(plan, experiment, cancellationToken).ConfigureAwait(false);
        if (plan.Tls)
        {
            // Before any silo starts: each downloads it first (--tls-certificate-s3-uri).
            await _results.UploadClusterCertificateAsync(plan, experiment, cancellationToken).ConfigureAwait(false);
        }

        var nodesNetwork = await _network.PrepareAsync(plan, experiment, plan.NodesRegion, cancellationToken).ConfigureAwait(false);
        var coordinatorNetwork = plan.CoordinatorRegion == plan.NodesRegion
            ? nodesNetwork
            : await _network.PrepareAsync(plan, experiment, plan.CoordinatorRegion, cancellationToken).ConfigureAwait(false);

        var coordinator = await _coordinators.StartAsync(plan, experiment, roles, coordinatorNetwork, imageId, tags, options,
            cancellationToken).ConfigureAwait(false);
        var nodes = await _tasks.StartNodeSilosAsync(plan, experiment, roles, nodesNetwork, tags, options, cancellationToken)
            .ConfigureAwait(false);
        var provisioned = new AwsProvisionedExperiment(experiment, nodes.ClusterArn, coordinator.ClusterArn,
            coordinator.InstanceId, coordinator.TaskArn, nodes.TaskArns,
            [.. coordinator.TaskDefinitionArns, .. nodes.TaskDefinitionArns])
        {
            StandbyCoordinatorTaskArn = coordinator.StandbyTaskArn,
            StandbyCoordinatorInstanceId = coordinator.StandbyInstanceId,
            SecurityGroups = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [nodesNetwork.Region] = nodesNetwork.SecurityGroupId,
                [coordinatorNetwork.Region] = coordinatorNetwork.SecurityGroupId,
            },
        };

        // Every silo talks to every other (membership probes, grain calls), within and across the regions, at public
        // addresses: both groups allow all of the experiment's silos, and nothing else from outside.
        var addresses = await _addresses.WaitForAsync(SilosOf(plan, provisioned), options, cancellationToken)
            .ConfigureAwait(false);
        foreach (var network in new[] { nodesNetwork, coordinatorNetwork }.Distinct())
        {
            await _network.AllowSilosAsync(plan, network, addresses, cancellationToken).ConfigureAwait(false);
        }
        _log.WriteLine($"  silo ports open to its {addresses.Count} silo address(es) only: {string.Join(", ", addresses)}");
        return provisioned with { SiloAddresses = addresses };
    }

    /// <summary>The experiment's silos: coordinator, its standby, node silos.</summary>
    private static List<AwsSiloHost> SilosOf(AwsExperimentPlan plan, AwsProvisionedExperiment started)
    {
        var silos = new List<AwsSiloHost>();
        if (started.CoordinatorInstanceId is { } instance)
        {
            silos.Add(AwsSiloHost.Instance("coordinator", plan.CoordinatorRegion, instance));
        }
        if (started.CoordinatorTaskArn is { } task)
        {
            silos.Add(AwsSiloHost.Task("coordinator", plan.CoordinatorRegion, started.CoordinatorClusterArn!, task));
        }
        if (started.StandbyCoordinatorInstanceId is { } standbyInstance)
        {
            silos.Add(AwsSiloHost.Instance("standby coordinator", plan.CoordinatorRegion, standbyInstance));
        }
        if (started.StandbyCoordinatorTaskArn is { } standbyTask)
        {
            silos.Add(AwsSiloHost.Task("standby coordinator", plan.CoordinatorRegion, started.CoordinatorClusterArn!, standbyTask));
        }
        silos.AddRange(started.NodeTaskArns.Select((arn, i) =>
            AwsSiloHost.Task($"node silo {i}", plan.NodesRegion, started.NodesClusterArn, arn)));
        return silos;
    }

    /// <summary>Removes what the failed run had created and returns the exception to throw, with the clean-up's report.</summary>
    private async Task<Exception> CleanUpAfterFailureAsync(AwsExperimentPlan plan, Exception e, CancellationToken cancellationToken)
    {
        _log.WriteLine($"Provisioning run {plan.RunId} failed: {e.Message}");
        _log.WriteLine("Removing what it created...");
        AwsCleanupReport report;
        try
        {
            // Not the caller's token: after a cancellation the half-made run must still go away.
            report = await _cleanup.CleanupAsync(AwsCleanupRequest.ForPlan(plan), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception cleanupError) when (cleanupError is AwsServiceException or AwsEndpointUnreachableException)
        {
            _log.WriteLine($"Clean-up failed too: {cleanupError.Message}. Run `cleanup --run-id {plan.RunId}` later.");
            report = new AwsCleanupReport([], [cleanupError.Message]);
        }
        if (e is OperationCanceledException)
        {
            return new OperationCanceledException(
                $"Provisioning run {plan.RunId} was cancelled; what it had created was removed " +
                $"({report.Removed.Count} removed, {report.Failures.Count} failure(s)).", e, cancellationToken);
        }
        return new AwsProvisioningException(
            $"Provisioning run {plan.RunId} failed: {e.Message} (its resources were cleaned up: " +
            $"{report.Removed.Count} removed, {report.Failures.Count} failure(s)).", e, report);
    }

    /// <summary>
    /// Names are per experiment, as in the seed, so an experiment still running (from an earlier launch) would get a second
    /// set of silos in its clusters and membership table: the experiments with tasks or a coordinator instance running,
    /// each with what runs, found before anything is created.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> FindRunningAsync(AwsExperimentPlan plan,
        IReadOnlyList<AwsExperiment> experiments, CancellationToken cancellationToken)
    {
        var running = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var experiment in experiments)
        {
            var busy = new List<string>();
            var clusters = new List<(string Cluster, string Region)> { (experiment.NodesCluster, plan.NodesRegion) };
            if (plan.CoordinatorRegion != plan.NodesRegion)
            {
                clusters.Add((experiment.CoordinatorCluster, plan.CoordinatorRegion));
            }
            foreach (var (cluster, region) in clusters)
            {
                if (await _tasks.DescribeRunningAsync(experiment, cluster, region, cancellationToken).ConfigureAwait(false) is { } what)
                {
                    busy.Add(what);
                }
            }
            foreach (var instance in await _coordinators.RunningInstancesAsync(plan, experiment, cancellationToken).ConfigureAwait(false))
            {
                busy.Add($"{experiment.Name} has coordinator instance {instance} running in {plan.CoordinatorRegion}");
            }
            if (busy.Count > 0)
            {
                running[experiment.Name] = string.Join("; ", busy);
            }
        }
        return running;
    }

    /// <summary>The plan's experiments whose completion marker (<see cref="AwsExperiment.CompletionMarkerKey"/>) is in S3.</summary>
    public Task<IReadOnlyList<AwsExperiment>> FindExperimentsWithResultsAsync(AwsExperimentPlan plan,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _results.FindExperimentsWithResultsAsync(plan, cancellationToken);
    }

    /// <summary>The plan's experiments whose coordinator reported a failure (its error.txt), with its text.</summary>
    public Task<IReadOnlyDictionary<string, string>> FindFailedExperimentsAsync(AwsExperimentPlan plan,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _results.FindFailedExperimentsAsync(plan, cancellationToken);
    }

    /// <summary>
    /// The <c>--block</c> wait (<see cref="AwsResultsStore.WaitForResultsAsync"/>): until every experiment has its results
    /// or its error marker, then downloads them to <c>downloadDirectory/&lt;error_bound_e&gt;/</c>; throws
    /// <see cref="TimeoutException"/> naming the missing experiments.
    /// </summary>
    public Task<AwsDownloadedResults> WaitForResultsAsync(AwsExperimentPlan plan, string downloadDirectory,
        AwsWaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(downloadDirectory);
        plan.Validate();
        return _results.WaitForResultsAsync(plan, downloadDirectory, options ?? new AwsWaitOptions(),
            (experiment, token) => _coordinators.IsRunningAsync(plan, experiment, token), cancellationToken);
    }

    /// <summary>Downloads every object under each experiment's results prefix to <c>downloadDirectory/&lt;ResultsFolder&gt;/</c>.</summary>
    public Task<AwsDownloadedResults> DownloadResultsAsync(AwsExperimentPlan plan, string downloadDirectory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(downloadDirectory);
        return _results.DownloadResultsAsync(plan, downloadDirectory, cancellationToken);
    }
}
