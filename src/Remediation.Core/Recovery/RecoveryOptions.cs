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

    /// <summary>
    /// Disruptive actions that need two different signed-in approvers (e.g. ServerRestart): the four-eyes rule. Each
    /// is asked for approval whether or not it is also in <see cref="ApprovalRequiredFor"/>.
    /// </summary>
    public List<DisruptiveAction> TwoApproversFor { get; set; } = [];

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

    /// <summary>
    /// How long a run watches a restarted server (every PollInterval) for its OS to have rebooted and its IMAP4 services
    /// to run again before it goes on without them (the runbook's 20 minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "02:00:00")]
    public TimeSpan RestartWait { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>How long a fail-back waits for a maintenance window covering its server to close before leaving it drained.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaintenanceWait { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The settings a new run carries.</summary>
    /// <summary>How long GET /api/plan/{server} waits for the preview (it reads health and asks the safety gate).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan PreviewTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The settings a run takes with it.</summary>
    public RecoverySettings ToSettings() => new(DryRun, RecheckWait, [.. ApprovalRequiredFor], ApprovalTimeout, OtherRunWait, PollInterval, CopySettleWait, RestartWait, MaintenanceWait, [.. TwoApproversFor]);
}
