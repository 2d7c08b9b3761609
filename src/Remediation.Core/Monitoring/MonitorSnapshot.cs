using Remediation.Imap;
using Remediation.Probes;

namespace Remediation.Monitoring;

/// <summary>
/// A monitor's state on one server, shaped like a Get-ServerHealth row plus what led to it; <c>UpdatedAt</c> orders
/// the versions instances write to the shared store. <c>Samples</c> is the failure-ratio window (kept only when
/// <see cref="MonitorOptions.FailureRatio"/> is on), so it is shared with the rest of the state. <c>LastSampleAt</c>
/// is when a probe result last reached it (a repair's start or end is not a sample): how fresh its health is.
/// <c>DownSince</c> is when the first failed probe of the current failure started (null while healthy): it survives the
/// Unhealthy, Repairing, Unhealthy transitions that reset <c>LastTransitionTime</c>, so "down since" tells the truth.
/// </summary>
public sealed record MonitorSnapshot(
    string Server,
    string Name,
    string HealthSet,
    string TargetResource,
    HealthState AlertValue,
    DateTimeOffset LastTransitionTime,
    int ConsecutiveFailures,
    int ConsecutiveSuccesses,
    ProbeResult? LastResult,
    DateTimeOffset? LastAlertAt = null,
    int Reminders = 0,
    DateTimeOffset? UpdatedAt = null,
    IReadOnlyList<MonitorSample>? Samples = null,
    DateTimeOffset? LastSampleAt = null,
    DateTimeOffset? DownSince = null);

/// <summary>One sample in a monitor's failure-ratio window.</summary>
/// <param name="At">When it was taken.</param>
/// <param name="Ok">Whether it passed.</param>
public sealed record MonitorSample(DateTimeOffset At, bool Ok);

/// <summary>A monitor changed state.</summary>
public sealed record MonitorTransition(MonitorSnapshot Before, MonitorSnapshot After, bool IsReminder = false)
{
    /// <summary>True when this transition should raise an alert.</summary>
    public bool BecameUnhealthy => After.AlertValue == HealthState.Unhealthy && Before.AlertValue != HealthState.Unhealthy;

    /// <summary>True when an alert goes out: the monitor turned Unhealthy, or is still Unhealthy past its back-off.</summary>
    public bool RaisesAlert => BecameUnhealthy || IsReminder;
}
