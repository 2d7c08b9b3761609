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
        var run = new RunTimeline(context, input);
        await run.OpenAsync();
        var (outcome, reason) = await RecoveryRun.ExecuteAsync(run, () => VerifyAndRecoverAsync(run));
        LogEnded(logger, input.RunId, input.Server, outcome, reason);
        return outcome;
    }

    internal static async Task<PlaybookResult> VerifyAndRecoverAsync(RunTimeline run)
    {
        var input = run.Request;
        var playbook = new Playbook(run);
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

        run.StillFailing = () => StillFailingAsync(playbook, input.Server, monitor);

        return monitor.Playbook switch
        {
            ImapPlaybook.DeepTest => await DeepTestPlaybook.RunAsync(playbook, input.Server, monitor),
            ImapPlaybook.Ctp => await CtpPlaybook.RunAsync(playbook, input.Server, monitor, verified!),
            ImapPlaybook.ProxyTest => await ProxyTestPlaybook.RunAsync(playbook, input.Server, monitor, verified!),
            ImapPlaybook.Performance => await PerformancePlaybook.RunAsync(playbook, input.Server, input.Role, monitor),
            _ => throw new InvalidOperationException($"Monitor {monitor.Name} names no playbook."),
        };
    }

    internal static async Task<bool> StillFailingAsync(Playbook playbook, string server, MonitorDefinition monitor) =>
        monitor.Probe is not null
            ? !(await playbook.ReprobeAsync(server, monitor)).Succeeded
            : (await playbook.ReadCountersAsync(server, monitor)).Exceeded;

    [LoggerMessage(LogLevel.Information, "Run {RunId} on {Server} ended {Outcome}: {Reason}")]
    static partial void LogEnded(ILogger logger, string runId, string server, RunOutcome outcome, string reason);
}

/// <summary>Runs a playbook to its outcome: stops, failures and escalation handled the same way for every run.</summary>
internal static class RecoveryRun
{
    public static async Task<(RunOutcome Outcome, string Reason)> ExecuteAsync(RunTimeline run, Func<Task<PlaybookResult>> playbook)
    {
        PlaybookResult result;
        try
        {
            result = await playbook();
        }
        catch (RunStoppedException stopped)
        {
            result = new(stopped.Outcome, stopped.Message);
        }
        catch (TaskFailedException ex)
        {
            // An activity failed after its retries.
            result = new(RunOutcome.Failed, $"{ex.TaskName} failed: {ex.FailureDetails.ErrorMessage}");
        }

        await run.CloseAsync(result.Outcome, result.Reason);
        if (result.Outcome is not (RunOutcome.Transient or RunOutcome.Recovered))
        {
            try
            {
                await run.EscalateAsync();
            }
            catch (TaskFailedException)
            {
                // Each channel's failure is already recorded by the activity; this is the activity itself failing
                // (the ledger unreachable). The run's outcome is known and stays what it is.
            }
        }

        return (result.Outcome, result.Reason);
    }
}
