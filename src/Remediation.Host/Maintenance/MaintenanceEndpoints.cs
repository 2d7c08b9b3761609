using Remediation.Operators;
using Remediation.Safety;

namespace Remediation.Host.Maintenance;

/// <summary>Maintenance windows: list, schedule, remove (the same handling as the Functions app's).</summary>
public static class MaintenanceEndpoints
{
    /// <summary>GET/POST /api/maintenance, DELETE /api/maintenance/{id}.</summary>
    public static RouteGroupBuilder MapMaintenance(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/maintenance").WithTags("Maintenance");
        group.MapGet("/", (MaintenanceHttp http, CancellationToken ct) => http.ListAsync(ct)).RequireOperator(OperatorRole.Reader);
        group.MapPost("/", (MaintenanceHttp http, HttpRequest request, CancellationToken ct) => http.ScheduleAsync(request, OperatorGate.Current(request.HttpContext), ct))
            .RequireOperator(OperatorRole.Operator);
        group.MapDelete("/{id}", (MaintenanceHttp http, HttpContext context, string id, CancellationToken ct) => http.RemoveAsync(id, OperatorGate.Current(context), ct))
            .RequireOperator(OperatorRole.Operator);
        return group;
    }
}
