using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Remediation.Operators;

namespace Remediation.Runs;

/// <summary>What an operator may do to a run (approve, reject, cancel), shared by both hosts' run APIs.</summary>
public sealed partial class RunCommands(IRunLedger ledger, TimeProvider time, ILogger<RunCommands> logger)
{
    /// <summary>The result of a command: null error on success, else why not (and whether the run exists).</summary>
    public sealed record CommandResult(bool Found, string? Error, bool Invalid = false)
    {
        /// <summary>The HTTP answer both hosts give: 404, 400 or 409 with the reason, or 202.</summary>
        public Results<Accepted, ProblemHttpResult> ToHttpResult() => this switch
        {
            { Found: false } => TypedResults.Problem(Error, statusCode: StatusCodes.Status404NotFound, title: "Run not found"),
            { Invalid: true } => TypedResults.Problem(Error, statusCode: StatusCodes.Status400BadRequest, title: "Name what you decide"),
            { Error: { } error } => TypedResults.Problem(error, statusCode: StatusCodes.Status409Conflict, title: "Not possible now"),
            _ => TypedResults.Accepted((string?)null),
        };
    }

    /// <summary>
    /// A decision's JSON body: why, and the action and step it decides, as the run shows them (<c>awaitingApproval</c>,
    /// <c>approvalStep</c>). Who decides is the signed-in operator, never a name in the body.
    /// </summary>
    public sealed record DecisionBody(string? Comment, string? Action = null, int? Step = null)
    {
        /// <summary>The comment as recorded: one line, at most 500 characters.</summary>
        public string? CleanComment => Comment is null ? null : OutsideText.Clean(Comment, 500);
    }

    /// <summary>
    /// Answers the approval the run waits for as <paramref name="by"/>, only if <paramref name="body"/> names that step
    /// and action. A step's outcome is claimed once in the ledger, atomically across hosts: one rejection, or the
    /// approval that makes enough (the second on a four-eyes step). Each person decides a step once; every approval
    /// takes a numbered slot and only the last slot's holder claims the outcome, so an approval and a rejection sent
    /// together never both count: whichever claims first wins, the other is refused with 409 and logged with who sent
    /// it. A stale decision (the run has moved on) is refused the same way. Only a decision that was taken is sent to
    /// the run.
    /// </summary>
    public async Task<CommandResult> DecideAsync(DurableTaskClient durable, string runId, bool approved, Operator by, DecisionBody? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
        ArgumentNullException.ThrowIfNull(by);
        if (body is not { Action: { Length: > 0 } action, Step: { } step })
        {
            return new(true, "Name the approval you decide: {\"action\": ..., \"step\": ...} as the run shows them (awaitingApproval, approvalStep).", Invalid: true);
        }

        var (run, status, problem) = await GoingAsync(durable, runId, cancellationToken);
        if (problem is not null)
        {
            // A decision for a run that has ended lost too (it came after the winner had let the run finish): recorded.
            return problem.Found ? await RefusedAsync(runId, step, by, approved, problem.Error!, cancellationToken) : problem;
        }

        // A step already decided says how (the run records the decision as the step's answer).
        if (run!.Steps.FirstOrDefault(s => s.Sequence == step && s.Name.StartsWith("Approval for:", StringComparison.Ordinal)) is { } decided)
        {
            return await RefusedAsync(runId, step, by, approved, $"Step {step} of run '{runId}' ({action}) was already decided ({decided.Answer}): nothing changed.", cancellationToken);
        }

        if (status?.AwaitingApproval is not { } waitingFor)
        {
            return await RefusedAsync(runId, step, by, approved, $"Run '{runId}' is not waiting for an approval now (a decision may have just been taken): nothing was decided.", cancellationToken);
        }

        if (!string.Equals(waitingFor, action, StringComparison.Ordinal) || status.ApprovalStep != step)
        {
            return await RefusedAsync(runId, step, by, approved, $"Run '{runId}' waits for approval of {waitingFor} (step {status.ApprovalStep}); this decision was for {action} (step {step}): nothing was decided.", cancellationToken);
        }

        var needed = Math.Max(1, status.ApprovalsNeeded ?? 1);
        if (!await ledger.TryClaimDecisionAsync(runId, $"{step}-by-{by.ObjectId}", cancellationToken))
        {
            return await RefusedAsync(runId, step, by, approved, needed > 1
                ? $"{by.Name} has already decided step {step} of run '{runId}' ({action}); it needs a second, different approver: nothing changed."
                : $"Step {step} of run '{runId}' ({action}) was already decided: nothing changed.", cancellationToken);
        }

        var slot = approved ? await ApprovalSlotAsync(runId, step, needed, cancellationToken) : null;
        if (approved && slot is null)
        {
            return await RefusedAsync(runId, step, by, approved, $"Step {step} of run '{runId}' ({action}) already has its {needed} approval{(needed > 1 ? "s" : "")}: nothing changed.", cancellationToken);
        }

        // The outcome: a rejection, or the approval that makes enough. Whichever claims it first is the step's outcome.
        var decides = !approved || slot == needed;
        if (decides && !await ledger.TryClaimDecisionAsync(runId, $"{step}-outcome", cancellationToken))
        {
            return await RefusedAsync(runId, step, by, approved, $"Step {step} of run '{runId}' ({action}) was decided a moment ago by someone else (see the run): your {(approved ? "approval" : "rejection")} was not counted.", cancellationToken);
        }

        await durable.RaiseEventAsync(run.InstanceId, RunEvents.Approval, new ApprovalDecision(approved, by.Name, body.CleanComment, action, step, by.ObjectId, runId), cancellationToken);
        return new(true, null);
    }

