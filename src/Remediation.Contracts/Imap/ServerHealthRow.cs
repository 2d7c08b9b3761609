namespace Remediation.Imap;

/// <summary>
/// A Get-ServerHealth row, with what the last probe saw (when this product's own probes feed the monitor) and, while it
/// is not healthy, when its first failed probe started (<c>LastTransitionTime</c> moves at every change of state,
/// Unhealthy to Repairing included); while Unhealthy, when the monitor alerts again on its own (<c>NextAlertAt</c>).
/// </summary>
public sealed record ServerHealthRow(
    string Server,
    string Name,
    string TargetResource,
    string HealthSetName,
    HealthState AlertValue,
    DateTimeOffset LastTransitionTime,
    double? LastProbeLatencyMs = null,
    string? LastError = null,
    DateTimeOffset? DownSince = null,
    DateTimeOffset? NextAlertAt = null);

/// <summary>A Get-HealthReport row: a health set on a server is its worst monitor.</summary>
public sealed record HealthReportRow(string Server, string HealthSet, HealthState State, DateTimeOffset LastTransitionTime, int MonitorCount);
