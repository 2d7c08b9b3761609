using System.ComponentModel.DataAnnotations;

namespace Remediation.Recovery;

/// <summary>How the alert pump drains the queue.</summary>
public sealed class AlertPumpOptions
{
    public const string Section = "Remediation:Pump";

    /// <summary>Drain the queue continuously (standalone host). Off: something else calls the pump.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Pause between empty receives in the standalone host.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages taken per receive.</summary>
    [Range(1, 500)]
    public int BatchSize { get; set; } = 100;

    /// <summary>How long one receive waits for a first message.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(1);
}
