using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;

namespace Remediation.Runs;

/// <summary>What an operator may do to a run (approve, reject, cancel), shared by both hosts' run APIs.</summary>
public sealed class RunCommands(IRunLedger ledger)
{
    /// <summary>The result of a command: null error on success, else why not (and whether the run exists).</summary>
    public sealed record CommandResult(bool Found, string? Error, bool Invalid = false)
    {
        /// <summary>The HTTP answer both hosts give: 404, 400 or 409 with the reason, or 202.</summary>
        public IResult ToHttpResult() => this switch
        {
            { Found: false } => Results.Problem(Error, statusCode: StatusCodes.Status404NotFound, title: "Run not found"),
            { Invalid: true } => Results.Problem(Error, statusCode: StatusCodes.Status400BadRequest, title: "Name what you decide"),
            { Error: { } error } => Results.Problem(error, statusCode: StatusCodes.Status409Conflict, title: "Not possible now"),
            _ => Results.Accepted(),
        };
    }

    /// <summary>
    /// A decision's JSON body: who, why, and (for approve/reject) the action and step it decides, as the run shows
    /// them (<c>awaitingApproval</c>, <c>approvalStep</c>).
    /// </summary>
    public sealed record DecisionBody(string? By, string? Comment, string? Action = null, int? Step = null)
    {
        /// <summary>The name recorded in the run (bounded; "an operator" when not given).</summary>
        public static string NameOf(DecisionBody? body) => body?.By is { Length: > 0 and <= 128 } by ? by : "an operator";
    }

    /// <summary>
    /// Answers the approval the run waits for, only if <paramref name="body"/> names that step and action, and only once:
    /// a stale decision (the run has moved on) or a duplicate (a double click, a second operator) is refused with 409
    /// and changes nothing.
    /// </summary>
    public async Task<CommandResult> DecideAsync(DurableTaskClient durable, string runId, bool approved, DecisionBody? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
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

        if (!await ledger.TryClaimDecisionAsync(runId, step, cancellationToken))
        {
            return new(true, $"Step {step} of run '{runId}' ({action}) was already decided: nothing changed.");
        }

        await durable.RaiseEventAsync(run!.InstanceId, RunEvents.Approval, new ApprovalDecision(approved, DecisionBody.NameOf(body), body.Comment, action, step), cancellationToken);
        return new(true, null);
    }

    /// <summary>Stops the run at its next step; clean-up (protocol logging off) still runs.</summary>
    public async Task<CommandResult> CancelAsync(DurableTaskClient durable, string runId, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
        var (run, _, problem) = await GoingAsync(durable, runId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        await durable.RaiseEventAsync(run!.InstanceId, RunEvents.Cancel, by, cancellationToken);
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
