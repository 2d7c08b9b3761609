using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Remediation.Operators;

namespace Remediation.Safety;

/// <summary>
/// The safety routes of the standalone host, in one place (the Functions app's functions call the same
/// <see cref="MaintenanceHttp"/> and <see cref="HoldCommands"/>): maintenance windows and the release of a run's holds.
/// </summary>
public static class SafetyEndpoints
{
    /// <summary>GET /api/maintenance (reader); POST /api/maintenance, DELETE /api/maintenance/{id} (operator).</summary>
    public static IEndpointRouteBuilder MapMaintenanceApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/maintenance").WithTags("Maintenance").RequireOperator(OperatorRole.Reader)
            .MapGet("/", (MaintenanceHttp http, CancellationToken ct) => http.ListAsync(ct));
        var operators = routes.MapGroup("/api/maintenance").WithTags("Maintenance").RequireOperator(OperatorRole.Operator);
        operators.MapPost("/", (MaintenanceHttp http, HttpRequest request, CancellationToken ct) => http.ScheduleAsync(request, OperatorGate.Current(request.HttpContext), ct));
        operators.MapDelete("/{id}", (MaintenanceHttp http, HttpContext context, string id, CancellationToken ct) => http.RemoveAsync(id, OperatorGate.Current(context), ct));
        return routes;
    }

    /// <summary>POST /api/runs/{id}/release-hold (operator): the hold a run left with its server drained.</summary>
    public static RouteHandlerBuilder MapHoldsApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/runs/{id}/release-hold", async (HoldCommands holds, HttpContext context, string id, CancellationToken ct) =>
            (await holds.ReleaseAsync(id, OperatorGate.Current(context), ct)).ToHttpResult()).WithTags("Runs").RequireOperator(OperatorRole.Operator);
}
