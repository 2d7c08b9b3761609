namespace Remediation.Imap;

/// <summary>A monitor of the IMAP health sets, with the probe that feeds it (PLAYBOOKS.md section 1).</summary>
/// <param name="Name">Monitor name, as Get-ServerHealth shows it.</param>
/// <param name="HealthSet">IMAP, IMAP.Proxy or IMAP.Protocol.</param>
/// <param name="Probe">The probe whose results feed it; null for the performance-counter monitors.</param>
/// <param name="TargetResource">The Windows service it watches.</param>
/// <param name="Playbook">The runbook section that recovers it.</param>
public sealed record MonitorDefinition(string Name, string HealthSet, string? Probe, string TargetResource, ImapPlaybook Playbook);

/// <summary>The runbook's recovery sections (PLAYBOOKS.md section 3), one per kind of monitor.</summary>
public enum ImapPlaybook
{
    /// <summary>3.1: the back end (ImapDeepTestMonitor, ImapSelfTestMonitor).</summary>
    DeepTest,

    /// <summary>3.2: the customer touch point through the CAS (ImapCTPMonitor).</summary>
    Ctp,

    /// <summary>3.3: the proxy path (ImapProxyTestMonitor).</summary>
    ProxyTest,

    /// <summary>3.4: the performance counters (AverageCommandProcessingTimeGt60sMonitor, RequestsQueuedGt500Monitor).</summary>
    Performance,
}

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

    /// <summary>The customer touch point, fed by <see cref="CtpProbe"/>.</summary>
    public static MonitorDefinition CtpMonitor { get; } = new("ImapCTPMonitor", ImapHealthSet, CtpProbe, ImapServices.FrontEnd, ImapPlaybook.Ctp);

    /// <summary>The proxy path, fed by <see cref="ProxyTestProbe"/>.</summary>
    public static MonitorDefinition ProxyTestMonitor { get; } = new("ImapProxyTestMonitor", ProxyHealthSet, ProxyTestProbe, ImapServices.FrontEnd, ImapPlaybook.ProxyTest);

    /// <summary>The back end with login, fed by <see cref="DeepTestProbe"/>.</summary>
    public static MonitorDefinition DeepTestMonitor { get; } = new("ImapDeepTestMonitor", ProtocolHealthSet, DeepTestProbe, ImapServices.BackEnd, ImapPlaybook.DeepTest);

    /// <summary>The back end's greeting, fed by <see cref="SelfTestProbe"/>.</summary>
    public static MonitorDefinition SelfTestMonitor { get; } = new("ImapSelfTestMonitor", ProtocolHealthSet, SelfTestProbe, ImapServices.BackEnd, ImapPlaybook.DeepTest);

    /// <summary>The "Average Command Processing Time" counter above 60 seconds.</summary>
    public static MonitorDefinition CommandTimeMonitor { get; } = new("AverageCommandProcessingTimeGt60sMonitor", ImapHealthSet, null, ImapServices.FrontEnd, ImapPlaybook.Performance);

    /// <summary>The "Requests Queued" counter above 500.</summary>
    public static MonitorDefinition RequestsQueuedMonitor { get; } = new("RequestsQueuedGt500Monitor", ImapHealthSet, null, ImapServices.FrontEnd, ImapPlaybook.Performance);

    /// <summary>Every monitor.</summary>
    public static IReadOnlyList<MonitorDefinition> Monitors { get; } =
        [CtpMonitor, ProxyTestMonitor, DeepTestMonitor, SelfTestMonitor, CommandTimeMonitor, RequestsQueuedMonitor];

    /// <summary>The monitor a probe feeds.</summary>
    public static MonitorDefinition MonitorOf(string probe) =>
        Monitors.FirstOrDefault(m => string.Equals(m.Probe, probe, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"'{probe}' is not an IMAP probe.", nameof(probe));

    /// <summary>The monitor named <paramref name="monitor"/> (case-insensitive), or null.</summary>
    public static MonitorDefinition? FindMonitor(string? monitor) =>
        Monitors.FirstOrDefault(m => string.Equals(m.Name, monitor, StringComparison.OrdinalIgnoreCase));
}
