using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Remediation.Alerts;

namespace Remediation.Functions;

/// <summary>POST /api/alerts: the same webhook as the standalone host's, onto Service Bus.</summary>
public sealed class AlertsWebhook(AlertIntake intake)
{
    /// <summary>Azure Monitor (common alert schema), SCOM, or plain JSON; idempotent on the alert ID.</summary>
    [Function("Alerts")]
    public async Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts")] HttpRequest request, CancellationToken cancellationToken) =>
        await intake.HandleAsync(request, cancellationToken);
}
