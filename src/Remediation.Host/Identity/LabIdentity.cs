using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Remediation.Operators;

namespace Remediation.Host.Identity;

/// <summary>
/// Lab mode's identity: a request that reached a loopback address from a loopback address, naming a loopback host
/// (no DNS-rebound name), is the lab operator with every role. Anything else is nobody. The host also refuses to start
/// with it on a non-loopback address (<see cref="EnsureLoopbackOnly"/>). Clearly labelled in every record it makes.
/// </summary>
internal sealed class LabIdentityHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "Lab";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!IsLoopback(Context))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var lab = Operator.Lab;
        var claims = new List<Claim> { new("name", lab.Name), new("oid", lab.ObjectId) };
        claims.AddRange(lab.Roles.Select(r => new Claim("roles", r.ToString().ToLowerInvariant())));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Name, "name", "roles"));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Response.WriteAsJsonAsync(
            new { title = "Not signed in", status = 401, detail = "The lab identity answers only loopback requests to a loopback host name; configure Remediation:Identity:Mode=Oidc to sign in from elsewhere." },
            options: null,
            contentType: "application/problem+json");
    }

    internal static bool IsLoopback(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
        && context.Connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local)
        && IsLoopbackHost(context.Request.Host.Host)
        && !Forwarded(context.Request.Headers);

    // A request that a proxy forwarded comes from whoever reached that proxy, not from this machine: a reverse proxy
    // the host does not know (KnownProxies consumes the headers of one it knows) makes it nobody. (A port forward such
    // as ssh -L adds no header and cannot be told apart: docs/security.md.)
    static bool Forwarded(IHeaderDictionary headers) =>
        headers.ContainsKey("X-Forwarded-For") || headers.ContainsKey("Forwarded") || headers.ContainsKey("X-Real-IP") || headers.ContainsKey("X-Forwarded-Host");

    /// <summary>A loopback host name or address (localhost, 127.0.0.0/8, ::1): the one rule for "on this machine".</summary>
    internal static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Throws when the lab identity would be served on a non-loopback address.</summary>
    public static void EnsureLoopbackOnly(IEnumerable<string> urls)
    {
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsLoopbackHost(uri.Host))
            {
                throw new InvalidOperationException(
                    $"Remediation:Identity:Mode=Lab serves the loopback lab identity, but the host listens on {url}. Listen on 127.0.0.1 only, or sign operators in with Mode=Oidc.");
            }
        }
    }
}
