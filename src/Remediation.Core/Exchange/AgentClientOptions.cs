using System.ComponentModel.DataAnnotations;
namespace Remediation.Exchange;

/// <summary>Where the on-premises agent is (through its Hybrid Connection) and the key that signs requests to it.</summary>
public sealed class AgentClientOptions : IValidatableObject
{
    public const string Section = "Remediation:Agent";

    /// <summary>The agent's base address (https://agent-host:port/). Unset: no agent; playbooks that need Exchange escalate.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The key ID the agent knows the key by.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>The signing key, base64 (a Key Vault reference in Azure). Never logged.</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// Per-request timeout: above the agent's own OperationTimeout (2 min), so the agent's "still running" 504 arrives
    /// first. No call waits longer: a server restart is started, then watched with durable timers.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// SHA-256 thumbprints (hex) of the agent's TLS certificate: the engine trusts exactly these certificates for the
    /// agent, whatever CA issued them (an internal CA a multi-tenant App Service cannot trust), and nothing else. Two
    /// while the certificate rotates. Empty: the system's trust store decides.
    /// </summary>
    public List<string> CertificateThumbprints { get; set; } = [];

    /// <summary>True when an agent is configured.</summary>
    public bool IsConfigured => BaseAddress is not null && KeyId.Length > 0 && Key.Length > 0;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var set = (BaseAddress is not null ? 1 : 0) + (KeyId.Length > 0 ? 1 : 0) + (Key.Length > 0 ? 1 : 0);
        if (set is 1 or 2)
        {
            yield return OptionsRegistration.Invalid(Section, "BaseAddress", "KeyId and Key go together: set all three, or none (no agent).");
        }

        if (BaseAddress is { IsAbsoluteUri: false } || BaseAddress is { Scheme: not ("http" or "https") })
        {
            yield return OptionsRegistration.Invalid(Section, nameof(BaseAddress), "must be an absolute http(s) URL.");
        }
        else if (BaseAddress is { Scheme: "http", IsLoopback: false })
        {
            yield return OptionsRegistration.Invalid(Section, nameof(BaseAddress), "must be https:// (plain http only to an agent on this machine).");
        }

        // An unresolved Key Vault reference is not a wrong value but a missing one: the engine starts degraded, and no
        // run starts until it resolves (UnresolvedSettings).
        for (var i = 0; i < CertificateThumbprints.Count; i++)
        {
            if (UnresolvedSettings.IsUnresolved(CertificateThumbprints[i]))
            {
                continue;
            }

            if (CertificateThumbprints[i].Replace(":", "", StringComparison.Ordinal) is not { Length: 64 } hex || !hex.All(char.IsAsciiHexDigit))
            {
                yield return OptionsRegistration.Invalid(Section, $"CertificateThumbprints:{i}", "must be a SHA-256 thumbprint: 64 hex digits.");
            }
        }

        if (Key.Length > 0 && !UnresolvedSettings.IsUnresolved(Key) && !IsKey(Key))
        {
            yield return OptionsRegistration.Invalid(Section, nameof(Key), "must be base64 of at least 32 bytes.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return OptionsRegistration.Invalid(Section, nameof(Timeout), "must be positive.");
        }
    }

    static bool IsKey(string key)
    {
        var bytes = new byte[key.Length];
        return Convert.TryFromBase64String(key, bytes, out var length) && length >= 32;
    }
}
