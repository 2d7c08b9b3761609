using Remediation.Alerts;

namespace Remediation.Host.Alerts;

/// <summary>POST /api/alerts: Azure Monitor (common alert schema), SCOM, or plain JSON.</summary>
public static class AlertsEndpoints
{
    /// <summary>Maps the webhook.</summary>
    public static RouteHandlerBuilder MapAlerts(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/alerts", (HttpRequest request, AlertIntake intake, CancellationToken ct) => intake.HandleAsync(request, ct)).WithTags("Alerts");
}
