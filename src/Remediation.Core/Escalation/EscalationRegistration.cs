using Microsoft.Extensions.DependencyInjection;

namespace Remediation.Escalation;

/// <summary>Registers escalation: a webhook and/or e-mail.</summary>
public static class EscalationRegistration
{
    /// <summary>Escalation settings and the webhook's HTTP client.</summary>
    public static IServiceCollection AddEscalation(this IServiceCollection services)
    {
        services.AddValidatedOptions<EscalationOptions>(EscalationOptions.Section);
        services.AddHttpClient(EscalateActivity.WebhookClient);
        return services;
    }
}
