using System.ComponentModel.DataAnnotations;
using Remediation.Imap;

namespace Remediation.Monitoring;

/// <summary>When a monitor changes state.</summary>
public sealed class MonitorOptions
{
    public const string Section = "Remediation:Monitors";

    /// <summary>Consecutive failed probe results that make a monitor Unhealthy.</summary>
    [Range(1, 100)]
    public int ConsecutiveFailures { get; set; } = 3;

    /// <summary>Consecutive successes that bring an Unhealthy or Degraded monitor back to Healthy.</summary>
    [Range(1, 100)]
    public int SuccessesToRecover { get; set; } = 1;

    /// <summary>Also Unhealthy when this share of the samples in <see cref="Window"/> failed (0 turns the ratio rule off).</summary>
    [Range(0.0, 1.0)]
    public double FailureRatio { get; set; }

    /// <summary>The window of the failure ratio.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Samples the window must hold before the ratio counts.</summary>
    [Range(1, 10_000)]
    public int MinimumSamples { get; set; } = 5;

    /// <summary>
    /// A monitor still Unhealthy after its server's run ended alerts again after this long, then after twice as long, and
    /// so on (at most 16 times this): an escalated server is never silently dropped.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan RealertAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// When an Unhealthy monitor raises its next alert (its last one plus <see cref="RealertAfter"/>, doubled per
    /// reminder up to 16 times); null for a monitor that is not Unhealthy or never alerted.
    /// </summary>
    public DateTimeOffset? NextAlertAt(MonitorSnapshot monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        return monitor.AlertValue == HealthState.Unhealthy && monitor.LastAlertAt is { } last ? last + (RealertAfter * Math.Pow(2, Math.Min(monitor.Reminders, 4))) : null;
    }

    /// <summary>
    /// A peer CAS counts as the site's healthy CAS only on a sample this fresh: one seen Healthy an hour ago, its probes
    /// stopped or behind since, is not known healthy now. Keep it a few probe intervals.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PeerSampleMaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>AverageCommandProcessingTimeGt60sMonitor fails a sample above this (MSExchangeImap4 "Average Command Processing Time").</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan AverageCommandProcessingTimeLimit { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>RequestsQueuedGt500Monitor fails a sample above this (MSExchangeImap4 "Requests Queued").</summary>
    [Range(1, 1_000_000)]
    public long RequestsQueuedLimit { get; set; } = 500;
}
