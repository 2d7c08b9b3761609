namespace Remediation.Agent.Audit;

/// <summary>GET /api/v1/audit?top=: the audit log, for signed callers only.</summary>
public static class AuditEndpoints
{
    /// <summary>Maps the audit route.</summary>
    public static RouteHandlerBuilder MapAudit(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/audit", async (AuditLog audit, int? top, CancellationToken ct) =>
            top is < 1 or > 10_000
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["top"] = ["top must be between 1 and 10000."] })
                : Results.Ok(await audit.ReadAsync(top ?? 200, ct)))
            .WithTags("Audit");
}
