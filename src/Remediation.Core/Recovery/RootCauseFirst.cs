using Remediation.Imap;
using Remediation.Probes;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>
/// PLAYBOOKS.md 2.7, beyond the runbook (Managed Availability has no such correlation): when a CAS's probe fails
/// because of the mailbox server behind its probe mailbox, the CAS is not restarted. Its run waits for the mailbox
/// server's run (started or joined), verifies again, and escalates if the mailbox server does not recover.
/// </summary>
internal static class RootCauseFirst
{
    /// <summary>
    /// Null when the failure is the CAS's own (or the mailbox server recovered and the CAS still fails: its playbook goes
    /// on); otherwise how the CAS run ends, without anything done on the CAS.
    /// </summary>
    public static async Task<PlaybookResult?> RunAsync(RunbookSteps playbook, string server, MonitorDefinition monitor, ProbeResult failed)
    {
        // Before login the proxy has not spoken to any back end: a failure there (connect, TLS, greeting) is the CAS's own.
        if (failed.FailedPhase is null or ProbePhase.Connect or ProbePhase.Tls or ProbePhase.Greeting)
        {
            return null;
        }

        var mailbox = await playbook.MailboxBehindAsync(server, failed);
        if (mailbox is null || string.Equals(mailbox, server, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var health = await playbook.ReadHealthAsync(mailbox);
        var unhealthy = health.Where(r => r.AlertValue is HealthState.Unhealthy or HealthState.Repairing).ToList();
        var proxy = failed.DependencyArea == DependencyArea.Proxy;
        if (!proxy && unhealthy.Count == 0)
        {
            return null;
        }

        var evidence = string.Join("; ", new[]
        {
            proxy ? $"the proxy on {server} answered [{failed.ResponseCode}] at {failed.FailedPhase}: {failed.Error}" : null,
            unhealthy.Count > 0 ? $"{mailbox} reports {string.Join(", ", unhealthy.Select(r => $"{r.Name}={r.AlertValue}"))}" : null,
        }.Where(e => e is not null));
        await playbook.Run.Recorder.NoteAsync(
            $"Root cause: mailbox server {mailbox}",
            $"{server} is not restarted for a failure of {mailbox}, the mailbox server behind its probe mailbox (PLAYBOOKS.md 2.7). Evidence: {evidence}.");

        var target = unhealthy.Select(r => ImapHealthModel.FindMonitor(r.Name)).FirstOrDefault(m => m is { Playbook: ImapPlaybook.DeepTest })
            ?? ImapHealthModel.DeepTestMonitor;
        var outcome = await playbook.RecoverOtherServerAsync(mailbox, target, $"The probe mailbox of {server} is on {mailbox}: {evidence}.", failed.StartedAt);
        var probe = await playbook.ReprobeAsync(server, monitor);
        if (probe.Succeeded)
        {
            return new(RunOutcome.Recovered, $"The cause was {mailbox}: its run ended {outcome} and {monitor.Name} passes again on {server}; nothing was done on {server}.");
        }

        return outcome is RunOutcome.Recovered or RunOutcome.Transient
            ? null
            : new(RunOutcome.Escalated, $"The mailbox server {mailbox} behind the probe mailbox of {server} did not recover (its run {(outcome == RunOutcome.Running ? "had not ended in time" : $"ended {outcome}")}): {server} was not restarted. Evidence: {evidence}.");
    }
}
