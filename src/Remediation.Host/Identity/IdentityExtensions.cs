using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Remediation.Operators;

namespace Remediation.Host.Identity;

/// <summary>
/// Who the standalone host's callers are. Oidc: the console signs people in with OpenID Connect (authorization code
/// and PKCE) into a session cookie; API clients send a JWT bearer token from the same provider. Lab: the loopback lab
/// identity. Either way the routes check roles with the engine's <see cref="OperatorGate"/>, as the Functions app does.
/// </summary>
public static partial class IdentityExtensions
{
    const string Selector = "Remediation";

    /// <summary>Registers the schemes <paramref name="builder"/>'s settings choose.</summary>
    public static IdentityOptions AddOperatorIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<IdentityOptions>(IdentityOptions.Section);
        var options = builder.Configuration.GetSection(IdentityOptions.Section).Get<IdentityOptions>() ?? new IdentityOptions();
        if (options.Mode == IdentityMode.Lab)
        {
            // The lab's anti-forgery keys live in memory: nothing to steal on disk, and a restart only asks the console
            // for a fresh token.
            builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
            builder.Services.AddAuthentication(LabIdentityHandler.Name).AddScheme<AuthenticationSchemeOptions, LabIdentityHandler>(LabIdentityHandler.Name, null);
            return options;
        }

        if (options.Mode != IdentityMode.Oidc || string.IsNullOrWhiteSpace(options.KeyRingPath))
        {
            builder.Services.AddAuthentication(); // nobody signs in; the options validation stops the host and says why
            return options;
        }

