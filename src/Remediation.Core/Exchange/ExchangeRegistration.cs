using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Remediation.Exchange;

/// <summary>Registers the client of the on-premises agent: the only way to Exchange.</summary>
public static class ExchangeRegistration
{
    /// <summary>Agent settings, the signing handler and the typed client.</summary>
    public static IServiceCollection AddExchangeAgent(this IServiceCollection services)
    {
        services.AddValidatedOptions<AgentClientOptions>(AgentClientOptions.Section);
        services.AddTransient<AgentSigningHandler>();
        services.AddHttpClient<ExchangeAgentClient>((sp, http) =>
        {
            var agent = sp.GetRequiredService<IOptionsMonitor<AgentClientOptions>>().CurrentValue;
            http.BaseAddress = agent.BaseAddress;
            http.Timeout = agent.Timeout;
        }).AddHttpMessageHandler<AgentSigningHandler>();
        services.AddSingleton<AgentConnection>();
        return services;
    }
}
