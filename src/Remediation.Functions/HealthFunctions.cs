using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Remediation.Monitoring;
using Remediation.Operators;

namespace Remediation.Functions;

/// <summary>Server health and on-demand probes, same routes and shapes as the standalone host's.</summary>
public sealed class HealthFunctions(HealthApi api, History.HistoryHttp history, OperatorAccess operators, UnresolvedSettings unresolved)
{
    /// <summary>
    /// GET /api/healthz: App Service's health check (siteConfig.healthCheckPath). Anonymous because the platform calls
    /// it without a key; it answers that this instance's worker is up, and which settings still wait for their Key
    /// Vault secrets (names only).
    /// </summary>
    [Function("Liveness")]
    public IResult Liveness([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "healthz")] HttpRequest request) => HealthApi.Liveness(unresolved);

    /// <summary>GET /api/health?healthSet=IMAP*.</summary>
    [Function("GetHealth")]
    public Task<IResult> All([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => api.QueryAsync(null, request.Query["healthSet"].FirstOrDefault(), request.HttpContext.RequestAborted));

    /// <summary>GET /api/health/{server}?healthSet=IMAP*.</summary>
    [Function("GetServerHealth")]
    public Task<IResult> Server([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/{server}")] HttpRequest request, string server) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => api.QueryAsync(server, request.Query["healthSet"].FirstOrDefault(), request.HttpContext.RequestAborted));

    /// <summary>GET /api/healthreport/{server?}.</summary>
    [Function("GetHealthReport")]
    public Task<IResult> Report([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "healthreport/{server?}")] HttpRequest request, string? server) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => api.ReportAsync(server, request.HttpContext.RequestAborted));

    /// <summary>GET /api/history/{server}?from=&amp;to=&amp;probe=: the server's probe history (latency, outcome) over time.</summary>
    [Function("GetProbeHistory")]
    public Task<IResult> HistoryAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "history/{server}")] HttpRequest request, string server) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => history.GetAsync(request, server));

    /// <summary>GET /api/history?hours=&amp;slots=: every server's probes as availability and latency strips.</summary>
    [Function("GetProbeStrips")]
    public Task<IResult> StripsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "history")] HttpRequest request) =>
        operators.AsAsync(request, OperatorRole.Reader, _ => history.StripsAsync(request));

    /// <summary>POST /api/probes/{server}/{healthSet}/{probe}.</summary>
    [Function("InvokeProbe")]
    public Task<IResult> ProbeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "probes/{server}/{healthSet}/{probe}")] HttpRequest request,
        string server,
        string healthSet,
        string probe,
        CancellationToken cancellationToken) =>
        operators.AsAsync(request, OperatorRole.Operator, _ => api.InvokeProbeAsync(server, healthSet, probe, cancellationToken));
}
