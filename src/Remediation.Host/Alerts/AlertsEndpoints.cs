using Remediation.Alerts;
using Remediation.Operators;

namespace Remediation.Host.Alerts;

/// <summary>POST /api/alerts: Azure Monitor (common alert schema), SCOM, or plain JSON.</summary>
public static class AlertsEndpoints
{
    /// <summary>Maps the webhook: a caller with a webhook key (a machine), or a signed-in operator posting by hand.</summary>
    public static RouteHandlerBuilder MapAlerts(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/alerts", async (HttpRequest request, AlertIntake intake, AlertWebhookKeys keys, CancellationToken ct) =>
            keys.IsValid(request) ? await intake.HandleAsync(request, ct) : await OperatorGate.CheckAsync(request.HttpContext, OperatorRole.Operator) ?? await intake.HandleAsync(request, ct)).WithTags("Alerts");
}
