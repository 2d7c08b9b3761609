using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Remediation.Alerts;
using Remediation.Escalation;
using Remediation.Exchange;
using Remediation.Monitoring;
using Remediation.Operators;
using Remediation.Probes;
using Remediation.Recovery;
using Remediation.Runs;
using Remediation.Safety;
using Remediation.Storage;
using Remediation.Topology;


namespace Remediation;

/// <summary>Registers the engine; both hosts call this and nothing else to get the same behaviour.</summary>
public static class RemediationEngineExtensions
{
    /// <summary>Every feature, in the order they depend on each other (docs/architecture.md); each validates its own settings.</summary>
    public static IServiceCollection AddRemediationEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new UnresolvedSettings(configuration));
        services.AddOperatorAntiforgery();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        return services
            .AddStorage()
            .AddTopology()
            .AddProbes()
            .AddExchangeAgent()
            .AddAlerts(configuration)
            .AddMonitoring(configuration)
            .AddRuns(configuration)
            .AddSafety(configuration)
            .AddEscalation()
            .AddRecovery();
    }
}
