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
        })
        .ConfigurePrimaryHttpMessageHandler(sp => CreateTransport(sp.GetRequiredService<IOptionsMonitor<AgentClientOptions>>().CurrentValue))
        .AddHttpMessageHandler<AgentSigningHandler>();
        services.AddSingleton<AgentConnection>();
        return services;
    }

    /// <summary>
    /// The connection to the agent: TLS checked against the pinned thumbprints when there are any (the chain and name
    /// do not matter then: only these certificates are the agent), else against the system's trust.
    /// </summary>
    public static SocketsHttpHandler CreateTransport(AgentClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pins = options.CertificateThumbprints.Select(t => t.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (pins.Count > 0)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && pins.Contains(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.GetRawCertData())));
        }

        return handler;
    }
}
