using Remediation.Monitoring;
using Remediation.Operators;

namespace Remediation.Host.Health;

/// <summary>Server health (Get-ServerHealth) and on-demand probes (Invoke-MonitoringProbe).</summary>
public static class HealthEndpoints
{
    /// <summary>GET /api/health[/{server}]?healthSet=IMAP*, GET /api/healthreport[/{server}], GET /api/history[/{server}], POST /api/probes/{server}/{healthSet}/{probe}.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        // Liveness for a load balancer or systemd watchdog: the host is up; reveals nothing.
        routes.MapGet("/api/healthz", () => Results.Ok(new { status = "Healthy" })).WithTags("Health");
        var health = routes.MapGroup("/api/health").WithTags("Health").RequireOperator(OperatorRole.Reader);
        health.MapGet("/", (HealthApi api, string? healthSet, CancellationToken ct) => api.QueryAsync(null, healthSet, ct));
        health.MapGet("/{server}", (HealthApi api, string server, string? healthSet, CancellationToken ct) => api.QueryAsync(server, healthSet, ct));
        routes.MapGet("/api/healthreport", (HealthApi api, CancellationToken ct) => api.ReportAsync(null, ct)).WithTags("Health").RequireOperator(OperatorRole.Reader);
        routes.MapGet("/api/healthreport/{server}", (HealthApi api, string server, CancellationToken ct) => api.ReportAsync(server, ct)).WithTags("Health").RequireOperator(OperatorRole.Reader);
        routes.MapGet("/api/history", (History.HistoryHttp history, HttpRequest request) => history.StripsAsync(request))
            .WithTags("Health").RequireOperator(OperatorRole.Reader);
        routes.MapGet("/api/history/{server}", (History.HistoryHttp history, HttpRequest request, string server) => history.GetAsync(request, server))
            .WithTags("Health").RequireOperator(OperatorRole.Reader);
        routes.MapPost("/api/probes/{server}/{healthSet}/{probe}", (HealthApi api, string server, string healthSet, string probe, CancellationToken ct) =>
            api.InvokeProbeAsync(server, healthSet, probe, ct)).WithTags("Health").RequireOperator(OperatorRole.Operator);
        return routes;
    }
}
