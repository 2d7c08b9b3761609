namespace Remediation.Topology;

/// <summary>The Exchange roles a server holds.</summary>
[Flags]
public enum ServerRole
{
    /// <summary>No role configured (invalid).</summary>
    None = 0,

    /// <summary>Client Access (front end): MSExchangeIMAP4.</summary>
    ClientAccess = 1,

    /// <summary>Mailbox (back end): MSExchangeIMAP4BE.</summary>
    Mailbox = 2,

    /// <summary>Both roles on one server.</summary>
    Both = ClientAccess | Mailbox,
}
