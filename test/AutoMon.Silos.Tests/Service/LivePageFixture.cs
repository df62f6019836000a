using AutoMon.Silos.Service;
using AutoMon.Silos.Service.Demo;
using Microsoft.Playwright;

namespace AutoMon.Silos.Tests.Service;

/// <summary>
/// The service on loopback (a <see cref="ServiceFixture"/> of its own) and a headless system chromium to look at its
/// live page. No browser is downloaded: the test drives the chromium installed on the machine.
/// </summary>
public sealed class LivePageFixture : IAsyncLifetime
{
    /// <summary>The chromium to drive; default <c>/usr/bin/chromium</c>.</summary>
    public const string ChromiumVariable = "AUTOMON_CHROMIUM";

    // With the demo on (serve --demo): its monitor carries the true value the page plots.
    private readonly ServiceFixture _service = ServiceFixture.WithDemo(new DemoOptions { Interval = TimeSpan.FromMilliseconds(100), Seed = 3 });
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public HttpClient Http => _service.Http;

    /// <summary>The key the service's API requires (the page takes it from <c>#key=</c>).</summary>
    public string ApiKey => _service.ApiKey;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture is not initialised.");

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } path ? path : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            // Never a silent skip: without a browser the page is untested.
            throw new InvalidOperationException(
                $"No chromium at {chromium}: the live page's tests need a real browser. Install it with " +
                $"`apt-get install -y chromium` (bash .ci/run does), or set {ChromiumVariable} to a chromium executable.");
        }

        await _service.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
        // A safety net for a loaded machine only: every wait is for something the test itself has caused.
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await _service.DisposeAsync();
    }
}

/// <summary>
/// The browser tests run alone: chromium is a process of its own, and they never share the machine with the tests that
/// start silo processes (<see cref="MotoCollection"/>, and any class without a collection).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LivePageCollection : ICollectionFixture<LivePageFixture>
{
    public const string Name = "live page";
}
