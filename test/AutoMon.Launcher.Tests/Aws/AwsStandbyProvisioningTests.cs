using System.Text;
using Amazon.EC2.Model;
using AutoMon.Grains.Experiments;
using AutoMon.Launcher.Aws;
using AutoMon.Silos.Hosting;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>
/// <c>--coordinator-standby</c> on AWS against moto: a second coordinator task (Fargate) or instance (EC2) in the
/// coordinator region with the same experiment and <c>--standby</c>; cleanup removes it with the rest.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AwsStandbyProvisioningTests(MotoServerFixture moto) : MotoAccountTests(moto)
{
    [Fact]
    public async Task A_fargate_standby_is_a_second_coordinator_task_with_the_same_experiment_and_cleanup_removes_it()
    {
        var plan = MotoAws.Plan(host: AwsCoordinatorHost.Fargate).WithRun(r => r with { Pacing = Pacing.Lockstep }) with { ErrorBounds = [0.1], CoordinatorStandby = true };

        var result = await ProvisionAsync(plan);

        var started = Assert.Single(result.Started);
        var tasks = await MotoAws.RunningTasksAsync(Session, MotoAws.CoordinatorRegion);
        Assert.NotNull(started.StandbyCoordinatorTaskArn);
        Assert.Equal(new[] { started.CoordinatorTaskArn!, started.StandbyCoordinatorTaskArn }.Order(StringComparer.Ordinal),
            tasks.Select(t => t.TaskArn).Order(StringComparer.Ordinal));
        var definitions = (await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion)).ToDictionary(d => d.TaskDefinition.Family);
        Assert.Equal(["coordinator-standby_inner-product_0-1_us-west-2", "coordinator_inner-product_0-1_us-west-2"], definitions.Keys.Order(StringComparer.Ordinal));

        var active = MotoAws.Silo(definitions["coordinator_inner-product_0-1_us-west-2"].TaskDefinition);
        var standby = MotoAws.Silo(definitions["coordinator-standby_inner-product_0-1_us-west-2"].TaskDefinition);
        Assert.Equal((SiloRole.Coordinator, SiloRole.Coordinator), (active.Role, standby.Role));
        Assert.Equal(("coordinator", SiloEnvironment.StandbySiloName), (active.SiloName, standby.SiloName));
        Assert.Equal((false, true), (active.Experiment!.Standby, standby.Experiment!.Standby));
        // The same experiment, the same results folder, cluster, table and certificate.
        Assert.Equal(active.Experiment.Run, standby.Experiment.Run);
        Assert.Equal(Pacing.Lockstep, standby.Experiment.Run.Pacing);
        Assert.Equal(active.Experiment.ResultsS3Uri, standby.Experiment.ResultsS3Uri);
        Assert.Equal(active.Experiment.ExperimentId, standby.Experiment.ExperimentId);
        Assert.Equal((active.ClusterId, active.DynamoDBTable, active.TlsCertificateS3Uri), (standby.ClusterId, standby.DynamoDBTable, standby.TlsCertificateS3Uri));
        // The active waits for itself, its standby and the 3 node silos; a standby taking over, for itself and the node silos.
        Assert.Equal((5, 4), (active.Experiment.WaitForSilos, standby.Experiment.WaitForSilos));
        Assert.Contains("standby coordinator: Fargate task", Log.ToString(), StringComparison.Ordinal);

        var report = await CleanupAsync(plan);

        Assert.Empty(report.Failures);
        Assert.Contains(report.Removed, r => r.Id.Contains("coordinator-standby_inner-product_0-1_us-west-2", StringComparison.Ordinal));
        Assert.Empty(await MotoAws.RunningTasksAsync(Session, MotoAws.CoordinatorRegion));
        Assert.Empty(await MotoAws.ActiveTaskDefinitionsAsync(Session, MotoAws.CoordinatorRegion));
    }

    [Fact]
    public async Task An_ec2_standby_is_a_second_instance_whose_user_data_runs_the_standby_and_cleanup_terminates_it()
    {
        var plan = MotoAws.Plan() with { ErrorBounds = [0.1], CoordinatorStandby = true };

        var result = await ProvisionAsync(plan);

        var started = Assert.Single(result.Started);
        var instances = await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion);
        Assert.Equal(2, instances.Count);
        Assert.Contains(instances, i => i.InstanceId == started.StandbyCoordinatorInstanceId);
        var ec2 = Session.Ec2(MotoAws.CoordinatorRegion);
        var userData = await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest(started.StandbyCoordinatorInstanceId,
            Amazon.EC2.InstanceAttributeName.UserData));
        var script = Encoding.UTF8.GetString(Convert.FromBase64String(userData.InstanceAttribute.UserData));
        Assert.Contains("# AutoMon standby coordinator silo", script, StringComparison.Ordinal);
        Assert.Contains(" '--standby'", script, StringComparison.Ordinal);
        Assert.Contains("'--silo-name' 'coordinator-standby'", script, StringComparison.Ordinal);
        Assert.Contains("awslogs-stream='coordinator-standby_inner-product_0-1_us-west-2'", script, StringComparison.Ordinal);
        var standby = instances.Single(i => i.InstanceId == started.StandbyCoordinatorInstanceId);
        Assert.Contains(standby.Tags!, t => t.Key == AwsNaming.ExperimentTag && t.Value == started.Experiment.Name);

        var report = await CleanupAsync(plan);

        Assert.Empty(report.Failures);
        Assert.Contains(report.Removed, r => r.Id == started.StandbyCoordinatorInstanceId);
        Assert.Empty(await MotoAws.LiveInstancesAsync(Session, MotoAws.CoordinatorRegion));
    }
}
