using Remediation.Imap;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>Playbook 3.1, ImapDeepTestMonitor and ImapSelfTestMonitor on a mailbox server.</summary>
internal static class DeepTestPlaybook
{
    public const string Service = ImapServices.BackEnd;

    public static async Task<PlaybookResult> RunAsync(RunbookSteps playbook, string server, MonitorDefinition monitor)
    {
        // 1-2. Restart IMAP4 (back end), re-run the probe.
        var restart = await playbook.RestartImapAsync(server, Service);
        if (await playbook.ReprobeAsync(server, monitor) is { Succeeded: true } passed)
        {
            return new(RunOutcome.Recovered, playbook.RecoveredAfterRestart(server, Service, monitor, restart, passed));
        }

        // 3-4. Fail the databases over; restart only once no active copy remains.
        await playbook.DrainAsync(server);
        if (await playbook.NotProvenDrainedAsync(server) is { } doubt)
        {
            return new(RunOutcome.Escalated,
                $"Not proven that no database is active on {server} after the fail-over ({doubt}): the server was not restarted. Fail-back decided: none; activation stays disabled so no database moves to {server} until a human decides.");
        }

        // 5-7. Restart the server, re-run the probe; fail back only when it passes.
        await playbook.RestartServerAsync(server);
        var probe = await playbook.ReprobeAsync(server, monitor);
        if (probe.Succeeded)
        {
            var back = await playbook.FailBackAsync(server);
            return new(RunOutcome.Recovered, $"{server} recovered after a restart{(back is null ? "" : $"; {back}")}.");
        }

        return new(RunOutcome.Escalated,
            $"{monitor.Name} still fails on {server} after a restart ({probe.Error}). Fail-back decided: none; database copy activation stays disabled so the databases stay off the broken server.");
    }
}
