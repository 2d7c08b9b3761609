using Remediation.Imap;
using Remediation.Probes;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>Playbook 3.3, ImapProxyTestMonitor on a CAS.</summary>
internal static class ProxyTestPlaybook
{
    public const string Service = ImapServices.FrontEnd;

    public static async Task<PlaybookResult> RunAsync(RunbookSteps playbook, string server, MonitorDefinition monitor, ProbeResult failed)
    {
        if (await RootCauseFirst.RunAsync(playbook, server, monitor, failed) is { } rootCause)
        {
            return rootCause;
        }

        var restart = await playbook.RestartImapAsync(server, Service);
        if (await playbook.ReprobeAsync(server, monitor) is { Succeeded: true } passed)
        {
            return new(RunOutcome.Recovered, playbook.RecoveredAfterRestart(server, Service, monitor, restart, passed));
        }

        var (drained, notRestarted) = await playbook.RestartCasServerAsync(server);
        if (notRestarted is not null)
        {
            return new(RunOutcome.Escalated, notRestarted);
        }

        var probe = await playbook.ReprobeAsync(server, monitor);
        var back = probe.Succeeded && drained ? await playbook.FailBackAsync(server) : null;

        return probe.Succeeded
            ? new(RunOutcome.Recovered, $"{server} recovered after a restart{(back is null ? "" : $"; {back}")}.")
            : new(RunOutcome.Escalated, $"{monitor.Name} still fails on {server} after a restart ({probe.Error}).{(drained ? " Fail-back decided: none; activation stays disabled." : "")}");
    }
}
