using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Remediation.Storage;

namespace Remediation.Monitoring;

/// <summary>Registers the monitors: the board, the probe cycle that feeds it, Get-ServerHealth, and where state is kept.</summary>
public static class MonitoringRegistration
{
    /// <summary>Monitor settings, the board, the cycle, the health API and the monitor state store (restored at start).</summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MonitorOptions>(MonitorOptions.Section);
        services.AddSingleton<MonitorBoard>();
        services.AddValidatedOptions<History.HistoryOptions>(History.HistoryOptions.Section);
        if (services.AddStorageTable(configuration, "probehistory") is { } history)
        {
            services.TryAddSingleton<History.IProbeHistory>(sp => ActivatorUtilities.CreateInstance<History.TableProbeHistory>(sp, history));
        }
        else
        {
            services.TryAddSingleton<History.IProbeHistory, History.ProbeHistory>();
        }

        services.AddSingleton<History.HistoryHttp>();
        services.AddSingleton<ProbeCycle>();
        services.AddSingleton<HealthApi>();
        if (services.AddStorageTable(configuration, "monitors") is { } table)
        {
            services.TryAddSingleton<IMonitorStateStore>(new TableMonitorStateStore(table));
        }
        else
        {
            services.TryAddSingleton<IMonitorStateStore, InMemoryMonitorStateStore>();
        }

        services.AddHostedService<MonitorStateLoader>();
        return services;
    }

    /// <summary>At start-up, before probes run, the board takes back the state the store kept.</summary>
    sealed class MonitorStateLoader(MonitorBoard board) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => board.RefreshAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
