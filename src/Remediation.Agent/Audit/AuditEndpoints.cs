namespace Remediation.Agent.Audit;

/// <summary>
/// GET /api/v1/audit?top=&amp;skip=&amp;unverified=: a page of the audit log (newest last), or with unverified=true of
/// the log of requests without a verified key; for signed callers only.
/// </summary>
public static class AuditEndpoints
{
    /// <summary>Maps the audit route.</summary>
    public static RouteHandlerBuilder MapAudit(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/audit", async (AuditLog audit, int? top, int? skip, bool? unverified, CancellationToken ct) =>
            top is < 1 or > 10_000 || skip is < 0 or > 1_000_000
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["top"] = ["top must be between 1 and 10000, skip between 0 and 1000000."] })
                : Results.Ok(await audit.ReadAsync(top ?? 200, skip ?? 0, ct, unverified ?? false)))
            .WithTags("Audit");
}
