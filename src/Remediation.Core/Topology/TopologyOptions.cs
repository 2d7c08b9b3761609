namespace Remediation.Topology;

/// <summary>The Exchange organisation: which servers exist, what they are, and how to reach their IMAP services.</summary>
public sealed class TopologyOptions
{
    public const string Section = "Remediation:Topology";

    /// <summary>Servers watched.</summary>
    public List<ExchangeServerOptions> Servers { get; set; } = [];

    /// <summary>The server named <paramref name="name"/> (case-insensitive), or null.</summary>
    public ExchangeServerOptions? Find(string name) =>
        Servers.Find(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The server an Exchange-shaped name denotes: its name, or an FQDN whose first label is its name (Exchange's
    /// <c>_Mbx:</c> hints name the mailbox server by FQDN, e.g. <c>mbx1.contoso.com</c>); null when none is configured.
    /// </summary>
    public ExchangeServerOptions? FindByHint(string hint)
    {
        ArgumentNullException.ThrowIfNull(hint);
        return Find(hint) ?? (hint.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot ? Find(hint[..dot]) : null);
    }
}
