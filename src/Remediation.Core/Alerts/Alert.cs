namespace Remediation.Alerts;

/// <summary>
/// An IMAP health alert for one server, from our own monitors or an external system (Azure Monitor, SCOM, any JSON).
/// Small on purpose: it travels in queue messages and orchestration inputs.
/// </summary>
/// <param name="AlertId">Stable ID of the alert at its source; the duplicate-detection key.</param>
/// <param name="Server">The Exchange server named by the alert.</param>
/// <param name="HealthSet">IMAP, IMAP.Proxy or IMAP.Protocol.</param>
/// <param name="Monitor">The failing monitor when the source names it; otherwise the run asks the server.</param>
/// <param name="Source">Who raised it (Probe, AzureMonitor, Scom, Generic).</param>
/// <param name="Description">Free text from the source (may hold the probe error, with its _Mbx: hint).</param>
/// <param name="RaisedAt">When the source raised it.</param>
/// <param name="CorrelationId">Carried into the run and its telemetry.</param>
/// <param name="FailingSince">When the failure it reports began (our monitors: the first failed probe), when the source knows it.</param>
public sealed record Alert(
    string AlertId,
    string Server,
    string HealthSet,
    string? Monitor,
    string Source,
    string? Description,
    DateTimeOffset RaisedAt,
    string? CorrelationId = null,
    DateTimeOffset? FailingSince = null);
