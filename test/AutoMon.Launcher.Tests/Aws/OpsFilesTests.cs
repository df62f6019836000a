using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

/// <summary>The files in ops/ stay in step with the code: the IAM policy allows every call the launcher makes, the task
/// definition template carries every variable and option a node silo gets.</summary>
[Collection(MotoCollection.Name)]
public sealed class OpsFilesTests(MotoServerFixture moto) : IAsyncLifetime
{
    public async Task InitializeAsync() => await moto.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoMon.sln")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }
        throw new InvalidOperationException("repository root (AutoMon.sln) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>IAM action names where they differ from the API action's name.</summary>
    private static string IamAction(string service, string action) => (service, action) switch
    {
        ("s3", "ListObjectsV2") => "s3:ListBucket",
        ("s3", "DeleteObjects") => "s3:DeleteObject",
        _ => $"{service}:{action}",
    };

    private static HashSet<string> AllowedActions()
    {
        using var policy = JsonDocument.Parse(File.ReadAllText(RepositoryFile("ops/iam-policy.json")));
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in policy.RootElement.GetProperty("Statement").EnumerateArray())
        {
            Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
            var action = statement.GetProperty("Action");
            if (action.ValueKind == JsonValueKind.String)
            {
                allowed.Add(action.GetString()!);
            }
            else
            {
                allowed.UnionWith(action.EnumerateArray().Select(a => a.GetString()!));
            }
        }
        return allowed;
    }

    [Fact]
    public async Task Iam_policy_allows_every_call_of_provisioning_waiting_and_cleanup()
    {
        using var session = moto.CreateSession();
        await MotoAws.CreateOneTimeSetupAsync(session);
        var calls = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        session.CallObserver = (service, action) => calls[IamAction(service, action)] = true;
        var provisioner = new AwsExperimentProvisioner(session);
        var dataFile = Path.GetTempFileName();
        var ec2Plan = MotoAws.Plan("ec2-run", "quadratic") with
        {
            CoordinatorImageId = null,
            CoordinatorImageOwner = "self",
            DataFiles = [new AwsDataFile(dataFile, "quadratic/data_file.txt")],
        };
        await session.Ec2(MotoAws.CoordinatorRegion).RegisterImageAsync(new Amazon.EC2.Model.RegisterImageRequest
        {
            Name = "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64",
            RootDeviceName = "/dev/xvda",
        });
        var fargatePlan = MotoAws.Plan("fargate-run", "kld", AwsCoordinatorHost.Fargate);

        await provisioner.ProvisionAsync(ec2Plan, MotoAws.FastProvision with { SkipExperimentsWithResults = true });
        await provisioner.ProvisionAsync(fargatePlan, MotoAws.FastProvision);
        foreach (var experiment in ec2Plan.Experiments)
        {
            await MotoAws.PutResultAsync(session, experiment.CompletionMarkerKey, "{}");
        }
        var download = Path.Combine(Path.GetTempPath(), "automon-ops-" + Guid.NewGuid().ToString("N"));
        try
        {
            await provisioner.WaitForResultsAsync(ec2Plan, download, new AwsWaitOptions { PollInterval = TimeSpan.Zero });
        }
        finally
        {
            Directory.Delete(download, recursive: true);
            File.Delete(dataFile);
        }
        await new AwsCleanup(session).CleanupAsync(MotoAws.FastCleanup(ec2Plan) with { RunId = null, DeleteResultsBucket = true });

        // GetCallerIdentity needs no permission.
        var made = calls.Keys.Where(a => a is not "sts:GetCallerIdentity").ToList();
        Assert.Contains("ecs:RunTask", made);
        Assert.Contains("ec2:RunInstances", made);
        Assert.Contains("s3:DeleteBucket", made);
        Assert.Contains("s3:PutObject", made);
        Assert.Contains("iam:GetRole", made);
        Assert.Contains("iam:GetInstanceProfile", made);
        Assert.Empty(made.Except(AllowedActions()).Order(StringComparer.Ordinal));
    }

