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

    /// <summary>AverageCommandProcessingTimeGt60sMonitor fails a sample above this (MSExchangeImap4 "Average Command Processing Time").</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan AverageCommandProcessingTimeLimit { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>RequestsQueuedGt500Monitor fails a sample above this (MSExchangeImap4 "Requests Queued").</summary>
    [Range(1, 1_000_000)]
    public long RequestsQueuedLimit { get; set; } = 500;
}
