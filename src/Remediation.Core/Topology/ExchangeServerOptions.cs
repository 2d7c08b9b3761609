namespace Remediation.Topology;

/// <summary>One Exchange server the product watches and may remediate.</summary>
public sealed class ExchangeServerOptions
{
    /// <summary>Server name as Exchange knows it (e.g. EXMBX01).</summary>
    public string Name { get; set; } = "";

    /// <summary>Roles it holds.</summary>
    public ServerRole Role { get; set; }

    /// <summary>Database Availability Group, for mailbox servers.</summary>
    public string? Dag { get; set; }

    /// <summary>Active Directory site.</summary>
    public string? Site { get; set; }

    /// <summary>The client-facing IMAP endpoint (CAS front end, 993/143).</summary>
    public ImapEndpointOptions? FrontEnd { get; set; }

    /// <summary>The back-end IMAP4 service (MSExchangeIMAP4BE, ProxyTargetPort 1993).</summary>
    public ImapEndpointOptions? BackEnd { get; set; }

    /// <summary>The mailbox the login probes use: on a CAS, the CTP and proxy probes' account; on a mailbox server, one it hosts (deep test).</summary>
    public ProbeMailboxOptions? ProbeMailbox { get; set; }

    /// <summary>True while the server is in a maintenance window: probed, never touched.</summary>
    public bool InMaintenance { get; set; }

    /// <summary>
    /// True when a secret this server is probed with (its probe mailbox's password, a pinned CA) is still an unresolved
    /// Key Vault reference: the server is not probed (it would log in with the reference's text, fail, and start a run).
    /// </summary>
    public bool AwaitsSecrets =>
        UnresolvedSettings.IsUnresolved(ProbeMailbox?.Password) || UnresolvedSettings.IsUnresolved(FrontEnd?.TrustedCa) || UnresolvedSettings.IsUnresolved(BackEnd?.TrustedCa);
}
