using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Remediation.Operators;
using Remediation.Runs;

namespace Remediation.Functions;

/// <summary>The run API, same routes and shapes as the standalone host's.</summary>
public sealed class RunsApi(RunsHttp runs, Safety.HoldCommands holds, Recovery.PlanPreviews plans, OperatorAccess operators)
{
    /// <summary>GET /api/plan/{server}?monitor=: what a run would do on the server now (nothing is done).</summary>
    [Function("PreviewPlan")]
    public Task<IResult> PreviewPlanAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "plan/{server}")] HttpRequest request, string server, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => plans.PreviewHttpAsync(durable, server, request, cancellationToken));

    /// <summary>POST /api/runs/{id}/release-hold: an operator releases the hold a run left with its server drained.</summary>
    [Function("ReleaseRunHold")]
    public Task<IResult> ReleaseHoldAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/release-hold")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Operator, async who => (await holds.ReleaseAsync(id, who, cancellationToken)).ToHttpResult());

    /// <summary>GET /api/runs?server=&amp;outcome=&amp;monitor=&amp;since=&amp;before=&amp;top=.</summary>
    [Function("ListRuns")]
    public Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs")] HttpRequest request, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => runs.ListAsync(durable, request, cancellationToken));

    /// <summary>GET /api/runs-summary?server=&amp;outcome=&amp;monitor=&amp;since=&amp;zone=.</summary>
    [Function("RunsSummary")]
    public Task<IResult> SummaryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs-summary")] HttpRequest request, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => runs.SummaryAsync(request, cancellationToken));

    /// <summary>GET /api/runs/{id}.</summary>
    [Function("GetRun")]
    public Task<IResult> GetAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{id}")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => runs.GetAsync(durable, id, cancellationToken));

    /// <summary>POST /api/runs/{id}/approve.</summary>
    [Function("ApproveRun")]
    public Task<IResult> ApproveAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/approve")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Approver, who => runs.DecideAsync(durable, request, id, approved: true, who, cancellationToken));

    /// <summary>POST /api/runs/{id}/reject.</summary>
    [Function("RejectRun")]
    public Task<IResult> RejectAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/reject")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Approver, who => runs.DecideAsync(durable, request, id, approved: false, who, cancellationToken));

    /// <summary>POST /api/runs/{id}/cancel.</summary>
    [Function("CancelRun")]
    public Task<IResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/cancel")] HttpRequest request, string id, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Operator, who => runs.CancelAsync(durable, id, who, cancellationToken));
}
