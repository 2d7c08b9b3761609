using System.ComponentModel.DataAnnotations;
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

    /// <summary>
    /// How long a CAS run waits for the run of the mailbox server behind its probe mailbox (PLAYBOOKS.md 2.7) before it
    /// escalates: long enough for playbook 3.1 with a server restart.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan OtherRunWait { get; set; } = TimeSpan.FromMinutes(45);

    /// <summary>How long a run waits for a drained server's database copies to settle (no Mounting/Dismounting) before it escalates.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan CopySettleWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a run looks again at what it waits for: another server's run, copies settling.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The settings a new run carries.</summary>
    public RecoverySettings ToSettings() => new(DryRun, RecheckWait, [.. ApprovalRequiredFor], ApprovalTimeout, OtherRunWait, PollInterval, CopySettleWait);
}
