using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Remediation.Runs;

namespace Remediation.Functions;

/// <summary>The run API, same routes and shapes as the standalone host's.</summary>
public sealed class RunsApi(RunQueries runs, RunCommands commands, Safety.HoldCommands holds)
{
    /// <summary>POST /api/runs/{id}/release-hold: an operator releases the hold a run left with its server drained.</summary>
    [Function("ReleaseRunHold")]
    public async Task<IResult> ReleaseHoldAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{id}/release-hold")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        (await holds.ReleaseAsync(id, cancellationToken)).ToHttpResult();

    /// <summary>GET /api/runs?server=&amp;top=.</summary>
    [Function("ListRuns")]
    public Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs")] HttpRequest request, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        runs.ListHttpAsync(durable, request, cancellationToken);

    /// <summary>GET /api/runs/{id}.</summary>
    [Function("GetRun")]
    public Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        runs.GetHttpAsync(durable, id, cancellationToken);

    /// <summary>POST /api/runs/{id}/approve.</summary>
    [Function("ApproveRun")]
    public async Task<IResult> ApproveAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{id}/approve")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken)
    {
        return (await commands.DecideAsync(durable, id, approved: true, await DecisionAsync(request), cancellationToken)).ToHttpResult();
    }

    /// <summary>POST /api/runs/{id}/reject.</summary>
    [Function("RejectRun")]
    public async Task<IResult> RejectAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{id}/reject")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken)
    {
        return (await commands.DecideAsync(durable, id, approved: false, await DecisionAsync(request), cancellationToken)).ToHttpResult();
    }

    /// <summary>POST /api/runs/{id}/cancel.</summary>
    [Function("CancelRun")]
    public async Task<IResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{id}/cancel")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        (await commands.CancelAsync(durable, id, RunCommands.DecisionBody.NameOf(await DecisionAsync(request)), cancellationToken)).ToHttpResult();

    static async Task<RunCommands.DecisionBody?> DecisionAsync(HttpRequest request)
    {
        try
        {
            return request.ContentLength is null or 0 ? null : await request.ReadFromJsonAsync<RunCommands.DecisionBody>();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null; // not JSON: names no step, so it is refused with 400
        }
    }
}
