using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Remediation.Storage;

namespace Remediation.Runs;

/// <summary>Registers the run ledger and the run API's reads and commands.</summary>
public static class RunsRegistration
{
    /// <summary>The ledger (Table storage when configured), <see cref="RunQueries"/> and <see cref="RunCommands"/>.</summary>
    public static IServiceCollection AddRuns(this IServiceCollection services, IConfiguration configuration)
    {
        var runs = services.AddStorageTable(configuration, "runs");
        var runAlerts = services.AddStorageTable(configuration, "runalerts");
        if (runs is not null && runAlerts is not null)
        {
            services.TryAddSingleton<IRunLedger>(new TableRunLedger(runs, runAlerts));
        }
        else
        {
            services.TryAddSingleton<IRunLedger, InMemoryRunLedger>();
        }

        services.AddSingleton<RunCommands>();
        services.AddSingleton<RunQueries>();
        services.AddSingleton<RunsHttp>();
        return services;
    }
}
