using Remediation.Imap;
using Remediation.Runs;
using Remediation.Topology;

namespace Remediation.Recovery;

/// <summary>Playbook 3.4, AverageCommandProcessingTimeGt60sMonitor and RequestsQueuedGt500Monitor (CAS or mailbox).</summary>
internal static class PerformancePlaybook
{
    public static async Task<PlaybookResult> RunAsync(RunbookSteps playbook, string server, ServerRole role, MonitorDefinition monitor)
    {
        var wait = playbook.Run.Settings.RecheckWait;
        var service = role.HasFlag(ServerRole.ClientAccess) ? CtpPlaybook.Service : DeepTestPlaybook.Service;

        // 1-3. Restart IMAP4; healthy after one wait and still after a second: recovered.
        await playbook.RestartImapAsync(server, service);
        if (await HealthyAfterAsync(playbook, server, wait) && await HealthyAfterAsync(playbook, server, wait))
        {
            return new(RunOutcome.Recovered, $"{monitor.Name} on {server} stayed healthy for {wait * 2} after restarting {service}.");
        }

        // 4. Restart the server; a mailbox server is drained first.
        var mailbox = role.HasFlag(ServerRole.Mailbox);
        if (mailbox)
        {
            await playbook.DrainAsync(server);
            if (await playbook.NotProvenDrainedAsync(server) is { } doubt)
            {
                return new(RunOutcome.Escalated, $"Not proven that no database is active on {server} after the fail-over ({doubt}): the server was not restarted. Fail-back decided: none; activation stays disabled.");
            }
        }

        await playbook.RestartServerAsync(server);

        // 5-7.
        if (await HealthyAfterAsync(playbook, server, wait))
        {
            var back = mailbox ? await playbook.FailBackAsync(server) : null;
            return new(RunOutcome.Recovered, $"{server} is healthy {wait} after a restart{(back is null ? "" : $"; {back}")}.");
        }

        return new(RunOutcome.Escalated, $"{monitor.Name} on {server} is still unhealthy after a restart.{(mailbox ? " Fail-back decided: none; activation stays disabled." : "")}");
    }

    static async Task<bool> HealthyAfterAsync(RunbookSteps playbook, string server, TimeSpan wait)
    {
        await playbook.Run.Waits.WaitAsync(wait, "before reading IMAP health again");
        var rows = await playbook.ReadHealthAsync(server);
        return rows.All(r => r.AlertValue != HealthState.Unhealthy);
    }
}