    // The first free approval slot of the step (1..needed), or null when every slot is taken.
    async Task<int?> ApprovalSlotAsync(string runId, int step, int needed, CancellationToken cancellationToken)
    {
        for (var slot = 1; slot <= needed; slot++)
        {
            if (await ledger.TryClaimDecisionAsync(runId, $"{step}-approval-{slot}", cancellationToken))
            {
                return slot;
            }
        }

        return null;
    }

    // A decision sent and not taken is part of the run's story: logged, and recorded on the run (who, what, why).
    async Task<CommandResult> RefusedAsync(string runId, int step, Operator by, bool approved, string why, CancellationToken cancellationToken)
    {
        var decision = approved ? "approval" : "rejection";
        LogRefused(logger, runId, step, decision, by.Display, why);
        await ledger.RecordRefusedDecisionAsync(runId, $"{time.GetUtcNow():u} {decision} of step {step} by {by.Display}: {why}", cancellationToken);
        return new(true, why);
    }

    [LoggerMessage(LogLevel.Warning, "Run {RunId} step {Step}: {Decision} by {By} refused: {Why}")]
    static partial void LogRefused(ILogger logger, string runId, int step, string decision, string by, string why);

    /// <summary>Stops the run at its next step as <paramref name="by"/>; clean-up (protocol logging off) still runs.</summary>
    public async Task<CommandResult> CancelAsync(DurableTaskClient durable, string runId, Operator by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
        ArgumentNullException.ThrowIfNull(by);
        var (run, _, problem) = await GoingAsync(durable, runId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        await durable.RaiseEventAsync(run!.InstanceId, RunEvents.Cancel, new RunCancel(runId, by.Display), cancellationToken);
        return new(true, null);
    }

    async Task<(RunRecord? Run, RunStatus? Status, CommandResult? Problem)> GoingAsync(DurableTaskClient durable, string runId, CancellationToken cancellationToken)
    {
        if (await ledger.GetAsync(runId, cancellationToken) is not { } run)
        {
            return (null, null, new(false, $"No run '{runId}'."));
        }

        if (run.Outcome != RunOutcome.Running)
        {
            return (run, null, new(true, $"Run '{runId}' has already ended ({run.Outcome})."));
        }

        var instance = await durable.GetInstanceAsync(run.InstanceId, getInputsAndOutputs: true, cancellationToken);
        var status = instance?.ReadCustomStatusAs<RunStatus>();
        return (run, status?.RunId == run.RunId ? status : null, null);
    }
}
