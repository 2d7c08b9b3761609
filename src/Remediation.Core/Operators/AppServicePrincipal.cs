using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Remediation.Operators;

/// <summary>
/// The signed-in person App Service Authentication (Easy Auth) puts in front of the Functions app: it validates the
/// Entra ID sign-in or bearer token, strips any client-sent <c>X-MS-CLIENT-PRINCIPAL</c> header and injects its own.
/// The header is trusted only when the platform says authentication is on (<c>WEBSITE_AUTH_ENABLED=True</c>); without
/// it anyone could write the header, so nobody is signed in.
/// </summary>
public static class AppServicePrincipal
{
    /// <summary>The platform's header: base64 JSON <c>{auth_typ, claims: [{typ, val}], name_typ, role_typ}</c>.</summary>
    public const string Header = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The App Service setting the platform sets when authentication is enabled.</summary>
    public const string EnabledSetting = "WEBSITE_AUTH_ENABLED";

    /// <summary>The principal in <paramref name="request"/>'s header, or an anonymous one (no header, not enabled, malformed).</summary>
    public static ClaimsPrincipal Read(HttpRequest request, bool platformAuthenticationEnabled)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!platformAuthenticationEnabled || request.Headers[Header].FirstOrDefault() is not { Length: > 0 and <= 64 * 1024 } encoded)
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }

        try
        {
            var principal = JsonSerializer.Deserialize<ClientPrincipal>(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
            if (principal is not { AuthenticationType: { Length: > 0 } type, Claims: { } claims })
            {
                return new ClaimsPrincipal(new ClaimsIdentity());
            }

            var identity = new ClaimsIdentity(
                claims.Where(c => c.Type is { Length: > 0 } && c.Value is not null).Select(c => new Claim(c.Type!, c.Value!)),
                type,
                principal.NameType ?? ClaimTypes.Name,
                principal.RoleType ?? ClaimTypes.Role);
            return new ClaimsPrincipal(identity);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }
    }

    /// <summary>Whether the platform's setting says App Service Authentication is on.</summary>
    public static bool IsEnabled(string? setting) => string.Equals(setting, "True", StringComparison.OrdinalIgnoreCase);

    /// <summary>Encodes a principal as the platform does (tests, and the hosted smoke job).</summary>
    public static string Encode(string authenticationType, IEnumerable<(string Type, string Value)> claims) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new ClientPrincipal(authenticationType, [.. claims.Select(c => new ClientClaim(c.Type, c.Value))], "name", "roles")));

    sealed record ClientPrincipal(
        [property: JsonPropertyName("auth_typ")] string? AuthenticationType,
        [property: JsonPropertyName("claims")] List<ClientClaim>? Claims,
        [property: JsonPropertyName("name_typ")] string? NameType,
        [property: JsonPropertyName("role_typ")] string? RoleType);

    sealed record ClientClaim(
        [property: JsonPropertyName("typ")] string? Type,
        [property: JsonPropertyName("val")] string? Value);
}
