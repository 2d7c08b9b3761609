using Microsoft.DurableTask.Client;

namespace Remediation.Runs;

/// <summary>The run API's reads, shared by both hosts: the ledger, plus what a running run waits for (from Durable).</summary>
public sealed class RunQueries(IRunLedger ledger)
{
    /// <summary>Runs (running first, newest first), each running one with the approval it waits for, if any.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListAsync(DurableTaskClient durable, RunFilter filter, int top, CancellationToken cancellationToken)
    {
        var runs = await ledger.ListAsync(filter, top, cancellationToken);
        return await Task.WhenAll(runs.Select(r => WithStatusAsync(durable, r, cancellationToken)));
    }

    /// <summary>Counts and MTTR over every run <paramref name="filter"/> matches (at most <see cref="MaxSummarised"/>), days in <paramref name="zone"/>.</summary>
    public async Task<RunSummary> SummaryAsync(RunFilter filter, TimeZoneInfo zone, CancellationToken cancellationToken) =>
        RunSummary.Of(await ledger.ListAsync(filter, MaxSummarised, cancellationToken), zone);

    /// <summary>The most runs one summary reads: 30 days of a 1,000-server organisation's runs fit many times over.</summary>
    public const int MaxSummarised = 100_000;

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
