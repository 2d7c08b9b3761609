using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Remediation.Escalation;
using Remediation.Exchange;
using Remediation.Monitoring;
using Remediation.Runs;
using Remediation.Safety;

namespace Remediation.Recovery;

/// <summary>What one pass of the reconciler did.</summary>
/// <param name="Looked">Runs the ledger still says are Running.</param>
/// <param name="Closed">Of those, the runs whose orchestration had died, now closed.</param>
public sealed record ReconcileResult(int Looked, int Closed);

/// <summary>
/// "Runs always end" (PLAYBOOKS.md section 4): a run whose orchestration failed, was terminated, vanished or was
/// replaced by a later run of the same server, while the ledger still says Running, is closed here as its own close
/// would have: protocol logging turned off if the run had turned it on, its server's monitors out of Repairing (they
/// alert again), its holds released unless it left the server drained, the run closed Failed with what was done, and
/// escalated. The hosts call it on a timer; a run still alive is never touched.
/// </summary>
public sealed partial class RunReconciler(
    DurableTaskClient durable,
    IRunLedger ledger,
    MonitorBoard board,
    ISafetyStore safety,
    AgentConnection agent,
    IServiceProvider services,
    TimeProvider time,
    ILogger<RunReconciler> logger)
{
    /// <summary>How long a run's instance may be missing before it counts as vanished (a start that is on its way).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    /// <summary>How many recent runs a pass looks at.</summary>
    public const int Window = 500;

    /// <summary>Closes every dead run among the ledger's running ones (at most <see cref="Window"/> of them, newest first).</summary>
    public async Task<ReconcileResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var running = (await ledger.ListAsync(new RunFilter(Outcome: RunOutcome.Running), Window, cancellationToken)).ToList();
        var closed = 0;
        foreach (var run in running)
        {
            // Read again just before closing: the run's own close may have landed since the list was read.
            if (await WhyDeadAsync(run, cancellationToken) is ({ } why, var successor) && await ledger.GetAsync(run.RunId, cancellationToken) is { Outcome: RunOutcome.Running } current)
            {
                await CloseAsync(current, why, successor, cancellationToken);
                closed++;
            }
        }

        return new(running.Count, closed);
    }

    // Why the run is dead (null: alive, or too young to tell), and the run now on its instance when it was replaced.
    async Task<(string? Why, string? Successor)> WhyDeadAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var instance = await durable.GetInstanceAsync(run.InstanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return (time.GetUtcNow() - run.StartedAt > Grace ? $"its orchestration {run.InstanceId} no longer exists" : null, null);
        }

        if (instance.ReadInputAs<RecoveryRequest>()?.RunId is { } current && current != run.RunId)
        {
            return ($"its orchestration {run.InstanceId} now runs a later run ({current})", current);
        }

        return (instance.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Failed => $"its orchestration failed ({instance.FailureDetails?.ErrorMessage ?? "no detail"})",
            OrchestrationRuntimeStatus.Terminated => $"its orchestration was terminated{(instance.SerializedOutput is { Length: > 0 } output ? $" ({output})" : "")}",
            OrchestrationRuntimeStatus.Completed => "its orchestration completed without closing it (the close could not be written)",
            _ => null,
        }, null);
    }

    // A replaced run's server belongs to its successor now: the successor's monitors stay Repairing, and logging the
    // successor itself turned on is its own to turn off (its clean-up always runs).
    async Task CloseAsync(RunRecord run, string why, string? successor, CancellationToken cancellationToken)
    {
        var notes = new List<string> { $"Closed by the run reconciler: {why} while the run was going." };
        var steps = run.Steps.OrderBy(s => s.Sequence).ToList();
        if (LoggingLeftOn(steps))
        {
            notes.Add(successor is not null && await ledger.GetAsync(successor, cancellationToken) is { Outcome: RunOutcome.Running } live && LoggingLeftOn([.. live.Steps.OrderBy(s => s.Sequence)])
                ? $"Protocol logging, which the run had turned on, is left to {successor}, which has it on too and turns it off when it ends."
                : await TurnLoggingOffAsync(run, cancellationToken));
        }

        // Exchange says whether the server is drained: the run may have died while its drain was on its way.
        if (steps.Any(s => s.Name.EndsWith(RunbookSteps.FailDatabasesOver, StringComparison.Ordinal)) && await StillDrainedAsync(run, cancellationToken) is { } drained)
        {
            notes.Add(drained);
        }
        else
        {
            await safety.ReleaseAsync(run.RunId, cancellationToken);
        }

        var reason = string.Join(" ", notes);
        await ledger.CloseAsync(run.RunId, RunOutcome.Failed, reason, time.GetUtcNow(), cancellationToken);
        if (successor is null)
        {
            await board.EndRepairAsync(run.Server, cancellationToken);
        }

        LogClosed(logger, run.RunId, run.Server, reason);
        try
        {
            await ActivatorUtilities.CreateInstance<EscalateActivity>(services).EscalateAsync(new EscalationRequest(run.RunId, false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Each channel's failure is recorded by the escalation itself; this is the ledger being unreachable.
            LogEscalationFailed(logger, run.RunId, ex);
        }
    }

    async Task<string> TurnLoggingOffAsync(RunRecord run, CancellationToken cancellationToken)
    {
        try
        {
            var settings = await agent.Client().SetImapSettingsAsync(run.Server, false, $"{run.RunId}:reconciler:logging-off", cancellationToken);
            return settings.ProtocolLogEnabled
                ? $"Protocol logging on {run.Server} still reads on after turning it off: turn it off by hand."
                : $"Protocol logging, which the run had turned on, is off again in the settings of {run.Server}; it takes effect at the next IMAP4 restart (not done by the reconciler: restart MSExchangeIMAP4 on {run.Server}).";
        }
        catch (Exception ex) when (IsAgentFailure(ex, cancellationToken))
        {
            return $"Protocol logging, which the run had turned on, could NOT be turned off on {run.Server} ({ex.Message}): run Set-ImapSettings -Server {run.Server} -ProtocolLogEnabled $false, then restart MSExchangeIMAP4.";
        }
    }

    // Null when the server can take its databases again (the hold may go); else why the hold stays.
    async Task<string?> StillDrainedAsync(RunRecord run, CancellationToken cancellationToken)
    {
        try
        {
            var copies = await agent.Client().GetDatabaseCopyStatusAsync(run.Server, cancellationToken);
            return copies.ActivationDisabled == false ? null
                : $"Activation on {run.Server} reads {copies.ActivationDisabled?.ToString() ?? "unknown"} (Get-MailboxServer): it is left drained, so its hold stays until an operator fails back and releases it (POST /api/runs/{run.RunId}/release-hold).";
        }
        catch (Exception ex) when (IsAgentFailure(ex, cancellationToken))
        {
            return $"Whether {run.Server} is drained could not be read ({ex.Message}): its hold stays until an operator checks Get-MailboxServer {run.Server} and releases it (POST /api/runs/{run.RunId}/release-hold).";
        }
    }

    static bool IsAgentFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is AgentException or HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    static bool LoggingLeftOn(List<RunStep> steps) =>
        LastSucceeded(steps, RunbookSteps.ProtocolLoggingOn) > LastSucceeded(steps, RunbookSteps.ProtocolLoggingOff);

    static int LastSucceeded(List<RunStep> steps, string name) =>
        steps.FindLastIndex(s => s.Name == name && s.Outcome == StepOutcome.Succeeded);

    [LoggerMessage(LogLevel.Warning, "Run {RunId} on {Server} closed by the reconciler: {Reason}")]
    static partial void LogClosed(ILogger logger, string runId, string server, string reason);

    [LoggerMessage(LogLevel.Error, "Run {RunId}: escalation after the reconciler's close failed")]
    static partial void LogEscalationFailed(ILogger logger, string runId, Exception exception);
}
