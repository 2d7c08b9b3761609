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

    /// <summary>
    /// The mailbox server that hosts this mailbox (what the CAS should proxy to) as configured: the fallback when where
    /// <see cref="Database"/> is mounted cannot be read.
    /// </summary>
    public string? MailboxServer { get; set; }

    /// <summary>
    /// The mailbox database holding this mailbox (<c>Get-Mailbox &lt;user&gt; | Format-List Database</c>). A run reads
    /// where it is mounted now (Get-MailboxDatabaseCopyStatus, ActiveDatabaseCopy): after a fail-over that is another
    /// server than <see cref="MailboxServer"/>.
    /// </summary>
    public string? Database { get; set; }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{User} (password hidden)";
}
