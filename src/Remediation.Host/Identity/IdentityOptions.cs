using System.ComponentModel.DataAnnotations;

namespace Remediation.Host.Identity;

/// <summary>How operators sign in to the standalone host.</summary>
public enum IdentityMode
{
    /// <summary>Not chosen: the host refuses to start and says what to set.</summary>
    None,

    /// <summary>OpenID Connect sign-in for the console, JWT bearer tokens for API clients (Entra ID or any OIDC provider).</summary>
    Oidc,

    /// <summary>The loopback lab identity: every loopback request is the lab operator; refused on any other address.</summary>
    Lab,
}

/// <summary>Operator identity (section <c>Remediation:Identity</c>).</summary>
public sealed class IdentityOptions : IValidatableObject
{
    public const string Section = "Remediation:Identity";

    /// <summary><c>Oidc</c> in production; <c>Lab</c> only for lab mode on 127.0.0.1.</summary>
    public IdentityMode Mode { get; set; }

    /// <summary>The provider's issuer, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>; its metadata is read from <c>/.well-known/openid-configuration</c>.</summary>
    public Uri? Authority { get; set; }

    /// <summary>The console's client ID at the provider.</summary>
    public string? ClientId { get; set; }

    /// <summary>The console's client secret (a Key Vault reference or user secret; never in a committed file).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// The audience API tokens must be issued for (Oidc mode, required): Entra ID, the API's application ID URI
    /// (<c>api://{client-id}</c>) or, for v2 tokens of the same registration, the client ID. Never defaulted: an
    /// audience nobody chose would be the console's client ID, which its ID tokens carry too.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>
    /// How long a console sign-in lasts before the provider is asked again (no sliding): the roles a session carries are
    /// the provider's at sign-in, so this is how long a role removed at the provider can still be used. An hour by
    /// default; while the provider's own session lasts the new sign-in asks for nothing and reads the roles afresh.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Reverse proxies (IP addresses) whose X-Forwarded-For and X-Forwarded-Proto are believed: behind a TLS-terminating
    /// proxy the session cookie is then Secure and the sign-in redirect https, and the client's own address is the one
    /// every check sees (the lab identity refuses a forwarded remote client). Nobody else's forwarded headers count.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>
    /// Where the Data Protection key ring lives (Oidc mode, required): the keys that sign and encrypt the session cookie
    /// and the anti-forgery tokens. Anyone who reads them can mint a session with any roles, so the folder is created
    /// (or tightened) to mode 0700 for the host's account; on Windows give it an ACL for that account and
    /// Administrators only. Persistent, so a restart does not sign everyone out; shared by every instance behind one
    /// console name.
    /// </summary>
    public string? KeyRingPath { get; set; }

    /// <summary>
    /// A PFX whose certificate encrypts the keys at rest (<see cref="KeyRingPath"/>); without it they are encrypted with
    /// DPAPI on Windows and stored in the clear (in the 0700 folder) elsewhere, which the host logs as a warning.
    /// </summary>
    public string? KeyRingCertificatePath { get; set; }

    /// <summary>The PFX's password (an environment variable or secret store, never a committed file).</summary>
    public string? KeyRingCertificatePassword { get; set; }

    /// <summary>Metadata over plain HTTP only from a provider on this machine (tests); anything else must be HTTPS.</summary>
    public bool AuthorityIsLoopback => Authority is { IsLoopback: true };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        switch (Mode)
        {
            case IdentityMode.None:
                yield return OptionsRegistration.Invalid(Section, nameof(Mode), "is not set: Oidc (with Authority and ClientId) for operators who sign in, or Lab for the loopback lab identity.");
                break;
            case IdentityMode.Oidc when Authority is null || !Authority.IsAbsoluteUri:
                yield return OptionsRegistration.Invalid(Section, nameof(Authority), "must be the identity provider's absolute issuer URL when Mode is Oidc.");
                break;
            case IdentityMode.Oidc when Authority.Scheme != Uri.UriSchemeHttps && !AuthorityIsLoopback:
                yield return OptionsRegistration.Invalid(Section, nameof(Authority), "must be HTTPS (plain HTTP only for a provider on 127.0.0.1).");
                break;
            case IdentityMode.Oidc when string.IsNullOrWhiteSpace(ClientId):
                yield return OptionsRegistration.Invalid(Section, nameof(ClientId), "is required when Mode is Oidc.");
                break;
            case IdentityMode.Oidc when string.IsNullOrWhiteSpace(Audience):
                yield return OptionsRegistration.Invalid(Section, nameof(Audience), "is required when Mode is Oidc: the audience API tokens are issued for (Entra ID: api://<client id>).");
                break;
            case IdentityMode.Oidc when string.IsNullOrWhiteSpace(KeyRingPath):
                yield return OptionsRegistration.Invalid(Section, nameof(KeyRingPath), "is required when Mode is Oidc: a folder only the host's account can read, for the keys that protect sessions and anti-forgery tokens (without it they would sit unprotected in the account's home folder, or vanish at every restart and sign everyone out).");
                break;
            case IdentityMode.Oidc when KeyRingCertificatePath is { Length: > 0 } pfx && !File.Exists(pfx):
                yield return OptionsRegistration.Invalid(Section, nameof(KeyRingCertificatePath), $"names {pfx}, which does not exist.");
                break;
            default:
                break;
        }

        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return OptionsRegistration.Invalid(Section, $"KnownProxies:{i}", "must be an IP address.");
            }
        }
    }
}
