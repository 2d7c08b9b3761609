namespace Remediation.Imap;

/// <summary>Monitor and health-set alert values. Order matters: a health set is its worst monitor.</summary>
public enum HealthState
{
    /// <summary>Probes pass.</summary>
    Healthy = 0,

    /// <summary>Failing, but not yet for long enough to be Unhealthy.</summary>
    Degraded = 1,

    /// <summary>Failing past the monitor's threshold: users are affected.</summary>
    Unhealthy = 2,

    /// <summary>A remediation is working on it.</summary>
    Repairing = 3,

    /// <summary>Not monitored.</summary>
    Disabled = 4,

    /// <summary>Exchange could not say (MonitorAlertState Unknown, or a value this product does not know): never healthy.</summary>
    Unknown = 5,
}
