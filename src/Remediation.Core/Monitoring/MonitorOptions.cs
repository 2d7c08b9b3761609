using System.ComponentModel.DataAnnotations;

namespace Remediation.Monitoring;

/// <summary>When a monitor changes state.</summary>
public sealed class MonitorOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Remediation:Monitors";

    /// <summary>Consecutive failed probe results that make a monitor Unhealthy.</summary>
    [Range(1, 100)]
    public int ConsecutiveFailures { get; set; } = 3;

    /// <summary>Consecutive successes that bring an Unhealthy or Degraded monitor back to Healthy.</summary>
    [Range(1, 100)]
    public int SuccessesToRecover { get; set; } = 1;
}
