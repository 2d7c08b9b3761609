using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Remediation.Operators;

namespace Remediation.Monitoring;

/// <summary>The health routes of the standalone host, in one place (the Functions app's functions call the same <see cref="HealthApi"/>).</summary>
public static class HealthEndpoints
{
    /// <summary>
    /// GET /api/healthz (anonymous); GET /api/health[/{server}]?healthSet=, GET /api/healthreport[/{server}] (reader);
    /// POST /api/probes/{server}/{healthSet}/{probe} (operator).
    /// </summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);

        // Liveness for a load balancer or systemd watchdog: the host is up; reveals nothing.
        routes.MapGet("/api/healthz", HealthApi.Liveness).WithTags("Health");
        var readers = routes.MapGroup("/api").WithTags("Health").RequireOperator(OperatorRole.Reader);
        readers.MapGet("/health", (HealthApi api, string? healthSet, CancellationToken ct) => api.QueryAsync(null, healthSet, ct));
        readers.MapGet("/health/{server}", (HealthApi api, string server, string? healthSet, CancellationToken ct) => api.QueryAsync(server, healthSet, ct));
        readers.MapGet("/healthreport", (HealthApi api, CancellationToken ct) => api.ReportAsync(null, ct));
        readers.MapGet("/healthreport/{server}", (HealthApi api, string server, CancellationToken ct) => api.ReportAsync(server, ct));
        var operators = routes.MapGroup("/api/probes").WithTags("Health").RequireOperator(OperatorRole.Operator);
        operators.MapPost("/{server}/{healthSet}/{probe}", (HealthApi api, string server, string healthSet, string probe, CancellationToken ct) =>
            api.InvokeProbeAsync(server, healthSet, probe, ct));
        return routes;
    }
}
