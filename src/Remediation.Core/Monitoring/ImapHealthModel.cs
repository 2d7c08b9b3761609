namespace Remediation.Monitoring;

/// <summary>A monitor of the IMAP health sets, with the probe that feeds it (PLAYBOOKS.md section 1).</summary>
/// <param name="Name">Monitor name, as Get-ServerHealth shows it.</param>
/// <param name="HealthSet">IMAP, IMAP.Proxy or IMAP.Protocol.</param>
/// <param name="Probe">The probe whose results feed it; null for the performance-counter monitors.</param>
/// <param name="TargetResource">The Windows service it watches.</param>
public sealed record MonitorDefinition(string Name, string HealthSet, string? Probe, string TargetResource);

/// <summary>The three IMAP health sets, four probes and six monitors, by their Managed Availability names.</summary>
public static class ImapHealthModel
{
    /// <summary>Health set of the customer touch point and performance monitors.</summary>
    public const string ImapHealthSet = "IMAP";

    /// <summary>Health set of the CAS proxy path.</summary>
    public const string ProxyHealthSet = "IMAP.Proxy";

    /// <summary>Health set of the back-end protocol service.</summary>
    public const string ProtocolHealthSet = "IMAP.Protocol";

    /// <summary>End to end through the CAS.</summary>
    public const string CtpProbe = "ImapCTPProbe";

    /// <summary>The proxy path from CAS to mailbox server.</summary>
    public const string ProxyTestProbe = "ImapProxyTestProbe";

    /// <summary>Directly against the back end, with login.</summary>
    public const string DeepTestProbe = "ImapDeepTestProbe";

    /// <summary>Greeting and CAPABILITY, no login.</summary>
    public const string SelfTestProbe = "ImapSelfTestProbe";

    /// <summary>Every monitor.</summary>
    public static IReadOnlyList<MonitorDefinition> Monitors { get; } =
    [
        new("ImapCTPMonitor", ImapHealthSet, CtpProbe, "MSExchangeIMAP4"),
        new("ImapProxyTestMonitor", ProxyHealthSet, ProxyTestProbe, "MSExchangeIMAP4"),
        new("ImapDeepTestMonitor", ProtocolHealthSet, DeepTestProbe, "MSExchangeIMAP4BE"),
        new("ImapSelfTestMonitor", ProtocolHealthSet, SelfTestProbe, "MSExchangeIMAP4BE"),
        new("AverageCommandProcessingTimeGt60sMonitor", ImapHealthSet, null, "MSExchangeIMAP4"),
        new("RequestsQueuedGt500Monitor", ImapHealthSet, null, "MSExchangeIMAP4"),
    ];

    /// <summary>The monitor a probe feeds.</summary>
    public static MonitorDefinition MonitorOf(string probe) =>
        Monitors.FirstOrDefault(m => string.Equals(m.Probe, probe, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"'{probe}' is not an IMAP probe.", nameof(probe));

    /// <summary>The monitor named <paramref name="monitor"/> (case-insensitive), or null.</summary>
    public static MonitorDefinition? FindMonitor(string? monitor) =>
        Monitors.FirstOrDefault(m => string.Equals(m.Name, monitor, StringComparison.OrdinalIgnoreCase));
}
