using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Remediation.Operators;

namespace Remediation.Runs;

/// <summary>What an operator may do to a run (approve, reject, cancel), shared by both hosts' run APIs.</summary>
public sealed class RunCommands(IRunLedger ledger)
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
        public string? CleanComment => Comment is null ? null : new string([.. Comment.Where(c => !char.IsControl(c)).Take(500)]);
    }

    /// <summary>
    /// Answers the approval the run waits for as <paramref name="by"/>, only if <paramref name="body"/> names that step
    /// and action, and only once per step (per approver on a step that needs two): a stale decision (the run has moved
    /// on) or a duplicate (a double click, a second operator) is refused with 409 and changes nothing.
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
            return problem;
        }

        if (status?.AwaitingApproval is not { } waitingFor)
        {
            return new(true, $"Run '{runId}' is not waiting for an approval: nothing was decided.");
        }

        if (!string.Equals(waitingFor, action, StringComparison.Ordinal) || status.ApprovalStep != step)
        {
            return new(true, $"Run '{runId}' waits for approval of {waitingFor} (step {status.ApprovalStep}); this decision was for {action} (step {step}): nothing was decided.");
        }

        // A step that needs two approvers takes one decision per person; any other step exactly one decision.
        var twoApprovers = status.ApprovalsNeeded > 1;
        if (!await ledger.TryClaimDecisionAsync(runId, twoApprovers ? $"{step}-{by.ObjectId}" : $"{step}", cancellationToken))
        {
            return new(true, twoApprovers
                ? $"{by.Name} has already decided step {step} of run '{runId}' ({action}); it needs a second, different approver: nothing changed."
                : $"Step {step} of run '{runId}' ({action}) was already decided: nothing changed.");
        }

        await durable.RaiseEventAsync(run!.InstanceId, RunEvents.Approval, new ApprovalDecision(approved, by.Name, body.CleanComment, action, step, by.ObjectId, runId), cancellationToken);
        return new(true, null);
    }

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
