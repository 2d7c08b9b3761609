using System.ComponentModel.DataAnnotations;

namespace Remediation.Probes;

/// <summary>How probes run.</summary>
public sealed class ProbeOptions
{
    public const string Section = "Remediation:Probes";

    /// <summary>Run probes on a schedule. Off: monitors are fed only by on-demand probes and external alerts.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between probe cycles in the standalone host (the Functions app uses its NCRONTAB schedules).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>One probe's whole budget; past it the probe is TimedOut and its connection dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Probes in flight at once, across all servers.</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// Where the probes run, as Application Insights' Availability blade names the location of each result; default
    /// the App Service region (REGION_NAME), else the machine name.
    /// </summary>
    [StringLength(64)]
    public string? RunLocation { get; set; }
}
