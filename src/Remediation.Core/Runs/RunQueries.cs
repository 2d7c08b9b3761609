using Microsoft.DurableTask.Client;

namespace Remediation.Runs;

/// <summary>The run API's reads, shared by both hosts: the ledger, plus what a running run waits for (from Durable).</summary>
public sealed class RunQueries(IRunLedger ledger)
{
    /// <summary>Runs (running first, newest first), each running one with the approval it waits for, if any.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListAsync(DurableTaskClient durable, string? server, int top, DateTimeOffset? startedBefore, CancellationToken cancellationToken)
    {
        var runs = await ledger.ListAsync(server, top, startedBefore, cancellationToken);
        return await Task.WhenAll(runs.Select(r => WithStatusAsync(durable, r, cancellationToken)));
    }

    /// <summary>One run, or null.</summary>
    public async Task<RunRecord?> GetAsync(DurableTaskClient durable, string runId, CancellationToken cancellationToken) =>
        await ledger.GetAsync(runId, cancellationToken) is { } run ? await WithStatusAsync(durable, run, cancellationToken) : null;

    static async Task<RunRecord> WithStatusAsync(DurableTaskClient durable, RunRecord run, CancellationToken cancellationToken)
    {
        if (run.Outcome != RunOutcome.Running)
        {
            return run;
        }

        var instance = await durable.GetInstanceAsync(run.InstanceId, getInputsAndOutputs: true, cancellationToken);
        var status = instance?.ReadCustomStatusAs<RunStatus>();
        return status?.RunId == run.RunId ? run with { AwaitingApproval = status.AwaitingApproval, ApprovalStep = status.ApprovalStep, ApprovalsNeeded = status.ApprovalsNeeded, ApprovedBy = status.ApprovedBy, CurrentStep = status.CurrentStep, WaitingSince = status.WaitingSince, WaitingUntil = status.WaitingUntil } : run;
    }
}
