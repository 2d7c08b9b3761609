using Remediation.Safety;

namespace Remediation.Host.Maintenance;

/// <summary>Maintenance windows: list, schedule, remove (the same handling as the Functions app's).</summary>
public static class MaintenanceEndpoints
{
    /// <summary>GET/POST /api/maintenance, DELETE /api/maintenance/{id}.</summary>
    public static RouteGroupBuilder MapMaintenance(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/maintenance").WithTags("Maintenance");
        group.MapGet("/", (MaintenanceHttp http, CancellationToken ct) => http.ListAsync(ct));
        group.MapPost("/", (MaintenanceHttp http, HttpRequest request, CancellationToken ct) => http.ScheduleAsync(request, ct));
        group.MapDelete("/{id}", (MaintenanceHttp http, string id, CancellationToken ct) => http.RemoveAsync(id, ct));
        return group;
    }
}
