using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.FileProviders;

namespace AutoMon.Silos.Service;

/// <summary>
/// The service's live page at <c>/</c> (docs/service.md): plain HTML, JS and CSS with the vendored uPlot, embedded in this
/// assembly (<c>Service/Page</c>) so that every host that maps the API serves the same page, whatever its working
/// directory.
/// </summary>
public static class LivePage
{
    /// <summary>Serves the page's files; <c>/</c> is <c>index.html</c>.</summary>
    public static IApplicationBuilder UseLivePage(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var files = new ManifestEmbeddedFileProvider(typeof(LivePage).Assembly, "Service/Page");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // Only the embedded files are reachable; the one without an extension is uPlot's LICENSE, served as text.
            ServeUnknownFileTypes = true,
            DefaultContentType = "text/plain; charset=utf-8",
        });
    }
}
