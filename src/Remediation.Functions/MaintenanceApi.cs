using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Remediation.Safety;

namespace Remediation.Functions;

/// <summary>Maintenance windows, same routes and shapes as the standalone host's.</summary>
public sealed class MaintenanceApi(MaintenanceHttp maintenance)
{
    /// <summary>GET /api/maintenance.</summary>
    [Function("ListMaintenance")]
    public Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "maintenance")] HttpRequest request, CancellationToken cancellationToken) =>
        maintenance.ListAsync(cancellationToken);

    /// <summary>POST /api/maintenance.</summary>
    [Function("ScheduleMaintenance")]
    public Task<IResult> ScheduleAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "maintenance")] HttpRequest request, CancellationToken cancellationToken) =>
        maintenance.ScheduleAsync(request, cancellationToken);

    /// <summary>DELETE /api/maintenance/{id}.</summary>
    [Function("RemoveMaintenance")]
    public Task<IResult> RemoveAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "maintenance/{id}")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        maintenance.RemoveAsync(id, cancellationToken);
}