    /// <summary>The statements of ops/iam-policy.json that allow <paramref name="action"/>: resources, and whether they
    /// require the launcher's run tag on the resource.</summary>
    private static List<(IReadOnlyList<string> Resources, bool NeedsRunTag)> StatementsAllowing(string action)
    {
        using var policy = JsonDocument.Parse(File.ReadAllText(RepositoryFile("ops/iam-policy.json")));
        static IEnumerable<string> Strings(JsonElement e) =>
            e.ValueKind == JsonValueKind.String ? [e.GetString()!] : e.EnumerateArray().Select(a => a.GetString()!);
        var found = new List<(IReadOnlyList<string>, bool)>();
        foreach (var statement in policy.RootElement.GetProperty("Statement").EnumerateArray())
        {
            if (!Strings(statement.GetProperty("Action")).Contains(action))
            {
                continue;
            }
            var needsTag = statement.TryGetProperty("Condition", out var condition) &&
                           condition.TryGetProperty("Null", out var isNull) &&
                           isNull.TryGetProperty("aws:ResourceTag/" + AwsNaming.RunTag, out var tag) && tag.GetString() == "false";
            found.Add((Strings(statement.GetProperty("Resource")).ToList(), needsTag));
        }
        return found;
    }

    private static bool Allows(IReadOnlyList<string> resources, string arn) =>
        resources.Any(r => Regex.IsMatch(arn, "^" + Regex.Escape(r).Replace("\\*", ".*", StringComparison.Ordinal) + "$"));

    /// <summary>
    /// What removes things may reach the launcher's resources only: never every resource ("*"); either ARN patterns that
    /// the names <see cref="AwsNaming"/> gives match and other names do not, or the run tag required on the resource.
    /// </summary>
    [Theory]
    [InlineData("logs:DeleteLogGroup", "arn:aws:logs:us-east-2:123456789012:log-group:{experiment}", "arn:aws:logs:us-east-2:123456789012:log-group:/aws/lambda/orders")]
    [InlineData("ecs:DeregisterTaskDefinition", "arn:aws:ecs:us-east-2:123456789012:task-definition/{node family}:3", "arn:aws:ecs:us-east-2:123456789012:task-definition/web-app:3")]
    [InlineData("ecs:DeregisterTaskDefinition", "arn:aws:ecs:us-west-2:123456789012:task-definition/{coordinator family}:1", "arn:aws:ecs:us-west-2:123456789012:task-definition/api:1")]
    [InlineData("dynamodb:DeleteTable", "arn:aws:dynamodb:us-east-2:123456789012:table/{membership table}", "arn:aws:dynamodb:us-east-2:123456789012:table/orders")]
    [InlineData("ecs:StopTask", "arn:aws:ecs:us-east-2:123456789012:task/{nodes cluster}/0123", "")]
    [InlineData("ecs:DeleteCluster", "arn:aws:ecs:us-east-2:123456789012:cluster/{nodes cluster}", "")]
    [InlineData("ec2:TerminateInstances", "arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0", "")]
    [InlineData("ec2:DeleteSecurityGroup", "arn:aws:ec2:us-east-2:123456789012:security-group/sg-0123", "")]
    [InlineData("ec2:AuthorizeSecurityGroupIngress", "arn:aws:ec2:us-east-2:123456789012:security-group/sg-0123", "")]
    [InlineData("ec2:RevokeSecurityGroupIngress", "arn:aws:ec2:us-west-2:123456789012:security-group/sg-0123", "")]
    public void Iam_policy_lets_removals_reach_only_the_launchers_resources(string action, string ours, string foreign)
    {
        var plan = MotoAws.Plan();
        var experiment = plan.Experiments[0];
        var arn = ours.Replace("{experiment}", AwsNaming.LogGroupName(experiment.Name), StringComparison.Ordinal)
            .Replace("{node family}", AwsNaming.NodeFamily(experiment.NodesCluster, 1, 2), StringComparison.Ordinal)
            .Replace("{coordinator family}", AwsNaming.CoordinatorFamily(experiment.CoordinatorCluster), StringComparison.Ordinal)
            .Replace("{membership table}", experiment.MembershipTable, StringComparison.Ordinal)
            .Replace("{nodes cluster}", experiment.NodesCluster, StringComparison.Ordinal);
        var statements = StatementsAllowing(action);

        Assert.NotEmpty(statements);
        Assert.All(statements, s => Assert.DoesNotContain("*", s.Resources));
        Assert.Contains(statements, s => Allows(s.Resources, arn));
        Assert.All(statements, s => Assert.True(s.NeedsRunTag || (foreign.Length > 0 && !Allows(s.Resources, foreign)),
            $"{action} on [{string.Join(", ", s.Resources)}] reaches resources the launcher did not make"));
    }

