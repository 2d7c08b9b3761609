using Microsoft.Extensions.Configuration;

namespace Remediation;

/// <summary>
/// Settings whose Key Vault reference App Service could not resolve. App Service then passes the reference itself,
/// <c>@Microsoft.KeyVault(...)</c>, as the value (REFERENCE.md, "azd and Key Vault"; learn.microsoft.com, "Use Key
/// Vault references as app settings": "If a reference isn't resolved properly, the reference string is used
/// instead"). Such a value is never a secret, a key or a certificate: options validation accepts it as "not there
/// yet" instead of stopping the worker, the probes skip what needs it, the pump starts no run while the agent's own
/// secrets are missing, and <c>/api/healthz</c> names every one of them (degraded, never dead).
/// </summary>
public sealed class UnresolvedSettings
{
    /// <summary>What App Service leaves in a setting whose reference it could not resolve.</summary>
    public const string Prefix = "@Microsoft.KeyVault(";

    /// <summary>The settings the run needs to act on Exchange: the agent's signing key and pinned certificate.</summary>
    static readonly string[] AgentSecrets = ["Remediation:Agent:Key", "Remediation:Agent:CertificateThumbprints:"];

    /// <summary>Reads <paramref name="configuration"/> once (references resolve at start; a refresh restarts the app).</summary>
    public UnresolvedSettings(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Keys = [.. configuration.AsEnumerable().Where(kv => IsUnresolved(kv.Value)).Select(kv => kv.Key).Order(StringComparer.OrdinalIgnoreCase)];
        AgentSecretsMissing = [.. Keys.Where(k => AgentSecrets.Any(a => k.StartsWith(a, StringComparison.OrdinalIgnoreCase)))];
    }

    /// <summary>The configuration keys (never their values) that still hold a Key Vault reference, in order.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>
    /// The agent's secrets that did not resolve: while any is missing, no run starts (it could neither sign its
    /// requests nor trust the agent's certificate) and alerts wait in the queue.
    /// </summary>
    public IReadOnlyList<string> AgentSecretsMissing { get; }

    /// <summary>True when <paramref name="value"/> is a Key Vault reference App Service left unresolved.</summary>
    public static bool IsUnresolved(string? value) => value?.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) == true;
}
