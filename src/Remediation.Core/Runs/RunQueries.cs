using Microsoft.DurableTask.Client;

namespace Remediation.Runs;

/// <summary>The run API's reads, shared by both hosts: the ledger, plus what a running run waits for (from Durable).</summary>
public sealed class RunQueries(IRunLedger ledger)
{
    /// <summary>Runs (running first, newest first), each running one with the approval it waits for, if any.</summary>
    public async Task<IReadOnlyList<RunRecord>> ListAsync(DurableTaskClient durable, string? server, int top, CancellationToken cancellationToken)
    {
        var runs = await ledger.ListAsync(server, top, cancellationToken);
        return await Task.WhenAll(runs.Select(r => WithStatusAsync(durable, r, cancellationToken)));
    }

    /// <summary>GET /api/runs?server=&amp;top= as both hosts answer it: top between 1 and 1000 (default 100).</summary>
    public async Task<Microsoft.AspNetCore.Http.IResult> ListHttpAsync(DurableTaskClient durable, string? server, string? top, CancellationToken cancellationToken)
    {
        var count = 100;
        if (top is not null && (!int.TryParse(top, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            return Microsoft.AspNetCore.Http.Results.ValidationProblem(new Dictionary<string, string[]> { ["top"] = ["top must be between 1 and 1000."] });
        }

        return Microsoft.AspNetCore.Http.Results.Ok(await ListAsync(durable, server, count, cancellationToken));
    }

    /// <summary>GET /api/runs/{id} as both hosts answer it: the run, or a 404 problem naming it.</summary>
    public async Task<Microsoft.AspNetCore.Http.IResult> GetHttpAsync(DurableTaskClient durable, string runId, CancellationToken cancellationToken) =>
        await GetAsync(durable, runId, cancellationToken) is { } run
            ? Microsoft.AspNetCore.Http.Results.Ok(run)
            : Microsoft.AspNetCore.Http.Results.Problem($"No run '{runId}'.", statusCode: Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound, title: "Run not found");

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
        return status?.RunId == run.RunId ? run with { AwaitingApproval = status.AwaitingApproval, CurrentStep = status.CurrentStep } : run;
    }
}
