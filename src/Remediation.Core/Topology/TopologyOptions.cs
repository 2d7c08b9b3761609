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
    /// The organisation's DNS suffixes (e.g. <c>contoso.com</c>): an FQDN names a server only as
    /// <c>Name.suffix</c> with one of them (see <see cref="FindByHint"/>).
    /// </summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>
    /// The server an Exchange-shaped name denotes (Exchange's <c>_Mbx:</c> hints and alert sources name servers by FQDN):
    /// its name; or exactly <c>Name.suffix</c> for a configured <see cref="Domains"/> suffix; or exactly the host of one of
    /// its IMAP endpoints. Any other dotted name names no server: <c>MBX1.evil.example</c> is not MBX1. Null when none
    /// is configured.
    /// </summary>
    public ExchangeServerOptions? FindByHint(string hint)
    {
        ArgumentNullException.ThrowIfNull(hint);
        return Find(hint) ?? Servers.Find(s =>
            Same(s.FrontEnd?.Host, hint) || Same(s.BackEnd?.Host, hint)
            || Domains.Exists(d => d.Trim('.') is { Length: > 0 } suffix && Same($"{s.Name}.{suffix}", hint)));
    }

    static bool Same(string? a, string b) => a is { Length: > 0 } && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
