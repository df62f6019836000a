using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoMon.Silos.Service;

/// <summary>
/// The HTTP API's authentication (docs/service.md, "Authentication"): one shared key, presented as
/// <c>Authorization: Bearer KEY</c>. An ASP.NET Core authentication scheme; the endpoints that need it say so with
/// <c>RequireAuthorization()</c>, and a request without the right key is challenged with a 401 problem and
/// <c>WWW-Authenticate: Bearer</c>.
/// </summary>
public static class ApiKeyAuthentication
{
    /// <summary>The authentication scheme's name.</summary>
    public const string Scheme = "ApiKey";

    /// <summary>The query parameter that may carry the key where an endpoint allows it (<see cref="AllowAccessTokenQuery{TBuilder}"/>).</summary>
    public const string QueryParameter = "access_token";

    /// <summary>Registers the scheme, as the default, with <paramref name="key"/> the only key accepted.</summary>
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services, string key)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(key);
        services.AddAuthentication(Scheme).AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(Scheme, options => options.Key = key);
        services.AddAuthorization();
        return services;
    }

    /// <summary>
    /// Lets the endpoint take the key also as the <c>access_token</c> query parameter (RFC 6750, 2.3). Only for what a
    /// browser's <c>EventSource</c> reads: it cannot send headers. A URL is more exposed than a header (logs, history),
    /// so every other endpoint takes the header only.
    /// </summary>
    public static TBuilder AllowAccessTokenQuery<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(AccessTokenQuery.Allowed);
    }

    /// <summary>Whether <paramref name="presented"/> is <paramref name="key"/>, in time independent of both (SHA-256 first, so not even their lengths leak).</summary>
    internal static bool Matches(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    // The endpoint metadata of AllowAccessTokenQuery.
    internal sealed class AccessTokenQuery
    {
        public static readonly AccessTokenQuery Allowed = new();
    }
}

/// <summary>The options of <see cref="ApiKeyAuthentication.Scheme"/>: the key.</summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>The key a request must present.</summary>
    public string Key { get; set; } = "";
}

/// <summary>Authenticates a request by its bearer key (or, where allowed, its <c>access_token</c> query parameter).</summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(AuthenticateResult.Fail("The Authorization header is not 'Bearer KEY'."));
            }

            presented = header[BearerPrefix.Length..].Trim();
        }
        else if (Context.GetEndpoint()?.Metadata.GetMetadata<ApiKeyAuthentication.AccessTokenQuery>() is not null
            && Request.Query.TryGetValue(ApiKeyAuthentication.QueryParameter, out var query))
        {
            presented = query.ToString();
        }

        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!ApiKeyAuthentication.Matches(presented, Options.Key))
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is wrong."));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key")], Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var wrong = result.Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 6750, 3: invalid_token when a key was presented and refused; no error code when none was.
        Response.Headers.WWWAuthenticate = wrong ? "Bearer error=\"invalid_token\"" : "Bearer";
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = wrong ? "Wrong API key" : "API key required",
                Detail = (wrong ? result.Failure!.Message + " " : "This API requires an API key. ")
                    + "Send it as 'Authorization: Bearer KEY' (docs/service.md, Authentication).",
            },
        }).ConfigureAwait(false);
    }
}
