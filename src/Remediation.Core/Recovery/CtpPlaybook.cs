using Microsoft.DurableTask;
using Remediation.Imap;
using Remediation.Probes;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>
/// Playbook 3.2, ImapCTPMonitor (usually on a CAS). Protocol logging is turned off again whatever happens once it
/// was turned on: failure, refusal or cancellation.
/// </summary>
internal static class CtpPlaybook
{
    public const string Service = ImapServices.FrontEnd;

    public static async Task<PlaybookResult> RunAsync(RunbookSteps playbook, string server, MonitorDefinition monitor, ProbeResult failed)
    {
        if (await RootCauseFirst.RunAsync(playbook, server, monitor, failed) is { } rootCause)
        {
            return rootCause;
        }

        // 1-2.
        await playbook.RestartImapAsync(server, Service);
        var probe = await playbook.ReprobeAsync(server, monitor);
        if (probe.Succeeded)
        {
            return new(RunOutcome.Recovered, $"Restarting {Service} on {server} fixed {monitor.Name}.");
        }

        // 3.1 Protocol logging on; from here on steps 6-7 (off again, and the IMAP4 restart that applies it) always
        // run, whatever ends the run: a failure, a refusal, a cancel, or "on" itself failing half-way.
        try
        {
            await playbook.SetProtocolLoggingAsync(server, true);
            return await GatherEvidenceAndRecoverAsync(playbook, server, monitor);
        }
        finally
        {
            if (await TurnLoggingOffAsync(playbook, server) is { } note)
            {
                playbook.Run.AddClosingNote(note);
            }
        }
    }

    /// <summary>Steps 6-7; null when done, else what is left for a human (it never changes the run's outcome).</summary>
    static async Task<string?> TurnLoggingOffAsync(RunbookSteps playbook, string server)
    {
        try
        {
            await playbook.SetProtocolLoggingAsync(server, false, cleanUp: true);
        }
        catch (TaskFailedException ex)
        {
            return $"Protocol logging could NOT be turned off on {server} ({ex.FailureDetails.ErrorMessage}): run Set-ImapSettings -Server {server} -ProtocolLogEnabled $false, then restart {Service}.";
        }

        try
        {
            // Proven off only once the running service has gone through a stop with the setting off.
            var restart = await playbook.RestartImapAsync(server, Service, cleanUp: true);
            return restart is { Running: true, Restarted: not false }
                ? null
                : $"Protocol logging is off in the settings of {server}, but {Service} was not really restarted ({restart.Detail}): the running service still logs until it restarts; restart it by hand.";
        }
        catch (RunStoppedException refused)
        {
            return $"Protocol logging is off in the settings of {server}; it takes effect at the next {Service} restart, refused now ({refused.Message}).";
        }
        catch (TaskFailedException ex)
        {
            return $"Protocol logging is off in the settings of {server}; the {Service} restart that applies it failed ({ex.FailureDetails.ErrorMessage}): restart it by hand.";
        }
    }

    static async Task<PlaybookResult> GatherEvidenceAndRecoverAsync(RunbookSteps playbook, string server, MonitorDefinition monitor)
    {
        // 3.2-3.4: restart IMAP4, re-run the probe, record where the protocol log is.
        await playbook.RestartImapAsync(server, Service);
        var probe = await playbook.ReprobeAsync(server, monitor);
        var settings = await playbook.ReadImapSettingsAsync(server);
        var evidence = $"Protocol log: {settings.LogFileLocation}.";

        // 3.5: the mailbox server behind the probe mailbox: the _Mbx: hint of the probe error, else where its database is
        // mounted now, else the configured one.
        var mailboxServer = probe.Succeeded ? null : await playbook.MailboxBehindAsync(server, probe);
        if (!probe.Succeeded && mailboxServer is not null && !string.Equals(mailboxServer, server, StringComparison.OrdinalIgnoreCase))
        {
            // 3.6-3.7: an unhealthy mailbox server is recovered first, by its own run (playbook 3.1), started or joined.
            var health = await playbook.ReadHealthAsync(mailboxServer);
            if (health.Any(r => r.AlertValue == HealthState.Unhealthy))
            {
                var unhealthy = health.First(r => r.AlertValue == HealthState.Unhealthy);
                var target = ImapHealthModel.FindMonitor(unhealthy.Name) is { Playbook: ImapPlaybook.DeepTest } m ? m : ImapHealthModel.DeepTestMonitor;
                var sub = await playbook.RecoverOtherServerAsync(mailboxServer, target, $"{unhealthy.Name} is Unhealthy on {mailboxServer}, the mailbox server behind the probe mailbox of {server} (playbook 3.2 step 3.7).", playbook.Run.Recorder.Context.CurrentUtcDateTime);
                if (sub is not (RunOutcome.Recovered or RunOutcome.Transient))
                {
                    return new(RunOutcome.Escalated, $"The mailbox server {mailboxServer} behind the probe mailbox is unhealthy and its recovery ended {sub}: {server} was not restarted. {evidence}");
                }

                probe = await playbook.ReprobeAsync(server, monitor);
                if (probe.Succeeded)
                {
                    return new(RunOutcome.Recovered, $"Recovering the mailbox server {mailboxServer} fixed {monitor.Name} on {server}. {evidence}");
                }
            }
        }

        if (probe.Succeeded)
        {
            return new(RunOutcome.Recovered, $"{monitor.Name} passes again on {server} with protocol logging on. {evidence}");
        }

        // 4-5. The mailbox server is healthy: restart the CAS, re-run the probe.
        var (drained, notRestarted) = await playbook.RestartCasServerAsync(server);
        if (notRestarted is not null)
        {
            return new(RunOutcome.Escalated, $"{notRestarted} {evidence}");
        }

        probe = await playbook.ReprobeAsync(server, monitor);
        var back = probe.Succeeded && drained ? await playbook.FailBackAsync(server) : null;

        return probe.Succeeded
            ? new(RunOutcome.Recovered, $"{server} recovered after a restart{(back is null ? "" : $"; {back}")}. {evidence}")
            : new(RunOutcome.Escalated, $"{monitor.Name} still fails on {server} after a restart ({probe.Error}).{(drained ? " Fail-back decided: none; activation stays disabled." : "")} {evidence}");
    }
}
