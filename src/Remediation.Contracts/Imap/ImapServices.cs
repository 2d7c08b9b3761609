namespace Remediation.Imap;

/// <summary>The Windows services behind IMAP on Exchange: the only services the agent may restart.</summary>
public static class ImapServices
{
    /// <summary>The client access (front end) service on a CAS: the IMAP proxy users connect to.</summary>
    public const string FrontEnd = "MSExchangeIMAP4";

    /// <summary>The back-end service on a mailbox server: where mailboxes are opened.</summary>
    public const string BackEnd = "MSExchangeIMAP4BE";

    /// <summary>Both, in that order.</summary>
    public static IReadOnlyList<string> All { get; } = [FrontEnd, BackEnd];
}
