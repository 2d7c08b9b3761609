using Remediation.Alerts;
using Remediation.Topology;

namespace Remediation.Recovery;

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
/// <param name="Version">
/// The orchestration version the run started with (<see cref="RecoveryVersions"/>), kept in its input so that every
/// backend keeps it (some ignore <c>StartOrchestrationOptions.Version</c>); none: started before runs had versions.
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
    bool Preview = false,
    int? Version = null);

/// <summary>One run per server at a time: the orchestration instance ID is derived from the server alone.</summary>
public static class RecoveryInstance
{
    /// <summary>The instance ID of <paramref name="server"/>'s recovery orchestration.</summary>
    public static string IdFor(string server) => $"imap-recovery-{server.ToLowerInvariant()}";
}
