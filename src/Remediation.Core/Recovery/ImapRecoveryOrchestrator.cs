using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Remediation.Monitoring;
using Remediation.Probes;
using Remediation.Runs;

namespace Remediation.Recovery;

/// <summary>
/// The entry orchestration of a server's run: verify the issue still exists (PLAYBOOKS.md section 2), then the
/// monitor's playbook. Today every confirmed failure escalates; the playbooks of section 3 plug in here.
/// </summary>
public sealed partial class ImapRecoveryOrchestrator : TaskOrchestrator<RecoveryRequest, RunOutcome>
{
    /// <inheritdoc />
    public override async Task<RunOutcome> RunAsync(TaskOrchestrationContext context, RecoveryRequest input)
    {
        var logger = context.CreateReplaySafeLogger<ImapRecoveryOrchestrator>();
        var run = new RunTimeline(context, input);
        await run.OpenAsync();
        try
        {
            var outcome = await VerifyAndRecoverAsync(context, input, run);
            LogEnded(logger, input.RunId, input.Server, outcome);
            return outcome;
        }
        catch (TaskFailedException ex)
        {
            LogFailed(logger, input.RunId, input.Server, ex.FailureDetails.ErrorMessage);
            return await run.CloseAsync(RunOutcome.Failed, $"A step failed: {ex.FailureDetails.ErrorMessage}");
        }
    }

    static async Task<RunOutcome> VerifyAndRecoverAsync(TaskOrchestrationContext context, RecoveryRequest input, RunTimeline run)
    {
        var server = input.Server;
        var monitor = ImapHealthModel.FindMonitor(input.Monitor);
        if (monitor is null)
        {
            // Section 2.2: the alert does not name the monitor; ask the server which IMAP monitor is Unhealthy.
            var rows = await run.StepAsync(
                "Read server health",
                $"Get-ServerHealth {server} | ?{{$_.HealthSetName -like \"IMAP*\"}}",
                new Dictionary<string, string> { ["Server"] = server },
                () => context.CallActivityAsync<IReadOnlyList<MonitorSnapshot>>(nameof(ReadServerHealthActivity), server),
                rows => ("Succeeded", string.Join("; ", rows.Select(r => $"{r.Name}={r.AlertValue}"))));
            monitor = rows
                .Where(r => r.AlertValue == HealthState.Unhealthy && r.HealthSet.StartsWith(input.HealthSet, StringComparison.OrdinalIgnoreCase))
                .Select(r => ImapHealthModel.FindMonitor(r.Name))
                .FirstOrDefault();
            if (monitor is null)
            {
                return await run.CloseAsync(RunOutcome.Escalated, $"The alert names no monitor and no {input.HealthSet} monitor on {server} is Unhealthy: nothing to verify.");
            }
        }

        if (monitor.Probe is null)
        {
            return await run.CloseAsync(RunOutcome.Escalated, $"{monitor.Name} is a performance monitor: its playbook (3.4) is not automated yet.");
        }

        var probe = await run.StepAsync(
            "Re-run probe",
            $"Invoke-MonitoringProbe {monitor.HealthSet}\\{monitor.Probe} -Server {server}",
            new Dictionary<string, string> { ["Identity"] = $"{monitor.HealthSet}\\{monitor.Probe}", ["Server"] = server },
            () => context.CallActivityAsync<ProbeResult>(nameof(RunImapProbeActivity), new ProbeRequest(server, monitor.Probe)),
            r => (r.Result.ToString(), r.Summary));

        return probe.Succeeded
            ? await run.CloseAsync(RunOutcome.Transient, "The re-run probe passed: the failure was transient and nothing was touched.")
            : await run.CloseAsync(RunOutcome.Escalated, $"{monitor.Name} is still failing ({probe.Error}); its recovery playbook is not automated yet, so a human takes over.");
    }

    [LoggerMessage(LogLevel.Information, "Run {RunId} on {Server} ended {Outcome}")]
    static partial void LogEnded(ILogger logger, string runId, string server, RunOutcome outcome);

    [LoggerMessage(LogLevel.Error, "Run {RunId} on {Server} failed: {Error}")]
    static partial void LogFailed(ILogger logger, string runId, string server, string error);
}
