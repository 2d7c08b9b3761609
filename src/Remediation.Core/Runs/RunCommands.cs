using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;

namespace Remediation.Runs;

/// <summary>What an operator may do to a run (approve, reject, cancel), shared by both hosts' run APIs.</summary>
public sealed class RunCommands(IRunLedger ledger)
{
    /// <summary>The result of a command: null error on success, else why not (and whether the run exists).</summary>
    public sealed record CommandResult(bool Found, string? Error)
    {
        /// <summary>The HTTP answer both hosts give: 404, 409 with the reason, or 202.</summary>
        public IResult ToHttpResult() => this switch
        {
            { Found: false } => Results.Problem(Error, statusCode: StatusCodes.Status404NotFound, title: "Run not found"),
            { Error: { } error } => Results.Problem(error, statusCode: StatusCodes.Status409Conflict, title: "Not possible now"),
            _ => Results.Accepted(),
        };
    }

    /// <summary>Who made a decision, from an optional JSON body {"by": "...", "comment": "..."}.</summary>
    public sealed record DecisionBody(string? By, string? Comment)
    {
        /// <summary>The name recorded in the run (bounded; "an operator" when not given).</summary>
        public static string NameOf(DecisionBody? body) => body?.By is { Length: > 0 and <= 128 } by ? by : "an operator";
    }

    /// <summary>Answers the approval the run waits for.</summary>
    public Task<CommandResult> DecideAsync(DurableTaskClient durable, string runId, ApprovalDecision decision, CancellationToken cancellationToken) =>
        SendAsync(durable, runId, RunEvents.Approval, decision, needsApprovalWait: true, cancellationToken);

    /// <summary>Stops the run at its next step; clean-up (protocol logging off) still runs.</summary>
    public Task<CommandResult> CancelAsync(DurableTaskClient durable, string runId, string by, CancellationToken cancellationToken) =>
        SendAsync(durable, runId, RunEvents.Cancel, by, needsApprovalWait: false, cancellationToken);

    async Task<CommandResult> SendAsync(DurableTaskClient durable, string runId, string eventName, object payload, bool needsApprovalWait, CancellationToken cancellationToken)
    {
        if (await ledger.GetAsync(runId, cancellationToken) is not { } run)
        {
            return new(false, $"No run '{runId}'.");
        }

        if (run.Outcome != RunOutcome.Running)
        {
            return new(true, $"Run '{runId}' has already ended ({run.Outcome}).");
        }

        var instance = await durable.GetInstanceAsync(run.InstanceId, getInputsAndOutputs: true, cancellationToken);
        var status = instance?.ReadCustomStatusAs<RunStatus>();
        if (needsApprovalWait && status?.AwaitingApproval is null)
        {
            return new(true, $"Run '{runId}' is not waiting for an approval.");
        }

        await durable.RaiseEventAsync(run.InstanceId, eventName, payload, cancellationToken);
        return new(true, null);
    }
}
