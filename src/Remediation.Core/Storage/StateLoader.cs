using Azure.Data.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Remediation.Monitoring;

namespace Remediation.Storage;

/// <summary>At start-up, before probes run: creates the tables (when storage is configured) and restores monitor state.</summary>
public sealed class StateLoader(IServiceProvider services, IOptions<StorageOptions> options, IMonitorStateStore store, MonitorBoard board) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.IsConfigured)
        {
            foreach (var table in (IEnumerable<TableClient>)services.GetService(typeof(IEnumerable<TableClient>))!)
            {
                await table.CreateIfNotExistsAsync(cancellationToken);
            }
        }

        board.Restore(await store.LoadAsync(cancellationToken));
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
