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
        var restart = await playbook.RestartImapAsync(server, Service);
        var probe = await playbook.ReprobeAsync(server, monitor);
        if (probe.Succeeded)
        {
            return new(RunOutcome.Recovered, playbook.RecoveredAfterRestart(server, Service, monitor, restart, probe));
        }

        // 3.1 Protocol logging on; from here on steps 6-7 (off again, and the IMAP4 restart that applies it) always
        // run, whatever ends the run: a failure, a refusal, a cancel, or "on" itself failing half-way.
        var restartsBefore = playbook.ServerRestarts;
        try
        {
            await playbook.SetProtocolLoggingAsync(server, true);
            return await GatherEvidenceAndRecoverAsync(playbook, server, monitor);
        }
        finally
        {
            foreach (var note in await TurnLoggingOffAsync(playbook, server, LoggingServices(playbook, restartsBefore)))
            {
                playbook.Run.AddClosingNote(note);
            }
        }
    }

    /// <summary>
    /// The IMAP4 services running with protocol logging on: the front end, which this playbook restarts to turn it on;
    /// and on a server that also holds the mailbox role, the back end too once the server has restarted with logging on
    /// (both services read Set-ImapSettings at start: Microsoft's "Configure IMAP4" says to restart MSExchangeIMAP4
    /// and MSExchangeIMAP4BE after a change).
    /// </summary>
    static string[] LoggingServices(RunbookSteps playbook, int restartsBefore) =>
        playbook.Run.Version >= RecoveryVersions.BothServicesCleanedUp
        && playbook.Run.Request.Role == Topology.ServerRole.Both
        && playbook.ServerRestarts > restartsBefore
            ? [Service, ImapServices.BackEnd]
            : [Service];

    /// <summary>Steps 6-7; what is left for a human, if anything (it never changes the run's outcome).</summary>
    static async Task<List<string>> TurnLoggingOffAsync(RunbookSteps playbook, string server, string[] services)
    {
        var serviceList = string.Join(" and ", services);
        try
        {
            await playbook.SetProtocolLoggingAsync(server, false, cleanUp: true);
        }
        catch (TaskFailedException ex)
        {
            return [$"Protocol logging could NOT be turned off on {server} ({ex.FailureDetails.ErrorMessage}): run Set-ImapSettings -Server {server} -ProtocolLogEnabled $false, then restart {serviceList}."];
        }

        var left = new List<string>();
        foreach (var service in services)
        {
            // Proven off only once the running service has gone through a stop with the setting off.
            try
            {
                var restart = await playbook.RestartImapAsync(server, service, cleanUp: true);
                if (restart is not { Running: true, Restarted: not false })
                {
                    left.Add($"Protocol logging is off in the settings of {server}, but {service} was not really restarted ({restart.Detail}): the running service still logs until it restarts; restart it by hand.");
                }
            }
            catch (RunStoppedException refused)
            {
                left.Add($"Protocol logging is off in the settings of {server}; it takes effect at the next {service} restart, refused now ({refused.Message}).");
            }
            catch (TaskFailedException ex)
            {
                left.Add($"Protocol logging is off in the settings of {server}; the {service} restart that applies it failed ({ex.FailureDetails.ErrorMessage}): restart it by hand.");
            }
        }

        return left;
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