        AddKeyRing(builder.Services, options);

        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = Selector;
                o.DefaultChallengeScheme = Selector;
            })
            .AddPolicyScheme(Selector, "Bearer token or console session", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Any(v => v?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "Remediation.Session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax; // the provider's redirect back is a cross-site navigation
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = options.SessionLifetime;
                o.SlidingExpiration = false;
                o.LoginPath = "/signin";
                o.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = options.Authority!.ToString();
                o.ClientId = options.ClientId;
                o.ClientSecret = options.ClientSecret;
                o.RequireHttpsMetadata = !options.AuthorityIsLoopback;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                o.MapInboundClaims = false;
                o.SaveTokens = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                o.ClaimActions.MapJsonKey("roles", "roles");
                o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.TokenValidationParameters.NameClaimType = "name";
                o.TokenValidationParameters.RoleClaimType = "roles";
            })
            .AddJwtBearer(o =>
            {
                o.Authority = options.Authority!.ToString();
                o.Audience = options.Audience;
                o.RequireHttpsMetadata = !options.AuthorityIsLoopback;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = "name";
                o.TokenValidationParameters.RoleClaimType = "roles";
                // An ID token is proof of a sign-in, not permission to call the API: one issued at a sign-in carries the
                // nonce of that sign-in, which no access token does. Where the API's audience is also the console's
                // client ID (Entra ID v2, one registration) this is what tells them apart.
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        if (context.Principal?.FindFirst("nonce") is not null)
                        {
                            context.Fail("An ID token is not an API token: request an access token for the API's audience.");
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        return options;
    }

    /// <summary>
    /// The Data Protection key ring, explicitly (ASP.NET Core's default is an unencrypted folder in the account's home,
    /// or nothing at all under a service account without one): <see cref="IdentityOptions.KeyRingPath"/>, mode 0700,
    /// keys encrypted with the configured certificate, or DPAPI on Windows. One application name, so every instance
    /// sharing the folder reads the others' cookies.
    /// </summary>
    static void AddKeyRing(IServiceCollection services, IdentityOptions options)
    {
        var folder = Directory.CreateDirectory(options.KeyRingPath!);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var ring = services.AddDataProtection().SetApplicationName("imap-remediation").PersistKeysToFileSystem(folder);
        if (options.KeyRingCertificatePath is { Length: > 0 } pfx)
        {
            ring.ProtectKeysWithCertificate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(pfx, options.KeyRingCertificatePassword));
        }
        else if (OperatingSystem.IsWindows())
        {
            ring.ProtectKeysWithDpapi();
        }
    }

    /// <summary>GET /signin (starts the provider's sign-in, then back to a local page) and POST /signout; GET /api/antiforgery.</summary>
    public static void MapOperatorIdentity(this WebApplication app, IdentityOptions options)
    {
        app.MapGet("/api/antiforgery", OperatorGate.IssueAntiforgeryToken).RequireOperator(OperatorRole.Reader).ExcludeFromDescription();
        if (options.Mode != IdentityMode.Oidc)
        {
            return;
        }

        app.MapGet("/signin", async (HttpContext context, string? returnUrl) =>
        {
            try
            {
                await context.ChallengeAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = IsLocal(returnUrl) ? returnUrl : "/" });
                return Results.Empty;
            }
            catch (Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectProtocolException refused)
            {
                // The provider refused the sign-in request itself (e.g. a redirect URI it does not know, answered to the
                // pushed authorization request): say so, with its words cleaned, instead of a bare 500.
                return Results.Problem(
                    $"The identity provider refused the sign-in request: {OutsideText.Clean(refused.Message, 300)} Check the app registration's redirect URI ({context.Request.Scheme}://{context.Request.Host}/signin-oidc).",
                    statusCode: StatusCodes.Status502BadGateway,
                    title: "Sign-in refused by the identity provider");
            }
        }).ExcludeFromDescription();
        // Sign-out ends the console's session and answers where the provider's own sign-out is (its end-session endpoint,
        // back to the console after it): without it the provider's session stays and the next sign-in is silent. An
        // answer to navigate to, not a redirect, so the console's form-action 'self' policy stays as it is.
        app.MapPost("/signout", async (HttpContext context, Microsoft.Extensions.Options.IOptionsMonitor<OpenIdConnectOptions> oidc) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            var provider = oidc.Get(OpenIdConnectDefaults.AuthenticationScheme);
            var endSession = provider.ConfigurationManager is { } metadata
                ? (await metadata.GetConfigurationAsync(context.RequestAborted)).EndSessionEndpoint
                : null;
            var next = string.IsNullOrEmpty(endSession)
                ? "/"
                : Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(endSession, new Dictionary<string, string?>
                {
                    ["client_id"] = provider.ClientId,
                    ["post_logout_redirect_uri"] = $"{context.Request.Scheme}://{context.Request.Host}/",
                });
            return Results.Ok(new { next, providerSignOut = !string.IsNullOrEmpty(endSession) });
        }).RequireOperator(OperatorRole.Reader).ExcludeFromDescription();
    }

    /// <summary>After the server started: the lab identity only on loopback addresses.</summary>
    public static void EnsureSafeBinding(WebApplication app, IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == IdentityMode.Lab)
        {
            LabIdentityHandler.EnsureLoopbackOnly(app.Urls);
        }

        // The sign-in redirect is built from the request's Host: with any Host accepted, a forged one is reflected into
        // it (or, malformed, fails as a 500). ASP.NET Core's host filtering (on by default, reading AllowedHosts) answers
        // 400 to any other Host once the console's names are listed.
        if (options.Mode == IdentityMode.Oidc && !ListsHosts(app.Configuration["AllowedHosts"]))
        {
            throw new InvalidOperationException(
                "Remediation:Identity:Mode is Oidc but AllowedHosts is not set to the console's host names: set AllowedHosts to them, ';'-separated (e.g. ops.contoso.com), so a request naming another Host is refused.");
        }

        if (PlainHttpRefusal(app.Urls, options) is { } refusal)
        {
            throw new InvalidOperationException(refusal);
        }

        if (options.Mode == IdentityMode.Oidc && string.IsNullOrEmpty(options.KeyRingCertificatePath) && !OperatingSystem.IsWindows())
        {
            app.Logger.KeyRingInClear(options.KeyRingPath!);
        }
    }

    /// <summary>
    /// Session cookies and bearer tokens over plain HTTP can be read off the wire: in Oidc mode, off loopback, HTTPS, or
    /// plain HTTP only from a TLS-terminating proxy the host knows (KnownProxies; its X-Forwarded-Proto then says
    /// https). The reason the host refuses to serve <paramref name="urls"/>, or null.
    /// </summary>
    internal static string? PlainHttpRefusal(IEnumerable<string> urls, IdentityOptions options)
    {
        if (options.Mode != IdentityMode.Oidc || options.KnownProxies.Count > 0)
        {
            return null;
        }

        return urls.FirstOrDefault(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme == Uri.UriSchemeHttp && !LabIdentityHandler.IsLoopbackHost(uri.Host))) is { } plain
            ? $"Remediation:Identity:Mode is Oidc and the host listens on {plain}: sessions and tokens would cross the network in clear. Serve HTTPS (Kestrel:Endpoints:Https with a certificate), or listen on 127.0.0.1 behind a TLS-terminating proxy and list it in Remediation:Identity:KnownProxies."
            : null;
    }

    [LoggerMessage(LogLevel.Warning, "The Data Protection keys in {Folder} (sessions, anti-forgery) are stored unencrypted, protected by the folder's mode 0700 only: set Remediation:Identity:KeyRingCertificatePath to encrypt them")]
    static partial void KeyRingInClear(this ILogger logger, string folder);

    static bool ListsHosts(string? allowed) =>
        allowed?.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } hosts && !hosts.Contains("*");

    // An open redirect after sign-in would hand a phishing page the operator's trust: local paths only.
    // ASP.NET Core's own rule (RedirectHttpResult.IsLocalUrl: no authority, and no control character anywhere, since
    // browsers drop tabs and newlines so "/\t/evil.example" becomes "//evil.example"), and a path, never "~/".
    static bool IsLocal(string? url) => url is ['/', ..] && Microsoft.AspNetCore.Http.HttpResults.RedirectHttpResult.IsLocalUrl(url);

    static Task Answer(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
