namespace AutoMon.Launcher.Aws;

// The parts of ECS's JSON shapes the launcher reads and writes (names as in the ECS API reference, camelCase on the wire).

public sealed record EcsTag(string Key, string Value);

public sealed record EcsKeyValuePair(string Name, string Value);

public sealed record EcsFailure(string? Arn, string? Reason, string? Detail);

public sealed record EcsCluster(string ClusterArn, string ClusterName, string Status, IReadOnlyList<EcsTag>? Tags,
    int RunningTasksCount = 0, int PendingTasksCount = 0);

public sealed record EcsPortMapping(int ContainerPort, int HostPort, string Protocol = "tcp");

public sealed record EcsLogConfiguration(string LogDriver, IReadOnlyDictionary<string, string> Options);

public sealed record EcsContainerDefinition(
    string Name,
    string Image,
    bool Essential,
    int? Cpu,
    int? Memory,
    IReadOnlyList<EcsPortMapping>? PortMappings,
    IReadOnlyList<EcsKeyValuePair>? Environment,
    EcsLogConfiguration? LogConfiguration,
    int? StopTimeout = null,
    IReadOnlyList<string>? Command = null);

public sealed record EcsRuntimePlatform(string CpuArchitecture, string OperatingSystemFamily);

public sealed record EcsRegisterTaskDefinitionRequest(
    string Family,
    string? TaskRoleArn,
    string? ExecutionRoleArn,
    string NetworkMode,
    IReadOnlyList<string> RequiresCompatibilities,
    string Cpu,
    string Memory,
    IReadOnlyList<EcsContainerDefinition> ContainerDefinitions,
    EcsRuntimePlatform? RuntimePlatform,
    IReadOnlyList<EcsTag>? Tags);

public sealed record EcsTaskDefinition(
    string TaskDefinitionArn,
    string Family,
    int Revision,
    string? Status,
    string? Cpu,
    string? Memory,
    string? NetworkMode,
    IReadOnlyList<string>? RequiresCompatibilities,
    string? TaskRoleArn,
    string? ExecutionRoleArn,
    IReadOnlyList<EcsContainerDefinition> ContainerDefinitions);

/// <summary>A task definition with the tags DescribeTaskDefinition returns beside it.</summary>
public sealed record EcsTaggedTaskDefinition(EcsTaskDefinition TaskDefinition, IReadOnlyList<EcsTag> Tags);

public sealed record EcsAwsVpcConfiguration(IReadOnlyList<string> Subnets, IReadOnlyList<string> SecurityGroups,
    string AssignPublicIp);

public sealed record EcsNetworkConfiguration(EcsAwsVpcConfiguration AwsvpcConfiguration);

public sealed record EcsRunTaskRequest(
    string Cluster,
    string TaskDefinition,
    int Count,
    string LaunchType,
    EcsNetworkConfiguration? NetworkConfiguration,
    string? StartedBy,
    IReadOnlyList<EcsTag>? Tags,
    string? ClientToken = null,
    string? PlatformVersion = null);

public sealed record EcsTask(
    string TaskArn,
    string? ClusterArn,
    string? TaskDefinitionArn,
    string? LastStatus,
    string? DesiredStatus,
    string? LaunchType,
    string? Cpu,
    string? Memory,
    string? StartedBy,
    string? StoppedReason,
    IReadOnlyList<EcsTag>? Tags,
    IReadOnlyList<EcsAttachment>? Attachments = null);

/// <summary>A task's attachment: on Fargate (awsvpc) its network interface, whose id is the detail <c>networkInterfaceId</c>.</summary>
public sealed record EcsAttachment(string? Type, string? Status, IReadOnlyList<EcsKeyValuePair>? Details);

public sealed record EcsRunTaskResult(IReadOnlyList<EcsTask> Tasks, IReadOnlyList<EcsFailure> Failures);
