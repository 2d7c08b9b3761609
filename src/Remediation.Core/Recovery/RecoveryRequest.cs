using Remediation.Alerts;

namespace Remediation.Recovery;

/// <summary>
/// Everything a run needs, decided before it starts: orchestrators read no configuration and no clock,
/// so every wait and threshold travels here (tests pass milliseconds, production minutes).
/// </summary>
/// <param name="DryRun">Walk the playbook and record what would be done, touching nothing.</param>
public sealed record RecoverySettings(bool DryRun);

/// <summary>The input of a server's recovery run.</summary>
/// <param name="RunId">The run's ledger ID (unique per run; the instance ID is per server).</param>
/// <param name="Server">The Exchange server.</param>
/// <param name="HealthSet">Health set from the alert.</param>
/// <param name="Monitor">Monitor from the alert, when it names one.</param>
/// <param name="Alert">The alert that started the run.</param>
/// <param name="Settings">Waits, thresholds and modes for this run.</param>
public sealed record RecoveryRequest(string RunId, string Server, string HealthSet, string? Monitor, Alert Alert, RecoverySettings Settings);

/// <summary>What the run shows in Durable's custom status while it goes.</summary>
public sealed record RunStatus(string RunId, string Server, int Steps, string CurrentStep);

/// <summary>One run per server at a time: the orchestration instance ID is derived from the server alone.</summary>
public static class RecoveryInstance
{
    /// <summary>The instance ID of <paramref name="server"/>'s recovery orchestration.</summary>
    public static string IdFor(string server) => $"imap-recovery-{server.ToLowerInvariant()}";
}
