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

        // 1-3. Restart IMAP4; both waits are always made: healthy after the first and still after the second: recovered.
        await playbook.RestartImapAsync(server, service);

        // The restart has just reset the counters the run verified on: from here the signal is the monitor's own row.
        // (Runs of version 1 replay as they began: the second recheck only after a healthy first, counters re-read.)
        var both = playbook.Run.Version >= RecoveryVersions.ExchangeConfirms;
        if (both)
        {
            playbook.Run.Safety.StillFailing = async () => !IsHealthy(await playbook.ReadHealthAsync(server), monitor, both);
        }

        var first = await HealthyAfterAsync(playbook, server, monitor, wait, both);
        var second = (first || both) && await HealthyAfterAsync(playbook, server, monitor, wait, both);
        if (first && second)
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
        if (await HealthyAfterAsync(playbook, server, monitor, wait, both))
        {
            var back = mailbox ? await playbook.FailBackAsync(server) : null;
            return new(RunOutcome.Recovered, $"{server} is healthy {wait} after a restart{(back is null ? "" : $"; {back}")}.");
        }

        return new(RunOutcome.Escalated, $"{monitor.Name} on {server} is still unhealthy after a restart.{(mailbox ? " Fail-back decided: none; activation stays disabled." : "")}");
    }

    static async Task<bool> HealthyAfterAsync(RunbookSteps playbook, string server, MonitorDefinition monitor, TimeSpan wait, bool ownRow)
    {
        await playbook.Run.Waits.WaitAsync(wait, $"before reading {monitor.Name} on {server} again");
        return IsHealthy(await playbook.ReadHealthAsync(server), monitor, ownRow);
    }

    /// <summary>
    /// "Healthy" in 3.4: the alerting monitor's own row is present and Healthy; an empty answer or Unknown is not.
    /// Runs of version 1 judged "no IMAP row Unhealthy", and replay so.
    /// </summary>
    internal static bool IsHealthy(IReadOnlyList<ServerHealthRow> rows, MonitorDefinition monitor, bool ownRow) => ownRow
        ? rows.Any(r => string.Equals(r.Name, monitor.Name, StringComparison.OrdinalIgnoreCase) && r.AlertValue == HealthState.Healthy)
        : rows.All(r => r.AlertValue != HealthState.Unhealthy);
}
