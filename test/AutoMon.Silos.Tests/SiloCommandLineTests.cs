using System.Net;
using AutoMon.Silos.Hosting;

namespace AutoMon.Silos.Tests;

public sealed class SiloCommandLineTests
{
    [Fact]
    public void Every_option_reaches_the_host_options()
    {
        Assert.True(SiloCommandLine.TryParse(
        [
            "--role", "node", "--region", "us-east-2", "--cluster-id", "exp1", "--service-id", "svc", "--silo-name", "n1",
            "--address", "127.0.0.2", "--silo-port", "12000", "--gateway-port", "32000", "--membership", "dynamodb",
            "--dynamodb-table", "Members", "--dynamodb-service-url", "http://127.0.0.1:5000", "--dynamodb-region", "us-west-2",
            "--failure-detection", "fast", "--exit-when-stdin-closes",
        ], out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(SiloRole.Node, options.Role);
        Assert.Equal("us-east-2", options.Region);
        Assert.Equal("exp1", options.ClusterId);
        Assert.Equal("svc", options.ServiceId);
        Assert.Equal("n1", options.EffectiveSiloName);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), options.Address);
        Assert.Equal(12000, options.SiloPort);
        Assert.Equal(32000, options.GatewayPort);
        Assert.Equal(MembershipKind.DynamoDB, options.EffectiveMembership);
        Assert.Equal("Members", options.DynamoDBTable);
        Assert.Equal("http://127.0.0.1:5000", options.DynamoDBServiceUrl);
        Assert.Equal("us-west-2", options.DynamoDBRegion);
        Assert.Equal(FailureDetectionProfile.Fast, options.FailureDetection);
        Assert.True(options.ExitWhenStdinCloses);
    }