    /// <summary>Whether docker leaves <paramref name="path"/> (relative, '/'-separated) out of the build context: a
    /// .dockerignore pattern matches it or one of its folders ('**/' any folders, '*' and '?' within one name).</summary>
    private static bool DockerIgnores(IReadOnlyList<string> patterns, string path)
    {
        var parts = path.Split('/');
        var prefixes = Enumerable.Range(1, parts.Length).Select(n => string.Join('/', parts.Take(n))).ToList();
        return patterns.Any(pattern =>
        {
            var regex = "^" + Regex.Escape(pattern.TrimEnd('/'))
                .Replace("\\*\\*/", "(?:.*/)?", StringComparison.Ordinal)
                .Replace("\\*", "[^/]*", StringComparison.Ordinal)
                .Replace("\\?", "[^/]", StringComparison.Ordinal) + "$";
            return prefixes.Any(p => Regex.IsMatch(p, regex));
        });
    }

    [Fact]
    public void Image_build_context_leaves_out_build_and_test_output_but_no_source_the_Dockerfile_copies()
    {
        var root = RepositoryFile("");
        // ops/Dockerfile is built with the repository root as context, so docker reads the root's .dockerignore.
        var patterns = File.ReadAllLines(RepositoryFile(".dockerignore")).Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.DoesNotContain(patterns, p => p.StartsWith('!'));

        foreach (var output in new[]
                 {
                     "src/Silos/bin/Release/net10.0/AutoMon.Silos.dll", "src/Grains/obj/project.assets.json",
                     "test/AutoMon.Launcher.Tests/TestResults/run.trx", "results/quadratic/20260101-000000/results.csv", ".git/HEAD",
                 })
        {
            Assert.True(DockerIgnores(patterns, output), $"{output} would be sent to docker");
        }

        var copied = File.ReadAllLines(RepositoryFile("ops/Dockerfile"))
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).SkipLast(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)))
            .ToList();
        Assert.Contains("src/Silos/", copied);
        var sources = copied.SelectMany(c => c.EndsWith('/')
            ? Directory.EnumerateFiles(Path.Combine(root, c), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Where(f => !f.Split('/').Any(part => part is "bin" or "obj"))
            : [c]).ToList();
        Assert.All(sources, source => Assert.False(DockerIgnores(patterns, source), $"{source} is copied by ops/Dockerfile but left out"));
    }

    [Fact]
    public void Task_definition_template_carries_every_variable_and_option_of_a_node_silo()
    {
        using var template = JsonDocument.Parse(File.ReadAllText(RepositoryFile("ops/ecs-task-definition.json")));
        var container = template.RootElement.GetProperty("containerDefinitions")[0];
        var templateNames = container.GetProperty("environment").EnumerateArray()
            .Select(e => e.GetProperty("name").GetString()!).Order(StringComparer.Ordinal);
        var plan = MotoAws.Plan();
        var nodeNames = SiloEnvironment.Environment(plan)
            .Select(p => p.Key).Order(StringComparer.Ordinal);

        Assert.Equal(nodeNames, templateNames);
        var templateOptions = container.GetProperty("command").EnumerateArray().Select(a => a.GetString()!)
            .Where(a => a.StartsWith("--", StringComparison.Ordinal));
        var nodeOptions = SiloEnvironment.NodeSiloArguments(plan, plan.Experiments[0], plan.NodeSilos[0])
            .Where(a => a.StartsWith("--", StringComparison.Ordinal));
        Assert.Equal(nodeOptions, templateOptions);
        Assert.Equal(AwsSiloTasks.ContainerName, container.GetProperty("name").GetString());
        Assert.Equal(("1024", "4096"), (template.RootElement.GetProperty("cpu").GetString(),
            template.RootElement.GetProperty("memory").GetString()));
    }
}
