using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Remediation.Operators;
using Remediation.Safety;

namespace Remediation.Functions;

/// <summary>Maintenance windows, same routes and shapes as the standalone host's.</summary>
public sealed class MaintenanceApi(MaintenanceHttp maintenance, OperatorAccess operators)
{
    /// <summary>GET /api/maintenance.</summary>
    [Function("ListMaintenance")]
    public Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "maintenance")] HttpRequest request, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => maintenance.ListAsync(cancellationToken));

    /// <summary>POST /api/maintenance.</summary>
    [Function("ScheduleMaintenance")]
    public Task<IResult> ScheduleAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "maintenance")] HttpRequest request, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Operator, who => maintenance.ScheduleAsync(request, who, cancellationToken));

    /// <summary>DELETE /api/maintenance/{id}.</summary>
    [Function("RemoveMaintenance")]
    public Task<IResult> RemoveAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "maintenance/{id}")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Operator, who => maintenance.RemoveAsync(id, who, cancellationToken));
}
