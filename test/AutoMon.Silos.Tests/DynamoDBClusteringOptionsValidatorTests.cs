using AutoMon.Silos.Membership;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace AutoMon.Silos.Tests;

public sealed class DynamoDBClusteringOptionsValidatorTests
{
    [Fact]
    public void A_region_alone_is_valid()
    {
        Assert.Empty(DynamoDBClusteringOptionsValidator.Validate(new DynamoDBClusteringOptions { Region = "us-west-2" }));
    }

    [Fact]
    public void A_service_url_alone_is_valid()
    {
        Assert.Empty(DynamoDBClusteringOptionsValidator.Validate(new DynamoDBClusteringOptions { ServiceUrl = "http://127.0.0.1:8000" }));
    }

    [Fact]
    public void Neither_region_nor_service_url_is_rejected()
    {
        var problem = Assert.Single(DynamoDBClusteringOptionsValidator.Validate(new DynamoDBClusteringOptions()));

        Assert.Contains("Region", problem, StringComparison.Ordinal);
        Assert.Contains("ServiceUrl", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_url_in_the_region_setting_is_rejected_pointing_to_ServiceUrl()
    {
        var problem = Assert.Single(DynamoDBClusteringOptionsValidator.Validate(
            new DynamoDBClusteringOptions { Region = "http://localhost:8000" }));

        Assert.Contains("looks like a URL", problem, StringComparison.Ordinal);
        Assert.Contains("ServiceUrl", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uswest2")]
    [InlineData("US-WEST-2")]
    [InlineData("us-west")]
    public void A_malformed_region_is_rejected(string region)
    {
        var problem = Assert.Single(DynamoDBClusteringOptionsValidator.Validate(new DynamoDBClusteringOptions { Region = region }));

        Assert.Contains(region, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:8000")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("/relative")]
    public void A_service_url_that_is_not_absolute_http_is_rejected(string url)
    {
        var problem = Assert.Single(DynamoDBClusteringOptionsValidator.Validate(new DynamoDBClusteringOptions { ServiceUrl = url }));

        Assert.Contains("ServiceUrl", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("has space")]
    [InlineData("slash/name")]
    public void An_invalid_table_name_is_rejected(string tableName)
    {
        var problem = Assert.Single(DynamoDBClusteringOptionsValidator.Validate(
            new DynamoDBClusteringOptions { Region = "us-west-2", TableName = tableName }));

        Assert.Contains("TableName", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Half_a_key_pair_is_rejected()
    {
        var problem = Assert.Single(DynamoDBClusteringOptionsValidator.Validate(
            new DynamoDBClusteringOptions { Region = "us-west-2", AccessKey = "AKIDEXAMPLE" }));

        Assert.Contains("SecretKey", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_token_without_keys_is_rejected()
    {
        var problem = Assert.Single(DynamoDBClusteringOptionsValidator.Validate(
            new DynamoDBClusteringOptions { Region = "us-west-2", SessionToken = "token" }));

        Assert.Contains("SessionToken", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Provisioned_mode_needs_positive_capacity()
    {
        var problems = DynamoDBClusteringOptionsValidator.Validate(new DynamoDBClusteringOptions
        {
            Region = "us-west-2",
            CapacityMode = DynamoDBCapacityMode.Provisioned,
            ReadCapacityUnits = 0,
            WriteCapacityUnits = -1,
        });

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("ReadCapacityUnits", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("WriteCapacityUnits", StringComparison.Ordinal));
    }

    [Fact]
    public void On_demand_mode_ignores_capacity_units()
    {
        Assert.Empty(DynamoDBClusteringOptionsValidator.Validate(
            new DynamoDBClusteringOptions { Region = "us-west-2", ReadCapacityUnits = 0, WriteCapacityUnits = 0 }));
    }

    [Fact]
    public void ValidateConfiguration_throws_an_Orleans_configuration_error_listing_every_problem()
    {
        var validator = new DynamoDBClusteringOptionsValidator(Options.Create(
            new DynamoDBClusteringOptions { TableName = "x", AccessKey = "only-half" }));

        var error = Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);

        Assert.Contains("TableName", error.Message, StringComparison.Ordinal);
        Assert.Contains("Region", error.Message, StringComparison.Ordinal);
        Assert.Contains("SecretKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_client_keeps_service_url_and_signing_region_apart()
    {
        using var client = DynamoDBClientFactory.Create(new DynamoDBClusteringOptions
        {
            ServiceUrl = "http://127.0.0.1:8000",
            Region = "eu-central-1",
            AccessKey = "a",
            SecretKey = "b",
        });

        Assert.StartsWith("http://127.0.0.1:8000", client.Config.ServiceURL, StringComparison.Ordinal);
        Assert.Equal("eu-central-1", client.Config.AuthenticationRegion);
    }

    [Fact]
    public void The_client_for_a_region_uses_that_region_endpoint()
    {
        using var client = DynamoDBClientFactory.Create(new DynamoDBClusteringOptions { Region = "us-east-2", AccessKey = "a", SecretKey = "b" });

        Assert.Equal("us-east-2", client.Config.RegionEndpoint.SystemName);
    }
}
