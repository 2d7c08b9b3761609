using Microsoft.DurableTask.Client;
using Remediation.Operators;
using Remediation.Runs;

namespace Remediation.Host.Runs;

/// <summary>The run API: what the automation did, step by step.</summary>
public static class RunsEndpoints
{
    /// <summary>GET /api/runs, GET /api/runs/{id}, the run commands, and GET /api/plan/{server} (the plan preview).</summary>
    public static RouteGroupBuilder MapRuns(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/runs").WithTags("Runs");
        group.MapGet("/", (RunQueries runs, DurableTaskClient durable, HttpRequest request, CancellationToken ct) => runs.ListHttpAsync(durable, request, ct))
            .RequireOperator(OperatorRole.Reader);
        group.MapGet("/{id}", (RunQueries runs, DurableTaskClient durable, string id, CancellationToken ct) => runs.GetHttpAsync(durable, id, ct))
            .RequireOperator(OperatorRole.Reader);
        group.MapPost("/{id}/approve", async (RunCommands commands, DurableTaskClient durable, HttpContext context, string id, RunCommands.DecisionBody? body, CancellationToken ct) =>
            (await commands.DecideAsync(durable, id, approved: true, OperatorGate.Current(context), body, ct)).ToHttpResult()).RequireOperator(OperatorRole.Approver);
        group.MapPost("/{id}/reject", async (RunCommands commands, DurableTaskClient durable, HttpContext context, string id, RunCommands.DecisionBody? body, CancellationToken ct) =>
            (await commands.DecideAsync(durable, id, approved: false, OperatorGate.Current(context), body, ct)).ToHttpResult()).RequireOperator(OperatorRole.Approver);
        group.MapPost("/{id}/cancel", async (RunCommands commands, DurableTaskClient durable, HttpContext context, string id, CancellationToken ct) =>
            (await commands.CancelAsync(durable, id, OperatorGate.Current(context), ct)).ToHttpResult()).RequireOperator(OperatorRole.Operator);
        group.MapPost("/{id}/release-hold", async (Safety.HoldCommands holds, HttpContext context, string id, CancellationToken ct) =>
            (await holds.ReleaseAsync(id, OperatorGate.Current(context), ct)).ToHttpResult()).RequireOperator(OperatorRole.Operator);
        routes.MapGet("/api/plan/{server}", (Recovery.PlanPreviews plans, DurableTaskClient durable, HttpRequest request, string server, CancellationToken ct) =>
            plans.PreviewHttpAsync(durable, server, request, ct)).WithTags("Runs").RequireOperator(OperatorRole.Reader);
        return group;
    }
}
