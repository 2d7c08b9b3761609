using Remediation.Alerts;
using Remediation.Safety;
using Remediation.Topology;

namespace Remediation.Recovery;

/// <summary>
/// Everything a run needs, decided before it starts: orchestrators read no configuration and no clock,
/// so every wait and threshold travels here (tests pass milliseconds, production minutes). A run records them.
/// </summary>
/// <param name="DryRun">Walk the playbook and record what would be done, touching nothing.</param>
/// <param name="RecheckWait">Playbook 3.4's "wait 10 minutes and recheck".</param>
/// <param name="ApprovalRequiredFor">Disruptive actions that wait for a human's approval.</param>
/// <param name="ApprovalTimeout">How long an approval is waited for before the run escalates without acting.</param>
/// <param name="OtherRunWait">How long a CAS run waits for its mailbox server's run before escalating.</param>
/// <param name="PollInterval">How often a run looks again at what it waits for (another run, copies settling).</param>
/// <param name="CopySettleWait">How long it waits for a drained server's copies to leave Mounting/Dismounting.</param>
/// <param name="RestartWait">How long it watches a restarted server for its OS and IMAP4 services to be back.</param>
/// <param name="MaintenanceWait">How long a fail-back waits for a maintenance window covering the server to close.</param>
/// <param name="TwoApproversFor">Disruptive actions that need two different approvers (the four-eyes rule).</param>
public sealed record RecoverySettings(
    bool DryRun,
    TimeSpan RecheckWait,
    IReadOnlyList<DisruptiveAction> ApprovalRequiredFor,
    TimeSpan ApprovalTimeout,
    TimeSpan OtherRunWait,
    TimeSpan PollInterval,
    TimeSpan CopySettleWait,
    TimeSpan RestartWait,
    TimeSpan MaintenanceWait,
    IReadOnlyList<DisruptiveAction>? TwoApproversFor = null);

/// <summary>The input of a server's recovery run.</summary>
/// <param name="RunId">The run's ledger ID (unique per run; the instance ID is per server).</param>
/// <param name="Server">The Exchange server.</param>
/// <param name="Role">Its roles (which IMAP4 service to restart, whether to drain).</param>
/// <param name="HealthSet">Health set from the alert.</param>
/// <param name="Monitor">Monitor from the alert, when it names one.</param>
/// <param name="Alert">The alert that started the run.</param>
/// <param name="Settings">Waits, thresholds and modes for this run.</param>
/// <param name="ProbeMailboxServer">For a CAS: the mailbox server behind its probe mailbox (when the probe error gives no _Mbx: hint).</param>
/// <param name="ParentRunId">Set on a run another run started (3.2 on a CAS starting 3.1 on its mailbox server).</param>
/// <param name="Preview">
/// A plan preview (<see cref="PlanPreviewOrchestrator"/>): a dry run that assumes every verification still fails (the
/// worst path), starts or joins no other run, waits on no timer and keeps its steps out of the ledger; the safety gate
/// and the health reads answer for real.
/// </param>
public sealed record RecoveryRequest(
    string RunId,
    string Server,
    ServerRole Role,
    string HealthSet,
    string? Monitor,
    Alert Alert,
    RecoverySettings Settings,
    string? ProbeMailboxServer = null,
    string? ParentRunId = null,
    bool Preview = false);

/// <summary>One run per server at a time: the orchestration instance ID is derived from the server alone.</summary>
public static class RecoveryInstance
{
    /// <summary>The instance ID of <paramref name="server"/>'s recovery orchestration.</summary>
    public static string IdFor(string server) => $"imap-recovery-{server.ToLowerInvariant()}";
}
