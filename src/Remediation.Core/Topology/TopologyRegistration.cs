using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Remediation.Topology;

/// <summary>Registers the topology: the servers, their roles, groups and IMAP endpoints.</summary>
public static class TopologyRegistration
{
    /// <summary>Topology settings, validated at start-up.</summary>
    public static IServiceCollection AddTopology(this IServiceCollection services)
    {
        services.AddValidatedOptions<TopologyOptions>(TopologyOptions.Section);
        services.AddSingleton<IValidateOptions<TopologyOptions>, TopologyOptionsValidator>();
        return services;
    }
}
