using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Remediation.Imap;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>
/// The entry orchestration of a server's run: verify the issue still exists (PLAYBOOKS.md section 2), run the
/// monitor's playbook (section 3), and escalate with the whole timeline whenever it does not end Transient or Recovered.
/// </summary>
public sealed partial class ImapRecoveryOrchestrator : TaskOrchestrator<RecoveryRequest, RunOutcome>
{
    /// <inheritdoc />
    public override async Task<RunOutcome> RunAsync(TaskOrchestrationContext context, RecoveryRequest input)
    {
        var logger = context.CreateReplaySafeLogger<ImapRecoveryOrchestrator>();
        var run = new RecoveryRun(new LedgerRecorder(context, input));
        var (outcome, reason) = await run.ExecuteAsync(() => VerifyAndRecoverAsync(run));
        LogEnded(logger, input.RunId, input.Server, outcome, reason);
        return outcome;
    }

    internal static async Task<PlaybookResult> VerifyAndRecoverAsync(RecoveryRun run)
    {
        var input = run.Request;
        var playbook = new RunbookSteps(run);
        var monitor = ImapHealthModel.FindMonitor(input.Monitor);
        if (monitor is null)
        {
            // Section 2.2: the alert does not name the monitor; ask the server which IMAP monitor is Unhealthy.
            var rows = await playbook.ReadHealthAsync(input.Server);
            monitor = rows
                .Where(r => r.AlertValue == HealthState.Unhealthy && r.HealthSetName.StartsWith(input.HealthSet, StringComparison.OrdinalIgnoreCase))
                .Select(r => ImapHealthModel.FindMonitor(r.Name))
                .FirstOrDefault(m => m is not null);
            if (monitor is null)
            {
                return new(RunOutcome.Transient, $"The alert names no monitor and no {input.HealthSet} monitor on {input.Server} is Unhealthy: nothing to fix, nothing was touched.");
            }
        }

        // Section 2.3-2.4: re-run the probe; the performance monitors have no probe: their counters are read again.
        var verified = monitor.Probe is not null ? await playbook.ReprobeAsync(input.Server, monitor) : null;
        if (verified is { Succeeded: true })
        {
            return new(RunOutcome.Transient, "The re-run probe passed: the failure was transient and nothing was touched.");
        }

        if (monitor.Probe is null && await playbook.ReadCountersAsync(input.Server, monitor) is { Exceeded: false } verdict)
        {
            return new(RunOutcome.Transient, $"{verdict.Evidence}: under the limit of {monitor.Name}, so nothing was touched.");
        }

        // Section 4: Exchange must agree before the first change (the counters of 3.4 are Exchange's own already).
        if (verified is not null && run.Version >= RecoveryVersions.ExchangeConfirms)
        {
            run.Safety.ExchangeDisagrees = () => playbook.ExchangeDisagreesAsync(input.Server, monitor, verified);
        }

        run.Safety.StillFailing = () => StillFailingAsync(playbook, input.Server, monitor);

        return monitor.Playbook switch
        {
            ImapPlaybook.DeepTest => await DeepTestPlaybook.RunAsync(playbook, input.Server, monitor),
            ImapPlaybook.Ctp => await CtpPlaybook.RunAsync(playbook, input.Server, monitor, verified!),
            ImapPlaybook.ProxyTest => await ProxyTestPlaybook.RunAsync(playbook, input.Server, monitor, verified!),
            ImapPlaybook.Performance => await PerformancePlaybook.RunAsync(playbook, input.Server, input.Role, monitor),
            _ => throw new InvalidOperationException($"Monitor {monitor.Name} names no playbook."),
        };
    }

    internal static async Task<bool> StillFailingAsync(RunbookSteps playbook, string server, MonitorDefinition monitor) =>
        monitor.Probe is not null
            ? !(await playbook.ReprobeAsync(server, monitor)).Succeeded
            : (await playbook.ReadCountersAsync(server, monitor)).Exceeded;

    [LoggerMessage(LogLevel.Information, "Run {RunId} on {Server} ended {Outcome}: {Reason}")]
    static partial void LogEnded(ILogger logger, string runId, string server, RunOutcome outcome, string reason);
}
