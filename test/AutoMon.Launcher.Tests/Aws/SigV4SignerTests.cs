using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using AutoMon.Launcher.Aws;

namespace AutoMon.Launcher.Tests.Aws;

public sealed class SigV4SignerTests
{
    // The credentials and clock of AWS's published SigV4 test suite.
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTime SignedAt = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    [Fact]
    public void Get_vanilla_request_gets_the_signature_of_the_AWS_test_suite()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        SigV4Signer.Sign(request, [], new ImmutableCredentials(AccessKey, SecretKey, null), "us-east-1", "service", SignedAt);

        Assert.Equal("AWS4-HMAC-SHA256", request.Headers.Authorization!.Scheme);
        Assert.Equal(
            "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            request.Headers.Authorization.Parameter);
        Assert.Equal("20150830T123600Z", request.Headers.GetValues("X-Amz-Date").Single());
    }

    [Fact]
    public void Json_request_signature_agrees_with_the_AWS_SDK_signer()
    {
        var body = Encoding.UTF8.GetBytes("""{"clusterName":"inner-product_0-02_us-east-2"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:5123/")
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.CreateCluster");

        SigV4Signer.Sign(request, body, new ImmutableCredentials(AccessKey, SecretKey, null), "us-east-2", "ecs", SignedAt);

        var headers = SigV4Signer.CollectHeaders(request, request.RequestUri!);
        Assert.Equal(["content-type", "host", "x-amz-date", "x-amz-target"], headers.Keys);
        Assert.Equal("127.0.0.1:5123", headers["host"]);
        var canonical = SigV4Signer.CanonicalRequest("POST", request.RequestUri!, headers, SigV4Signer.HexSha256(body));
        var oracle = AWS4Signer.ComputeSignature(AccessKey, SecretKey, "us-east-2", SignedAt, "ecs",
            string.Join(';', headers.Keys), canonical);
        Assert.EndsWith("Signature=" + oracle.Signature, request.Headers.Authorization!.Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public void Session_token_is_sent_and_signed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://ecs.us-east-2.amazonaws.com/")
        {
            Content = new ByteArrayContent([]),
        };

        SigV4Signer.Sign(request, [], new ImmutableCredentials(AccessKey, SecretKey, "session-token"), "us-east-2", "ecs",
            SignedAt);

        Assert.Equal("session-token", request.Headers.GetValues("X-Amz-Security-Token").Single());
        Assert.Contains("x-amz-security-token", request.Headers.Authorization!.Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc-_.~XYZ019", "abc-_.~XYZ019")]
    [InlineData("a b", "a%20b")]
    [InlineData("a/b:c", "a%2Fb%3Ac")]
    [InlineData("é", "%C3%A9")]
    public void Uri_encoding_keeps_only_unreserved_characters(string value, string expected) =>
        Assert.Equal(expected, SigV4Signer.UriEncode(value));

    [Fact]
    public void Query_parameters_are_sorted_and_encoded_in_the_canonical_request()
    {
        var uri = new Uri("https://example.amazonaws.com/?b=2&a=x%20y");
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = "example.amazonaws.com" };

        var canonical = SigV4Signer.CanonicalRequest("GET", uri, headers, SigV4Signer.HexSha256([]));

        Assert.Equal("a=x%20y&b=2", canonical.Split('\n')[2]);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"GET\n/\n"), canonical[..6]);
    }
}
