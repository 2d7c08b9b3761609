namespace Remediation.Topology;

/// <summary>
/// The monitoring mailbox a probe logs into. The password comes from configuration (a Key Vault reference in
/// Azure); it is never logged and never appears in a result or an error.
/// </summary>
public sealed class ProbeMailboxOptions
{
    /// <summary>Login name.</summary>
    public string User { get; set; } = "";

    /// <summary>Password. Secret.</summary>
    public string Password { get; set; } = "";

    /// <summary>The mailbox server that hosts this mailbox (what the CAS should proxy to).</summary>
    public string? MailboxServer { get; set; }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{User} (password hidden)";
}
