using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Remediation.Storage;

namespace Remediation.Safety;

/// <summary>Registers the safety gate's settings and memory (throttles and holds; Table storage when configured).</summary>
public static class SafetyRegistration
{
    /// <summary>Throttle settings and the safety store.</summary>
    public static IServiceCollection AddSafety(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ThrottleOptions>(ThrottleOptions.Section);
        services.AddValidatedOptions<MaintenanceOptions>(MaintenanceOptions.Section);
        services.AddSingleton<HoldCommands>();
        services.AddSingleton<MaintenanceCalendar>();
        services.AddSingleton<MaintenanceHttp>();
        if (services.AddStorageTable(configuration, "safety") is { } table)
        {
            services.TryAddSingleton<ISafetyStore>(new TableSafetyStore(table));
            services.TryAddSingleton<IMaintenanceStore>(new TableMaintenanceStore(table));
        }
        else
        {
            services.TryAddSingleton<ISafetyStore, InMemorySafetyStore>();
            services.TryAddSingleton<IMaintenanceStore, InMemoryMaintenanceStore>();
        }

        return services;
    }
}
