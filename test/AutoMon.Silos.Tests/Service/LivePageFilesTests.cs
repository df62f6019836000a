using System.Net;

namespace AutoMon.Silos.Tests.Service;

/// <summary>The live page's files as the service serves them: from the silo assembly, with their content types.</summary>
[Collection(ServiceCollection.Name)]
public sealed class LivePageFilesTests(ServiceFixture service)
{
    [Theory]
    [InlineData("/", "text/html", "<script src=\"live.js\">")]
    [InlineData("/index.html", "text/html", "<script src=\"uplot/uPlot.iife.min.js\">")]
    [InlineData("/live.js", "text/javascript", "new EventSource(")]
    [InlineData("/live.css", "text/css", "#counters")]
    [InlineData("/uplot/uPlot.iife.min.js", "text/javascript", "uPlot (v1.6.32)")]
    [InlineData("/uplot/uPlot.min.css", "text/css", ".uplot")]
    [InlineData("/uplot/LICENSE", "text/plain", "The MIT License")]
    public async Task The_page_and_its_library_are_served_with_their_content_types(string path, string mediaType, string content)
    {
        var response = await service.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(content, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/uplot/README.md")]
    [InlineData("/no-such-file.js")]
    public async Task Nothing_else_is_served(string path) =>
        Assert.Equal(HttpStatusCode.NotFound, (await service.Http.GetAsync(path)).StatusCode);
}