    [Fact]
    public void A_silo_refuses_an_adaptive_run_naming_the_option()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--experiment", "quadratic", "--adaptive"], out _, out var problems));
        Assert.Contains(problems, p => p.Contains("--adaptive runs on the simulation engine", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cloud_silo_listens_on_its_private_address_and_advertises_its_public_one()
    {
        Assert.True(SiloCommandLine.TryParse(
            ["--role", "node", "--address", "10.0.0.5", "--advertised-address", "3.14.15.92", "--dynamodb-region", "us-west-2"],
            out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(IPAddress.Parse("10.0.0.5"), options.Address);
        Assert.Equal(IPAddress.Parse("3.14.15.92"), options.AdvertisedAddress);
    }

    [Fact]
    public void An_advertised_address_that_is_not_an_IP_is_rejected_by_name()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--advertised-address", "public-host"], out _, out var problems));
        Assert.Contains(problems, p => p.Contains("--advertised-address 'public-host' is not an IP address", StringComparison.Ordinal));
    }

    [Fact]
    public void All_in_one_defaults_to_localhost_clustering_on_loopback()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one"], out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(MembershipKind.Localhost, options.EffectiveMembership);
        Assert.Equal(IPAddress.Loopback, options.Address);
        Assert.Equal("us-west-2", options.Region);
        Assert.Equal("all-in-one-11111", options.EffectiveSiloName);
    }

    [Fact]
    public void Coordinator_and_node_default_to_DynamoDB_membership()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "coordinator", "--dynamodb-region", "us-west-2"], out var options, out _));

        Assert.Equal(MembershipKind.DynamoDB, options.EffectiveMembership);
    }

    [Fact]
    public void The_region_label_is_not_used_as_the_table_region()
    {
        // Node silos are labelled us-east-2 but must share the coordinator's table: no region, no table.
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--region", "us-east-2"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("Region", StringComparison.Ordinal) && p.Contains("ServiceUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_role_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse([], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--role", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_role_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "worker"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("worker", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_silo_with_localhost_clustering_and_no_primary_silo_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--membership", "localhost"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--primary-silo", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_silo_given_a_primary_silo_uses_localhost_clustering()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "node", "--silo-port", "11112", "--gateway-port", "30001", "--primary-silo", "127.0.0.1:11111"],
            out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(MembershipKind.Localhost, options.EffectiveMembership);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 11111), options.PrimarySilo);
    }

    [Fact]
    public void A_coordinator_silo_with_localhost_clustering_is_the_primary()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "coordinator", "--membership", "localhost"], out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(MembershipKind.Localhost, options.EffectiveMembership);
        Assert.Null(options.PrimarySilo);
    }

    [Theory]
    [InlineData("11111")]
    [InlineData("not-an-address:11111")]
    [InlineData("127.0.0.1")]
    public void A_primary_silo_that_is_not_an_endpoint_is_rejected(string primary)
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--primary-silo", primary], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--primary-silo", StringComparison.Ordinal));
    }

    [Fact]
    public void A_primary_silo_with_dynamodb_membership_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--membership", "dynamodb", "--dynamodb-region", "us-east-2", "--primary-silo", "127.0.0.1:11111"],
            out _, out var problems));

        Assert.Contains(problems, p => p.Contains("localhost membership only", StringComparison.Ordinal));
    }

    [Fact]
    public void A_silo_naming_itself_as_primary_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--silo-port", "11111", "--primary-silo", "127.0.0.1:11111"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("this silo itself", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("120m", 7200)]
    public void The_response_timeout_is_read_as_a_duration(string text, double seconds)
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one", "--response-timeout", text], out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.ResponseTimeout);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    public void A_response_timeout_that_is_not_a_positive_duration_is_rejected(string text)
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--response-timeout", text], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--response-timeout", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_port_for_silo_and_gateway_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--silo-port", "20000", "--gateway-port", "20000"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("20000", StringComparison.Ordinal));
    }

    [Fact]
    public void A_port_out_of_range_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--gateway-port", "70000"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("gateway port 70000", StringComparison.Ordinal));
    }

    [Fact]
    public void An_address_that_is_not_an_IP_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--address", "my-host"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("my-host", StringComparison.Ordinal));
    }

    [Fact]
    public void A_region_url_for_the_table_is_rejected_at_parse_time()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--dynamodb-region", "http://127.0.0.1:5000"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("looks like a URL", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("s3://automon-experiment-results/max_error_vs_comm_quadratic_aws/error_bound_0.05/coordinator/", "max_error_vs_comm_quadratic_aws/error_bound_0.05/coordinator/")]
    [InlineData("s3://automon-experiment-results/run", "run/")]
    [InlineData("s3://automon-experiment-results", "")]
    public void The_results_s3_uri_names_a_bucket_and_a_folder(string uri, string prefix)
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one", "--experiment", "inner_product", "--results-s3-uri", uri, "--results-s3-region", "us-east-2"],
            out var options, out var problems), string.Join("; ", problems));

        var s3 = options.Experiment!.ResultsS3!;
        Assert.Equal("automon-experiment-results", s3.Bucket);
        Assert.Equal(prefix, s3.Prefix);
        Assert.Equal("us-east-2", s3.Region);
    }

    [Theory]
    [InlineData("https://bucket/prefix/", "s3://")]
    [InlineData("s3://Not_A_Bucket/prefix/", "not an S3 bucket name")]
    [InlineData("s3://ab/prefix/", "not an S3 bucket name")]
    public void A_results_s3_uri_that_is_not_one_is_rejected(string uri, string expected)
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--experiment", "inner_product", "--results-s3-uri", uri, "--results-s3-region", "us-east-2"],
            out _, out var problems));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_results_s3_uri_needs_the_buckets_region()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--experiment", "inner_product", "--results-s3-uri", "s3://automon-experiment-results/x/"],
            out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--results-s3-region", StringComparison.Ordinal));
    }

    [Fact]
    public void Results_upload_options_without_an_experiment_are_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--results-s3-uri", "s3://automon-experiment-results/x/", "--results-s3-region", "us-east-2"],
            out _, out var problems));

        Assert.Contains(problems, p => p.Contains("applies to an --experiment", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("8h", 8 * 3600)]
    [InlineData("90m", 90 * 60)]
    [InlineData("30s", 30)]
    public void The_max_run_time_is_read_as_a_duration(string text, double seconds)
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "all-in-one", "--max-run-time", text], out var options, out var problems), string.Join("; ", problems));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.MaxRunTime);
    }

    [Fact]
    public void A_max_run_time_that_is_not_a_positive_duration_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "all-in-one", "--max-run-time", "forever"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("--max-run-time", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_node_silos_stop_when_the_coordinator_leaves()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "node", "--dynamodb-region", "us-east-2", "--stop-when-coordinator-leaves"], out var node, out var problems), string.Join("; ", problems));
        Assert.True(node.StopWhenCoordinatorLeaves);

        Assert.False(SiloCommandLine.TryParse(["--role", "coordinator", "--dynamodb-region", "us-east-2", "--stop-when-coordinator-leaves"], out _, out problems));
        Assert.Contains(problems, p => p.Contains("node silos", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_silo_names_the_nodes_it_hosts()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "node", "--dynamodb-region", "us-east-2", "--node-range", "4-7"], out var options, out var problems), string.Join("; ", problems));

        Assert.Equal((4, 7), options.NodeRange);
    }

    [Theory]
    [InlineData("node", "7-4", "not FIRST-LAST")]
    [InlineData("node", "three", "not FIRST-LAST")]
    [InlineData("coordinator", "0-0", "for node silos")]
    public void A_node_range_that_does_not_fit_is_rejected(string role, string range, string expected)
    {
        Assert.False(SiloCommandLine.TryParse(["--role", role, "--dynamodb-region", "us-east-2", "--node-range", range], out _, out var problems));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_silo_waits_thirty_minutes_for_its_coordinator_unless_told_otherwise()
    {
        Assert.True(SiloCommandLine.TryParse(["--role", "node", "--dynamodb-region", "us-east-2", "--stop-when-coordinator-leaves"], out var byDefault, out var problems), string.Join("; ", problems));
        Assert.True(SiloCommandLine.TryParse(["--role", "node", "--dynamodb-region", "us-east-2", "--stop-when-coordinator-leaves", "--coordinator-join-timeout", "5m"],
            out var given, out problems), string.Join("; ", problems));

        Assert.Equal(TimeSpan.FromMinutes(30), byDefault.CoordinatorJoinTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), given.CoordinatorJoinTimeout);
    }

    [Fact]
    public void A_coordinator_join_timeout_without_stopping_when_the_coordinator_leaves_is_rejected()
    {
        Assert.False(SiloCommandLine.TryParse(["--role", "node", "--dynamodb-region", "us-east-2", "--coordinator-join-timeout", "5m"], out _, out var problems));

        Assert.Contains(problems, p => p.Contains("goes with --stop-when-coordinator-leaves", StringComparison.Ordinal));
    }
}
