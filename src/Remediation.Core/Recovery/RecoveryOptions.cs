using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>Recovery settings, copied into each run's input when it starts.</summary>
public sealed class RecoveryOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Remediation:Recovery";

    /// <summary>Walk the playbooks and record what would be done, touching nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Playbook 3.4's wait before each health recheck.</summary>
    public TimeSpan RecheckWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Disruptive actions that need a human's approval (e.g. DatabaseFailover, ServerRestart).</summary>
    public List<DisruptiveAction> ApprovalRequiredFor { get; set; } = [];

    /// <summary>How long to wait for an approval before escalating without acting.</summary>
    public TimeSpan ApprovalTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The settings a new run carries.</summary>
    public RecoverySettings ToSettings() => new(DryRun, RecheckWait, [.. ApprovalRequiredFor], ApprovalTimeout);
}
