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
}
