namespace Remediation.Recovery;

/// <summary>Recovery settings, copied into each run's input when it starts.</summary>
public sealed class RecoveryOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Remediation:Recovery";

    /// <summary>Walk the playbooks and record what would be done, touching nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>The settings a new run carries.</summary>
    public RecoverySettings ToSettings() => new(DryRun);
}
